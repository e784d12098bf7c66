import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations, aws_kms as kms } from 'aws-cdk-lib';
import { DistributionConfiguration, FastLaunchDistribution } from '../src';

/*
 * One acknowledgement ID everywhere: the README shows the ID `cdk synth` prints under a warning of this library
 * ("Acknowledge with '...'", written by the cdk CLI from aws-cdk-lib's annotation report), and that ID, given to
 * `Validations.of(scope).acknowledge()` as the README and the Python guide do, silences the warning and lets an
 * error pass. The README also states the imports its snippets are compiled with.
 */

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
const PYTHON_GUIDE = fs.readFileSync(path.join(ROOT, 'docs', 'guides', 'python.md'), 'utf-8');
const IMPORTED_KEY = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A distribution with an imported key (the `ImportedKeyPolicy` warning), and `fastLaunch` with 5 launches when `error`. */
function build(app: App, options: { error?: boolean } = {}): DistributionConfiguration {
  const stack = new Stack(app, 'GoldenAmi', { env: { account: '111111111111', region: 'us-east-1' } });
  const fastLaunch: FastLaunchDistribution[] = options.error ? [{ enabled: true, maxParallelLaunches: 5 }] : [];
  return new DistributionConfiguration(stack, 'Distribution', { amiName: 'golden-{{ imagebuilder:buildDate }}' })
    .addRegion('us-east-1', { kmsKey: kms.Key.fromKeyArn(stack, 'Key', IMPORTED_KEY), launchPermission: { accounts: ['222222222222'] }, fastLaunch });
}

const warningsOf = (app: App) => app.synth().stacks.flatMap(s => s.messages.filter(m => m.level === 'warning').map(m => String(m.entry.data)));

/** What `cdk synth` prints for the app `build` makes: the cdk CLI reads the synthesized assembly (a folder as --app). */
function printedByCdkSynth(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'acknowledgement-id-'));
  try {
    const app = new App({ outdir });
    build(app);
    app.synth();
    const run = spawnSync(CDK, ['synth', '--app', outdir, '--quiet', '--no-notices', '--no-version-reporting'], {
      cwd: outdir,
      encoding: 'utf-8',
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
      timeout: 100_000,
    });
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
    return `${run.stdout}\n${run.stderr}`;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The IDs of this library's rules in a text: `Annotation::cdk-imagebuilder-distribution:<rule>` or the short form. */
// Rule IDs start with a capital; the library's tag keys (`cdk-imagebuilder-distribution:retain`, ...) do not.
const idsIn = (text: string) => [...text.matchAll(/(?:Annotation::)?cdk-imagebuilder-distribution:[A-Z][A-Za-z]+(?::LeftOutOfPolicies)?/g)].map(m => m[0]);

test('the ID cdk synth prints under a warning is the one the README and the Python guide acknowledge it with', () => {
  const printed = [...printedByCdkSynth().matchAll(/Acknowledge with '([^']+)'/g)].map(m => m[1]);
  expect(printed).toEqual(['Annotation::cdk-imagebuilder-distribution:ImportedKeyPolicy']);
  const [id] = printed;
  expect(README).toContain(`id: '${id}'`);
  expect(PYTHON_GUIDE).toContain(`id="${id}"`);
});

test('the README and the docs write every ID of the library in that one form', () => {
  expect(idsIn(README).length).toBeGreaterThan(0);
  expect(idsIn(PYTHON_GUIDE).length).toBeGreaterThan(0);
  const docs = path.join(ROOT, 'docs');
  const files = ['README.md', ...fs.readdirSync(path.join(docs, 'guides')).map(f => path.join('docs', 'guides', f)), path.join('docs', 'rule-coverage.md')];
  const short = files.flatMap(file => idsIn(fs.readFileSync(path.join(ROOT, file), 'utf-8')).filter(id => !id.startsWith('Annotation::')).map(id => `${file}: ${id}`));
  expect(short).toEqual([]);
});

test('that ID, given to Validations.acknowledge as the README does, silences the warning and lets an error pass', () => {
  const warned = new App();
  build(warned);
  expect(warningsOf(warned)).toEqual([expect.stringMatching(/^\[ImportedKeyPolicy\]/)]);

  const acknowledged = new App();
  const distribution = build(acknowledged, { error: true });
  Validations.of(distribution).acknowledge(
    { id: 'Annotation::cdk-imagebuilder-distribution:ImportedKeyPolicy', reason: 'key policy managed by the security team' },
    { id: 'Annotation::cdk-imagebuilder-distribution:FastLaunchParallelLaunches', reason: 'EC2 lowered the minimum for this account' },
  );
  expect(warningsOf(acknowledged)).toEqual([]);

  const unacknowledged = new App();
  build(unacknowledged, { error: true });
  expect(() => unacknowledged.synth()).toThrow(/\[FastLaunchParallelLaunches\]/);
});

test('the README states the imports its snippets are compiled with (the jsii-rosetta fixture)', () => {
  const fixture = fs.readFileSync(path.join(ROOT, 'rosetta', 'default.ts-fixture'), 'utf-8');
  const imports = fixture.split('\n').filter(l => l.startsWith('import '));
  expect(imports.length).toBeGreaterThan(0);
  const stated = /\*\*What the snippets below assume\.\*\*[\s\S]*?```ts fixture=program\n([\s\S]*?)\n```/.exec(README);
  expect(stated?.[1].split('\n')).toEqual(imports);
});
