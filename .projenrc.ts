import { ReleasableCommits, awscdk, github, javascript, release } from 'projen';

/**
 * The lowest aws-cdk-lib the library supports, and the one the tests run against.
 * 2.270.0 is also the release that the only published `@aws-cdk/aws-imagebuilder-alpha`
 * (used by the tests and examples) requires.
 */
const CDK_VERSION = '2.270.0';
const CONSTRUCTS_VERSION = '10.5.1';

/**
 * Who and where the project is: the only place that names them. The repository is not public yet, so the README
 * shows no clone command (it says "clone this repository"); when it is, change REPOSITORY_OWNER (and the author)
 * here and run `npx projen`: the npm repository field, the Go module path and the changelog's links follow.
 */
const REPOSITORY_OWNER = 'maintainers';
const IDENTITY = {
  name: 'cdk-imagebuilder-distribution',
  author: 'cdk-imagebuilder-distribution maintainers',
  authorAddress: 'maintainers@users.noreply.r-seed-73cc3156.example',
  repositoryUrl: `https://github.com/${REPOSITORY_OWNER}/cdk-imagebuilder-distribution.git`,
  pypiDistName: 'cdk-imagebuilder-distribution',
  pythonModule: 'cdk_imagebuilder_distribution',
};

const project = new awscdk.AwsCdkConstructLibrary({
  author: IDENTITY.author,
  authorAddress: IDENTITY.authorAddress,
  cdkVersion: CDK_VERSION,
  constructsVersion: CONSTRUCTS_VERSION,
  jsiiVersion: '~6.0.0',
  name: IDENTITY.name,
  description: 'Safe EC2 Image Builder AMI distribution for the AWS CDK: typed per-Region settings, KMS keys across Regions and accounts, least-privilege key policies, and synth-time validation.',
  keywords: ['cdk', 'awscdk', 'imagebuilder', 'ami', 'kms', 'distribution', 'cross-account'],
  packageManager: javascript.NodePackageManager.NPM,
  // Experimental until the API settles: no release yet, and jsii marks the Python wheel "Development Status :: 4 - Beta".
  stability: 'experimental',
  // The Node.js the project builds and tests with (`.ci/run` installs 22 with `.ci/node.sh`): jsii and the release
  // tools want 22, and AWS SDK v3 releases after early January 2027 require it. The command's bundle still runs on
  // Node 20 (test/install/run.sh runs it there), with the SDK pinned below.
  minNodeVersion: '22.0.0',
  // ts-node (examples, the Python suite's TypeScript twin) works with TypeScript 6, not with the native TypeScript 7.
  typescriptVersion: '~6.0.3',
  // The dev tsconfig: tests, examples and the benchmark are type-checked through it.
  tsconfigDevFile: 'tsconfig.dev.json',
  eslintOptions: {
    dirs: ['src'],
    // One program for every linted file: tsconfig.dev.json includes src, tests, examples and the benchmark.
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
    devdirs: ['test', 'examples', 'bench', 'python-tests'],
    // `npm test` checks and never rewrites files; `npx projen eslint --fix` fixes.
    commandOptions: { fix: false, extraArgs: ['--max-warnings', '0'] },
  },
  projenrcTs: true,
  repositoryUrl: IDENTITY.repositoryUrl,
  defaultReleaseBranch: 'main',

  // projen's release: every push to main that has a feature or a fix (conventional commits) is released; the
  // version comes from those commits (`npx projen bump`), the packages are built and tested by `npx projen release`
  // (bump, build, unbump) and published by the release workflow's jobs, one per registry. The release's notes go
  // to the GitHub release and, through the release_changelog job, into CHANGELOG.md. `npm test` rehearses the
  // bump, build and packaging in a temporary clone (test/release/dry-run.sh).
  github: true,
  release: true,
  releaseTrigger: release.ReleaseTrigger.continuous(),
  // The commit that records a release in CHANGELOG.md (a chore) is not a release of its own.
  releasableCommits: ReleasableCommits.featuresAndFixes(),
  // The first release is 0.1.0 (projen would publish the 0.0.0 of package.json); later ones follow the commits.
  nextVersionCommand: "node -e \"process.stdout.write(process.env.LATEST_TAG ? '' : '0.1.0')\"",
  // The build and release jobs run `npm test`: its Python suite and the Go test need these.
  workflowBootstrapSteps: [
    { uses: 'actions/setup-python@v5', with: { 'python-version': '3.11' } },
    { uses: 'actions/setup-go@v5', with: { 'go-version': '1.26.x' } },
  ],
  // Pull requests are reviewed and merged by people; no bot merges or closes anything.
  depsUpgrade: false,
  stale: false,
  githubOptions: { mergify: false },
  pullRequestTemplate: false,

  publishToPypi: {
    distName: IDENTITY.pypiDistName,
    module: IDENTITY.pythonModule,
  },
  // The Go module (package `cdkimagebuilderdistribution`), published to a repository of its own, as jsii
  // publishes Go modules. Java and .NET are not configured: neither can be built and tested here (Maven Central
  // does not serve aws-cdk-lib's jar to this machine; there is no .NET SDK), and nothing untested is published.
  publishToGo: {
    moduleName: `github.com/${REPOSITORY_OWNER}/cdk-imagebuilder-distribution-go`,
  },

  // The command (src/cli: preflight and the other verbs) calls AWS with the SDK for JavaScript v3. The compile task bundles the
  // command and the SDK clients into one file (lib/cli/main.js, see projenrc/bundle-cli.js), so the packages
  // carry no dependency tree: the clients are devDependencies, used by the bundler and the tests only.
  // `npx cdk-imagebuilder-distribution preflight`, in TypeScript and Python projects alike.
  bin: { 'cdk-imagebuilder-distribution': 'lib/cli/main.js' },

  devDeps: [
    '@aws-cdk/aws-imagebuilder-alpha@2.270.0-alpha.0',
    'aws-cdk@2.1148.1',
    'ts-node@10.9.2',
    // AGPL-3.0: a test-only IAM policy evaluator; the published packages never import or bundle it.
    '@cloud-copilot/iam-simulate@0.1.173',
    'ajv@^8',
    'fast-check@^4',
    'cdk-nag@3.0.2',
    'esbuild@^0.28',
    // Pinned, each at the release the lock file holds: SDK releases after early January 2027 require Node 22, and
    // the bundled command still runs on Node 20, so an update is a deliberate change here (projenrc/bundle-cli.js
    // also fails when a bundled package's engines exclude Node 20).
    '@aws-sdk/client-auto-scaling@3.1169.0',
    '@aws-sdk/client-cloudformation@3.1169.0',
    '@aws-sdk/client-ec2@3.1169.0',
    '@aws-sdk/client-ecr@3.1169.0',
    '@aws-sdk/client-iam@3.1169.0',
    '@aws-sdk/client-imagebuilder@3.1046.0',
    '@aws-sdk/client-kms@3.1164.0',
    '@aws-sdk/client-organizations@3.1175.0',
    // The verification function publishes its findings (src/cli/verify/handler.ts).
    '@aws-sdk/client-sns@3.1169.0',
    '@aws-sdk/client-ssm@3.1169.0',
    '@aws-sdk/client-sts@3.1174.0',
    // jsii-pacmak writes the Go module's go.mod from the installed packages and checks it with `go mod tidy`. The
    // Go module of the cloud assembly schema exists for the version aws-cdk-go v2.270.0 itself requires (54.11.0,
    // the lowest aws-cdk-lib 2.270.0 accepts), not for every npm release (54.26.0 is missing from the Go proxy
    // here): installing that version makes the Go module name the same versions as aws-cdk-go at the lowest peer.
    '@aws-cdk/cloud-assembly-schema@54.11.0',
  ],

  jestOptions: {
    // Snapshots are checked, never rewritten, by `npm test`; `npx jest -u` updates them on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // Coverage costs a third of the jest run; `npx jest --coverage` collects it when wanted.
      collectCoverage: false,
      // Jest's default (cores minus one) leaves a 2-core machine with one worker while the parent waits.
      maxWorkers: '100%',
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out'],
      // Nothing left in the system's temporary folder: each run synthesizes into its own, removed afterwards,
      // and jest's cache (a folder of os.tmpdir() by default) lives with the dependencies.
      globalSetup: '<rootDir>/test/tmpdir.setup.ts',
      globalTeardown: '<rootDir>/test/tmpdir.teardown.ts',
      // A test that writes a warning or an error to the console fails: expected ones are captured and asserted.
      setupFilesAfterEnv: ['<rootDir>/test/console.setup.ts'],
      cacheDirectory: '<rootDir>/node_modules/.cache/jest',
      coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
    },
  },

  gitignore: ['cdk.out*', '/.venv-test/', '/.tools/', '__pycache__', '.jsii.tabl.json', '/python-tests/.out/', 'bench/results/'],
});

