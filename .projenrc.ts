import { awscdk, javascript } from 'projen';

/**
 * The lowest aws-cdk-lib the library supports, and the one the tests run against.
 * 2.270.0 is also the release that the only published `@aws-cdk/aws-imagebuilder-alpha`
 * (used by the tests and examples) requires.
 */
const CDK_VERSION = '2.270.0';
const CONSTRUCTS_VERSION = '10.5.1';

const project = new awscdk.AwsCdkConstructLibrary({
  author: 'cdk-imagebuilder-distribution maintainers',
  authorAddress: 'maintainers@users.noreply.r-seed-73cc3156.example',
  cdkVersion: CDK_VERSION,
  constructsVersion: CONSTRUCTS_VERSION,
  jsiiVersion: '~6.0.0',
  name: 'cdk-imagebuilder-distribution',
  description: 'Safe EC2 Image Builder AMI distribution for the AWS CDK: typed per-Region settings, KMS keys across Regions and accounts, least-privilege key policies, and synth-time validation.',
  keywords: ['cdk', 'awscdk', 'imagebuilder', 'ami', 'kms', 'distribution', 'cross-account'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  repositoryUrl: 'https://github.com/maintainers/cdk-imagebuilder-distribution.git',
  defaultReleaseBranch: 'main',
  github: false,
  release: false,

  publishToPypi: {
    distName: 'cdk-imagebuilder-distribution',
    module: 'cdk_imagebuilder_distribution',
  },

  devDeps: [
    '@aws-cdk/aws-imagebuilder-alpha@2.270.0-alpha.0',
    'aws-cdk@2.1148.1',
    'ajv@^8',
    'fast-check@^4',
    'cdk-nag@^2',
  ],

  jestOptions: {
    // Snapshots are checked, never rewritten, by `npm test`; `npx jest -u` updates them on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out'],
      coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
    },
  },

  gitignore: ['cdk.out*', '/.venv-test/', '__pycache__', '.jsii.tabl.json', '/python-tests/.out/', 'bench/results/'],
});

for (const pattern of ['/examples/', '/bench/', '/docs/', '/.ci/', '/python-tests/', '/rosetta/', 'cdk.out*', '/.venv-test/']) {
  project.addPackageIgnore(pattern);
}

// Example apps and the benchmark are type-checked with the tests.
project.tsconfigDev.addInclude('../examples/**/*.ts');
project.tsconfigDev.addInclude('../bench/**/*.ts');

/** A task that synthesizes an example app with the real cdk CLI, offline, and prints a summary of it. */
function addExampleTask(name: string, app: string, description: string) {
  const outdir = `cdk.out.${name.replace(/^example:?/, '') || 'example'}`;
  const ts = 'ts-node -P test/tsconfig.json --prefer-ts-exts';
  const task = project.addTask(name, {
    description,
    steps: [
      { exec: `cdk synth --app "${ts} ${app}" --output ${outdir} --quiet --no-notices --no-version-reporting` },
      { exec: `${ts} examples/summary.ts ${outdir}` },
    ],
  });
  task.env('CDK_DISABLE_CLI_TELEMETRY', 'true');
}
addExampleTask('example', 'examples/basic/app.ts', 'Synthesize the bundled example app with the cdk CLI and print a summary');
addExampleTask('example:multi-account', 'examples/multi-account/app.ts', 'Synthesize the multi-account example app with the cdk CLI and print a summary');

project.addTask('bench', {
  description: 'Synthesis benchmark against hand-written L1 and the alpha module (see docs/benchmarks.md)',
  steps: [
    { spawn: 'compile' },
    { exec: 'node --expose-gc -r ts-node/register/transpile-only bench/bench.ts' },
  ],
  // aws-cdk-lib's own template validation is the same work for the three variants and dominates the time
  // (and its noise); turned off, the table measures what the constructs cost.
  env: { TS_NODE_PROJECT: 'test/tsconfig.json', CDK_VALIDATION: 'false' },
});

// Python API reference next to API.md: doc-comment examples translated by jsii-rosetta.
project.tasks.tryFind('docgen')?.exec('jsii-docgen -l python -o API.python.md');

// `npm test` proves every published package: jest and eslint (projen's default test steps), then the jsii
// build of npm and PyPI packages, the README and doc-comment examples compiled by jsii-rosetta, the Python
// suite against the built wheel, and cfn-lint over every synthesized template.
const testPackages = project.addTask('test:packages', {
  description: 'Build the jsii assembly, the API docs and the npm and PyPI packages',
  steps: [{ spawn: 'compile' }, { spawn: 'docgen' }, { spawn: 'package-all' }],
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
  description: 'Fail when API.md or API.python.md is not the one the build generates',
  exec: 'bash -c "if git rev-parse --git-dir >/dev/null 2>&1; then git diff --exit-code -- API.md API.python.md; fi"',
});
for (const task of [testPackages, testRosetta, testPython, testApiDocs]) {
  project.testTask.spawn(task);
}

project.synth();
