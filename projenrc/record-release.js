// Records a release in CHANGELOG.md: the release's entries, as `npx projen bump` wrote them (dist/changelog.md,
// from the conventional commits since the last release), go right after the hand-written "Unreleased" section,
// newest release first. Run by the release workflow's release_changelog job (which commits and pushes the result)
// and by the release dry run (test/release/dry-run.sh). Does nothing when CHANGELOG.md already has the version.
// Usage: node projenrc/record-release.js [ENTRY_FILE] [VERSION_FILE] (default dist/changelog.md, dist/version.txt).
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const entryFile = path.resolve(root, process.argv[2] ?? 'dist/changelog.md');
const versionFile = path.resolve(root, process.argv[3] ?? 'dist/version.txt');
const changelogFile = path.join(root, 'CHANGELOG.md');

const version = fs.readFileSync(versionFile, 'utf-8').trim();
const entry = fs.readFileSync(entryFile, 'utf-8').trim();
const firstHeading = entry.split('\n').find(line => line.startsWith('#'));
if (!version || !firstHeading || !firstHeading.includes(version)) {
  console.error(`record-release: ${entryFile} does not start with a heading for version ${version || '(none)'} from ${versionFile}`);
  process.exit(1);
}

const changelog = fs.readFileSync(changelogFile, 'utf-8');
const lines = changelog.split('\n');
const escaped = version.replace(/[.]/g, '\\.');
if (lines.some(line => new RegExp(`^##? .*\\b${escaped}\\b`).test(line))) {
  console.log(`record-release: CHANGELOG.md already records ${version}`);
  process.exit(0);
}

// Releases are second-level headings, like the "Unreleased" one.
const section = entry.replace(/^#+ /, '## ').replace(/\n#{3,} /g, '\n### ');
const unreleased = lines.findIndex(line => /^## \[?Unreleased\]?/i.test(line));
let at = lines.findIndex((line, i) => i > unreleased && line.startsWith('## '));
if (at < 0) at = lines.length;
const before = lines.slice(0, at).join('\n').trimEnd();
const after = lines.slice(at).join('\n').trim();
fs.writeFileSync(changelogFile, `${before}\n\n${section}\n${after ? `\n${after}\n` : ''}`);
console.log(`record-release: CHANGELOG.md records ${version}`);