// npm's review of dependency install scripts (advisory in npm 11, enforced from npm 12), so that installs print no
// list of unreviewed scripts: esbuild's postinstall checks its platform binary (the command's bundler needs it);
// @parcel/watcher's (jest's, for watch mode) only builds from source when asked to, its binary being an optional
// dependency.
project.package.addField('allowScripts', { 'esbuild': true, '@parcel/watcher': false });

// CHANGELOG.md records each release: after the GitHub release, this job puts the release's notes (dist/changelog.md,
// from the bump) into it with projenrc/record-release.js and pushes that commit to main (a chore: not releasable, and
// a push with the workflow's token starts no workflow).
project.release!.addJobs({
  release_changelog: {
    name: 'Record the release in CHANGELOG.md',
    needs: ['release', 'release_github'],
    runsOn: ['ubuntu-latest'],
    permissions: { contents: github.workflows.JobPermission.WRITE },
    if: "needs.release.outputs.tag_exists != 'true' && needs.release.outputs.latest_commit == github.sha",
    steps: [
      { uses: 'actions/checkout@v5', with: { ref: 'main' } },
      { uses: 'actions/setup-node@v5', with: { 'node-version': 'lts/*' } },
      { uses: 'actions/download-artifact@v5', with: { name: 'build-artifact', path: 'dist' } },
      { name: 'Record the release', run: 'node projenrc/record-release.js dist/changelog.md dist/version.txt' },
      {
        name: 'Commit and push',
        run: [
          'git config user.name github-actions[bot]',
          'git config user.email 41898282+github-actions[bot]@users.noreply.github.com',
          'git add CHANGELOG.md',
          'git diff --cached --quiet || git commit -m "chore(release): record v$(cat dist/version.txt) in CHANGELOG.md"',
          'git push origin HEAD:main',
        ].join('\n'),
      },
    ],
  },
});

