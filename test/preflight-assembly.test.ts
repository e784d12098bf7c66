import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { DistributionConfiguration } from '../src';
import { propertyRuns } from './property-runs';
import { AssemblyError, readAssembly } from '../src/cli/common/assembly';
import { main } from '../src/cli/main';

/*
 * Malformed cloud assemblies: the command exits 2 with one line and no stack trace, whatever the manifest or a
 * template holds; assemblies with stages, stages in stages included, are read. No AWS call is made: the
 * assembly is read before the credentials are looked for.
 */

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-assembly-'));
  tempDirs.push(dir);
  return dir;
}

/** An app with a distribution in a stack at the top, in a stage, and in a stage of a stage. */
function nestedApp(): string {
  const outdir = tempDir();
  const app = new App({ outdir });
  const add = (scope: App | Stage, account: string) => {
    const stack = new Stack(scope, 'Golden', { env: { account, region: 'us-east-1' } });
    new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' }).addRegion('us-east-1');
  };
  add(app, '111111111111');
  const outer = new Stage(app, 'Outer', { env: { account: '222222222222', region: 'us-east-1' } });
  add(outer, '222222222222');
  add(new Stage(outer, 'Inner'), '333333333333');
  app.synth();
  return outdir;
}

async function run(dir: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['preflight', '--app', dir], { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('stages and stages in stages are read, each stack with its environment', () => {
  const found = readAssembly(nestedApp());
  expect(found.map(f => [f.stack, f.account, f.library?.logicalId !== undefined]).sort()).toEqual([
    ['Golden', '111111111111', true],
    ['Outer/Golden', '222222222222', true],
    ['Outer/Inner/Golden', '333333333333', true],
  ]);
});

describe('a malformed assembly exits 2 with one line, no stack trace', () => {
  const cases: Array<[string, (dir: string) => void, RegExp]> = [
    ['a manifest that is not JSON', dir => fs.writeFileSync(path.join(dir, 'manifest.json'), '{"version": "4'), /^preflight: cannot read the manifest .*manifest\.json: .*\. Fix: run 'cdk synth' again$/],
    ['a manifest that is a JSON list', dir => fs.writeFileSync(path.join(dir, 'manifest.json'), '[]'), /^preflight: the manifest .* is not a JSON object\. Fix: run 'cdk synth' again$/],
    ['artifacts that are not an object', dir => fs.writeFileSync(path.join(dir, 'manifest.json'), '{"artifacts": 3}'), /^preflight: the manifest .* has no valid "artifacts" object/],
    ['a stack without a template file', dir => fs.writeFileSync(path.join(dir, 'manifest.json'), '{"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": null}}}'), /^preflight: the manifest in .* names no file for the template of stack S\./],
    ['a template that is not JSON', dir => fs.writeFileSync(path.join(dir, 'Golden.template.json'), 'Resources:\n  X: {}'), /^preflight: cannot read the template of stack Golden .*Golden\.template\.json: .*\. Fix: run 'cdk synth' again$/],
    ['a template that is missing', dir => fs.rmSync(path.join(dir, 'Golden.template.json')), /^preflight: cannot read the template of stack Golden .*: ENOENT/],
    ['a stage that names its own directory', dir => fs.writeFileSync(path.join(dir, 'manifest.json'), '{"artifacts": {"Me": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}}}}'), /contains itself as a nested assembly/],
    ['a nested manifest that is corrupt', dir => fs.writeFileSync(path.join(dir, 'assembly-Outer', 'manifest.json'), 'garbage'), /^preflight: cannot read the manifest .*assembly-Outer.*manifest\.json/],
  ];
  test.each(cases)('%s', async (_, corrupt, message) => {
    const dir = nestedApp();
    corrupt(dir);
    const { code, err, out } = await run(dir);
    expect(err).toMatch(message);
    expect(err.split('\n')).toHaveLength(1);
    expect(err).not.toMatch(/\n\s+at /);
    expect(out).toBe('');
    expect(code).toBe(2);
  });
});

test('any JSON in the manifest, an artifact or a template: the assembly is read or refused with AssemblyError, nothing else', () => {
  const base = nestedApp();
  const manifest = JSON.parse(fs.readFileSync(path.join(base, 'manifest.json'), 'utf-8'));
  const template = JSON.parse(fs.readFileSync(path.join(base, 'Golden.template.json'), 'utf-8'));
  const dir = tempDir();
  fs.cpSync(base, dir, { recursive: true });
  const json = fc.jsonValue({ maxDepth: 3 });
  // Replace one value at a path of the manifest or the template with arbitrary JSON.
  const pathsOf = (value: unknown, prefix: string[] = []): string[][] => (value && typeof value === 'object'
    ? [prefix, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))]
    : [prefix]);
  const targets = [
    ...pathsOf(manifest).map(p => ({ file: 'manifest.json', doc: manifest, path: p })),
    ...pathsOf(template).map(p => ({ file: 'Golden.template.json', doc: template, path: p })),
  ];
  fc.assert(fc.property(fc.constantFrom(...targets), json, (target, value) => {
    const doc = structuredClone(target.doc);
    if (target.path.length === 0) {
      fs.writeFileSync(path.join(dir, target.file), JSON.stringify(value));
    } else {
      let at: any = doc;
      target.path.slice(0, -1).forEach(k => (at = at[k]));
      at[target.path[target.path.length - 1]] = value;
      fs.writeFileSync(path.join(dir, target.file), JSON.stringify(doc));
    }
    try {
      readAssembly(dir);
    } catch (e) {
      if (!(e instanceof AssemblyError)) {
        throw e;
      }
    } finally {
      fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
      fs.writeFileSync(path.join(dir, 'Golden.template.json'), JSON.stringify(template));
    }
  }), { numRuns: propertyRuns(1) });
});

