// The command (preflight and the other verbs) as the package runs it (run by the compile task, after jsii): esbuild replaces
// lib/cli/main.js with the command, the AWS SDK clients and the library code it uses in one file, so the npm
// tarball and the wheel carry no dependency tree. Whitespace and syntax are minified, names kept (a stack trace
// still reads); the file still exports main(argv, io). The licenses of every bundled package go next to it in
// lib/cli/THIRD-PARTY-LICENSES.txt, as their licenses (Apache-2.0, MIT, ...) ask of a redistribution.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'lib/cli/main.js');

const result = esbuild.buildSync({
  absWorkingDir: root,
  // A clone whose node_modules is a link (test/release/dry-run.sh) bundles from its own paths.
  preserveSymlinks: true,
  entryPoints: [path.join(root, 'src/cli/main.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  outfile,
  allowOverwrite: true,
});

// Executable, as a bin: npm install makes it so, but jsii's runtime (the wheel's script) runs the file itself.
fs.chmodSync(outfile, 0o755);

/** The folder of the package a bundled file (a path relative to root) belongs to: its last node_modules/<name> or <@scope/name>. */
function packageDir(file) {
  const parts = file.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const nameParts = parts[at + 1].startsWith('@') ? 2 : 1;
  return path.join(root, ...parts.slice(0, at + 1 + nameParts));
}

const dirs = new Set(Object.keys(result.metafile.inputs).map(packageDir).filter(Boolean));
// One section per license text, naming every package under it (most are the same Apache-2.0 text).
const byText = new Map();
for (const dir of [...dirs].sort()) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf-8'));
  const licenseFile = fs.readdirSync(dir).find(f => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const text = licenseFile ? fs.readFileSync(path.join(dir, licenseFile), 'utf-8').trim() : `License: ${pkg.license}`;
  byText.set(text, [...byText.get(text) ?? [], `${pkg.name}@${pkg.version} (${pkg.license})`]);
}
const sections = [...byText].map(([text, packages]) => `${packages.join('\n')}\n\n${text}\n`);
const header = 'lib/cli/main.js bundles the following packages, under these licenses.\n';
fs.writeFileSync(path.join(root, 'lib/cli/THIRD-PARTY-LICENSES.txt'), [header, ...sections].join(`\n${'-'.repeat(80)}\n\n`));