// The version is the release's: package.json says 0.0.0 between releases, and `npx projen bump` writes the next one
// (0.x until the API settles: a breaking change bumps the minor version).

// The command as the package runs it: jsii compiles src/cli like the rest of src, then one esbuild
// run replaces lib/cli/main.js with the command and everything it imports (projenrc/bundle-cli.js).
project.compileTask.exec('node projenrc/bundle-cli.js');
// The command's SDK clients are devDependencies: esbuild copies them into lib/cli/main.js, so the package
// depends on none of them at run time.
project.eslint?.addOverride({
  files: ['src/cli/**/*.ts'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});
// The package ships the bundle only; the other compiled files of the command would need the SDK clients.
project.addPackageIgnore('/lib/cli/**');
project.addPackageIgnore('!/lib/cli/main.js');
project.addPackageIgnore('!/lib/cli/THIRD-PARTY-LICENSES.txt');

for (const pattern of ['/examples/', '/bench/', '/docs/', '/.ci/', '/.tools/', '/python-tests/', '/go-tests/', '/rosetta/', 'cdk.out*', '/.venv-test/']) {
  project.addPackageIgnore(pattern);
}

// Example apps and the benchmark are type-checked with the tests.
// (Listed instead of projen's "**/*.ts", which would take in lib/, dist/ and cdk.out too.)
project.tsconfigDev.file.addOverride('include', ['src/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'python-tests/**/*.ts', '.projenrc.ts', 'projenrc/**/*.ts']);

/** ts-node with the dev tsconfig, for the example apps and the scripts next to the tests. */
const TS_NODE = 'ts-node -P tsconfig.dev.json --prefer-ts-exts';

/** A task that synthesizes an example app with the real cdk CLI, offline, and prints a summary of it. */
function addExampleTask(name: string, app: string, description: string) {
  const outdir = `cdk.out.${name.replace(/^example:?/, '') || 'example'}`;
  const task = project.addTask(name, {
    description,
    steps: [
      { exec: `cdk synth --app "${TS_NODE} ${app}" --output ${outdir} --quiet --no-notices --no-version-reporting` },
      { exec: `${TS_NODE} examples/summary.ts ${outdir}` },
    ],
  });
  task.env('CDK_DISABLE_CLI_TELEMETRY', 'true');
  // Run, not type-checked again: npm test's typecheck covers examples/ (tsconfig.dev.json), and ts-node's own type
  // check of the app and aws-cdk-lib's types took most of the example's minutes.
  task.env('TS_NODE_TRANSPILE_ONLY', 'true');
}
addExampleTask('example', 'examples/basic/app.ts', 'Synthesize the bundled example app with the cdk CLI and print a summary');
addExampleTask('example:multi-account', 'examples/multi-account/app.ts', 'Synthesize the multi-account example app with the cdk CLI and print a summary');
addExampleTask('example:organization', 'examples/organization/app.ts', 'Synthesize the organization example app with the cdk CLI and print a summary');

project.addTask('bench', {
  description: 'Synthesis benchmark against hand-written L1 and the alpha module (see docs/benchmarks.md)',
  steps: [
    { spawn: 'compile' },
    { exec: 'node --expose-gc -r ts-node/register/transpile-only bench/bench.ts' },
  ],
  // As users run it: aws-cdk-lib's own template validation on, a fresh process per measurement.
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
});

project.addTask('bench:preflight', {
  description: 'Preflight of 1,000 accounts x 5 Regions against moto: time and memory (see docs/benchmarks.md); not part of npm test',
  // BENCH_ACCOUNTS, BENCH_REGIONS and BENCH_CONCURRENCY change the size and --concurrency.
  exec: 'node -r ts-node/register/transpile-only bench/preflight-scale.ts',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
});

project.addTask('bench:retire', {
  description: 'Retire plan (dry run) of 1,000 accounts x 10 Regions against a local endpoint at 50 ms a call, beside a plain SDK loop (see docs/benchmarks.md); not part of npm test',
  // BENCH_ACCOUNTS, BENCH_REGIONS, BENCH_CONCURRENCY and BENCH_LATENCY_MS change the size, --concurrency and latency.
  exec: 'node -r ts-node/register/transpile-only bench/retire-scale.ts',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
});

project.addTask('bench:verify', {
  description: 'Verification of one image distributed to 1,000 accounts x 10 Regions (the function\'s run) against a local endpoint at 50 ms a call, beside a plain SDK loop (see docs/benchmarks.md); not part of npm test',
  // BENCH_ACCOUNTS (target accounts), BENCH_REGIONS, BENCH_CONCURRENCY and BENCH_LATENCY_MS change the size, concurrency and latency.
  exec: 'node -r ts-node/register/transpile-only bench/verify-scale.ts',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
});

project.addTask('docs:rules', {
  description: "Write the README's rule table from the rule catalog (src/private/rules/catalog.ts)",
  exec: `${TS_NODE} test/rule-table.ts --write`,
});

project.addTask('docs:guides', {
  description: 'Write the template diffs of docs/guides/migrate.md from the apps in examples/guides/migrate',
  exec: `${TS_NODE} test/guide-diff.ts --write`,
});

project.addTask('api-model:refresh', {
  description: 'Copy the distribution shapes of the Image Builder API model from the pinned botocore into test/api-model',
  exec: 'bash test/api-model/refresh.sh',
});

project.addTask('schemas:refresh', {
  description: 'Copy the CloudFormation resource schemas the tests validate against from the pinned cfn-lint into test/schemas',
  exec: 'bash test/schemas/refresh.sh',
});

// Python API reference next to API.md: doc-comment examples translated by jsii-rosetta.
project.tasks.tryFind('docgen')?.exec('jsii-docgen -l python -o API.python.md');

// `npm test` proves every published package, building each thing once and changing no tracked file. At once: the
// Python test environment (moto for the preflight tests, cfn-lint, the CDK for Python); the jsii assembly, then the
// README and doc-comment examples compiled by jsii-rosetta (whose translations, left beside the assembly in
// .jsii.tabl.json, jsii-docgen and jsii-pacmak then reuse instead of compiling every example again); eslint (no
// --fix); the type check of tests, examples and benchmark. Then jest. Then at once: the npm, PyPI and Go packages
// followed by their checks (the Python suite against the built wheel with cfn-lint over every synthesized template,
// the packed tarball installed into a new TypeScript app as the README's "Install" says, the package sizes, the
// README's Go quick start built against dist/go with the real aws-cdk-go); the API docs compared with a fresh
// generation; the release rehearsal. Steps in one group read only what earlier groups wrote (test/parallel.sh runs
// a group; a task of spawns runs them in order).
const testVenv = project.addTask('test:venv', {
  description: 'The Python environment of the tests (.venv-test): aws-cdk-lib, cfn-lint, pytest and moto, at pinned versions',
  exec: 'bash python-tests/venv.sh',
});
const typecheck = project.addTask('typecheck', {
  description: 'Type-check the tests, examples and benchmark (tsconfig.dev.json)',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
// One jsii-pacmak run for every target packs the npm tarball once (npm pack is most of package:js).
const packageBindings = project.addTask('package:bindings', {
  description: 'Create the npm, PyPI and Go packages in one jsii-pacmak run (needs compile first)',
  exec: 'jsii-pacmak -v --target js --target python --target go',
});
project.addTask('test:packages', {
  description: 'Build the jsii assembly and the npm, PyPI and Go packages',
  steps: [{ spawn: 'compile' }, { spawn: packageBindings.name }],
});
const testRosetta = project.addTask('test:rosetta', {
  description: 'Compile every README and doc-comment example with jsii-rosetta (strict)',
  exec: 'jsii-rosetta extract --strict',
});
const testPython = project.addTask('test:python', {
  description: 'pytest through the Python API of the built wheel, then cfn-lint over every synthesized template',
  exec: 'bash python-tests/run.sh',
});
const testApiDocs = project.addTask('test:api-docs', {
  description: 'Fail when API.md or API.python.md is not the one jsii-docgen generates from the built assembly',
  exec: 'bash test/api-docs.sh',
});
const testGo = project.addTask('test:go', {
  description: "Synthesize the README's Go quick start with the Go module in dist/go and the real aws-cdk-go (go-tests/)",
  exec: 'bash go-tests/run.sh',
});
const testInstall = project.addTask('test:install', {
  description: "Install the packed npm tarball into a new TypeScript app, as the README's Install says, and synthesize it",
  exec: 'bash test/install/run.sh',
});
const testPackageSize = project.addTask('test:package-size', {
  description: 'Fail when the npm tarball or the wheel is 2 MB or more, or the tarball carries a dependency tree',
  exec: 'bash test/package-size.sh',
});
const testRelease = project.addTask('test:release', {
  description: 'Rehearse a release in a temporary clone (bump, build, every package, unbump; nothing published) and check the versions',
  exec: 'bash test/release/dry-run.sh',
});
/** Runs projen tasks at once: on 2 cores one step's I/O overlaps another's CPU. */
const inParallel = (...tasks: Array<{ name: string }>) => `bash test/parallel.sh ${tasks.map(t => t.name).join(' ')}`;
// The steps run with a temporary folder of their own, which must be empty at the end (test/tmp-check.sh): a run
// leaves nothing in the system's temporary folder.
const testSteps = project.addTask('test:steps', {
  description: "npm test's steps, without the check of the temporary folder",
});
// jsii-rosetta right after the build, before anything that reads the examples' translations (.jsii.tabl.json):
// jsii-docgen (the API docs check and the rehearsal's post-compile) reuses them instead of compiling every example
// again (its Python pass took 53 s of CPU doing so, 11 s reusing them), jsii-pacmak puts them in the packages' docs
// as in a release (whose test step runs before its package step), and neither reads a half-written file.
const testAssembly = project.addTask('test:assembly', {
  description: 'Build the jsii assembly, then compile every README and doc-comment example with jsii-rosetta (strict)',
  steps: [{ spawn: project.compileTask.name }, { spawn: testRosetta.name }],
});
// The packages, then what reads them, at once.
const testPackaged = project.addTask('test:packaged', {
  description: 'Create the npm, PyPI and Go packages, then test the wheel, the tarball, their sizes and the Go module',
  steps: [
    { spawn: packageBindings.name },
    { exec: inParallel(testPython, testInstall, testPackageSize, testGo) },
  ],
});
// The Python environment comes before jest (the preflight tests run moto from it), built at once with the jsii
// assembly, eslint and the type check, which no jest test reads: on a fresh clone pip's install keeps one core busy
// for more than a minute, and the other core does the rest. The release rehearsal runs from the first step of the
// last group to its end (it reads the commit, node_modules and the translations only): on its own it took as long
// as the rest of that group.
testSteps.exec(inParallel(testVenv, testAssembly, project.tasks.tryFind('eslint')!, typecheck));
testSteps.exec('jest --passWithNoTests --ci', { receiveArgs: true });
testSteps.exec(inParallel(testPackaged, testApiDocs, testRelease));
project.testTask.reset();
project.testTask.exec(`bash test/tmp-check.sh npx projen ${testSteps.name}`, { receiveArgs: true });

project.synth();