describe('every cross-stack reference style aws-cdk-lib writes resolves to the stack that owns the resource', () => {
  /**
   * A key in stack `Keys` (of `keyEnv`) used by a hand-written configuration of stack `Golden` (us-east-1 of
   * 123456789012), synthesized with the feature flag `@aws-cdk/core:defaultCrossStackReferences` set to `strength`.
   * Returns the reference as the template writes it and what the assembly reader resolves it to.
   */
  function reference(strength: string, keyEnv: { account: string; region: string }) {
    const outdir = tempDir();
    const app = new App({ outdir, context: { '@aws-cdk/core:defaultCrossStackReferences': strength } });
    const keys = new Stack(app, 'Keys', { env: keyEnv, crossRegionReferences: true });
    const golden = new Stack(app, 'Golden', { env: { account: '123456789012', region: 'us-east-1' }, crossRegionReferences: true });
    const key = new kms.Key(keys, 'Key');
    new imagebuilder.CfnDistributionConfiguration(golden, 'Dist', {
      name: 'golden',
      distributions: [{ region: keyEnv.region, amiDistributionConfiguration: { KmsKeyId: key.keyArn } }],
    });
    app.synth();
    const [found] = readAssembly(outdir);
    const written = (found.properties.Distributions as any)[0].AmiDistributionConfiguration.KmsKeyId;
    const keyId = Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, 'Keys.template.json'), 'utf-8')).Resources).find(id => id.startsWith('Key'));
    return { written, resolved: found.appResource?.(written), keyId };
  }
  const same = { account: '123456789012', region: 'us-east-1' };

  test.each([
    ['strong, same environment', 'strong', same, 'Fn::ImportValue'],
    ['weak (what cdk init sets), same environment', 'weak', same, 'Fn::GetStackOutput'],
    ['both (strong to weak migration)', 'both', same, 'Fn::GetStackOutput'],
    ['weak, another account (with the producer\'s role)', 'weak', { account: '222222222222', region: 'us-east-1' }, 'Fn::GetStackOutput'],
    ['weak, another Region', 'weak', { account: '123456789012', region: 'eu-west-1' }, 'Fn::GetStackOutput'],
    ['strong, another Region (the export reader and writer)', 'strong', { account: '123456789012', region: 'eu-west-1' }, 'Fn::GetAtt'],
  ])('%s', (_, strength, keyEnv, style) => {
    const { written, resolved, keyId } = reference(strength, keyEnv);
    expect(Object.keys(written)).toEqual([style]);
    expect(resolved).toEqual({ stack: 'Keys', stackName: 'Keys', logicalId: keyId, type: 'AWS::KMS::Key', ...keyEnv });
  });

  test('a reference to a stack the assembly does not have resolves to nothing (left to deploy time)', () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    const golden = new Stack(app, 'Golden', { env: { account: '123456789012', region: 'us-east-1' } });
    const elsewhere = { 'Fn::GetStackOutput': { StackName: 'Other', Region: 'us-east-1', OutputName: 'KeyArn' } };
    new imagebuilder.CfnDistributionConfiguration(golden, 'Dist', {
      name: 'golden',
      distributions: [{ region: 'us-east-1', amiDistributionConfiguration: { KmsKeyId: elsewhere } }],
    });
    app.synth();
    expect(readAssembly(outdir)[0].appResource?.(elsewhere)).toBeUndefined();
  });
});
