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
  // The command runs on Node 20 and later (test/install/run.sh runs it on 20 and 22), while the project builds on 22.
  target: 'node20',
  // The AWS SDK warns once per run, on Node 20, that its releases after early January 2027 require Node 22. The
  // bundled SDK is pinned (.projenrc.ts) and checked below to support Node 20, so for this bundle only the warning
  // is off, through the variable the SDK documents for that (aws/aws-sdk-js-v3#7983), fixed at build time: the
  // user's environment and every other SDK copy in their process are left as they are.
  define: { 'process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED': '"true"' },
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

// The command supports Node 20: a bundled package whose engines need a later Node (an SDK release after early
// January 2027) fails the build, rather than reaching Node 20 users unnoticed.
const COMMAND_MIN_NODE = 20;
const tooNew = [];
for (const dir of dirs) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf-8'));
  const range = pkg.engines?.node;
  if (range === undefined) continue;
  const min = /^>=\s*v?(\d+)(\.\d+){0,2}$/.exec(range.trim());
  if (!min || Number(min[1]) > COMMAND_MIN_NODE) tooNew.push(`${pkg.name}@${pkg.version} (engines.node "${range}")`);
}
if (tooNew.length > 0) {
  console.error(`bundle-cli: the command runs on Node ${COMMAND_MIN_NODE}, but these bundled packages may not:\n  ${tooNew.join('\n  ')}\n`
    + 'Pin the AWS SDK clients in .projenrc.ts at a release that supports it, or raise the command\'s minimum Node '
    + '(here, target in the esbuild options, test/install/run.sh and the README).');
  process.exit(1);
}
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
