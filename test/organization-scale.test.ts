import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Stack, Validations, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { DistributionConfiguration, TargetAccountKeyAccess } from '../src';

/*
 * Organization scale: many target accounts in many Regions, with owned keys and organization-scoped access,
 * synthesize with every key policy under KMS's 32 KB and every template under CloudFormation's 1 MB; a template
 * over the limit stops the synthesis with the fix, one near it warns. The full size of issue 19 (1,000 target
 * accounts x 10 Regions) is the benchmark's organization case, which checks the same sizes (bench/synth-one.ts).
 */

const ACCOUNT = '111111111111';
const ORG_ARN = 'arn:aws:organizations::999999999999:organization/o-abcdefghij';
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(200000000000 + i));

jest.setTimeout(120_000);

function organizationApp(targets: number, regions: string[]) {
  const app = new App();
  const keyStacks = new Map(regions.map(region => [region, new Stack(app, `Keys-${region}`, { env: { account: ACCOUNT, region } })]));
  const stack = new Stack(app, 'Distribution', { env: { account: ACCOUNT, region: regions[0] } });
  const dist = new DistributionConfiguration(stack, 'Distribution', {
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    sourceKey: new kms.Key(stack, 'SourceKey'),
    targetAccounts: accounts(targets),
    targetAccountKeyAccess: TargetAccountKeyAccess.organization(ORG_ARN),
  });
  for (const region of regions) {
    dist.addRegion(region, { kmsKey: new kms.Key(keyStacks.get(region)!, 'Key') });
  }
  return app;
}

/** The size of each key policy (bytes of its JSON) and of each template file as written. */
function sizes(app: App) {
  const assembly = app.synth();
  const keyPolicies: number[] = [];
  const templates: number[] = [];
  for (const stack of assembly.stacks) {
    templates.push(fs.statSync(path.join(assembly.directory, stack.templateFile)).size);
    for (const resource of Object.values<any>(stack.template.Resources ?? {})) {
      if (resource.Type === 'AWS::KMS::Key') {
        keyPolicies.push(Buffer.byteLength(JSON.stringify(resource.Properties.KeyPolicy)));
      }
    }
  }
  return { keyPolicies, templates, stacks: assembly.stacks.length };
}

test('200 target accounts x 10 Regions with organization-scoped access: no error, key policies far under 32 KB, templates under 1 MB', () => {
  const { keyPolicies, templates, stacks } = sizes(organizationApp(200, REGIONS));
  expect(stacks).toBe(11);
  expect(keyPolicies).toHaveLength(11);
  expect(Math.max(...keyPolicies)).toBeLessThan(4096);
  expect(Math.max(...templates)).toBeLessThan(1_000_000);
});

describe('template size', () => {
  /** A distribution stack with a resource of `padding` characters, so that the template has about that size. */
  function padded(padding: number) {
    const app = new App();
    const stack = new Stack(app, 'Distribution', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new DistributionConfiguration(stack, 'Distribution', { amiName: 'golden-{{ imagebuilder:buildDate }}' })
      .addRegion('us-east-1', { kmsKey: new kms.Key(stack, 'Key'), targetAccounts: ['222222222222'] });
    new CfnResource(stack, 'Padding', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x'.repeat(padding) } });
    return { app, stack };
  }
  const synthError = (app: App) => {
    try {
      app.synth();
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  const sizeWarnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('TemplateSizeNearLimit')).map(w => w.entry.data);

  test('over 1,000,000 bytes: an error with the size and the fix', () => {
    const { app } = padded(1_000_000);
    expect(synthError(app)).toMatch(/\[TemplateSize\] The template of stack Distribution \(Distribution\.template\.json\) is 10\d{5} bytes, over CloudFormation's limit of 1000000 bytes for a template, so the stack fails to deploy\. Fix: reach target accounts as their organization's Image Builder role \(targetAccountKeyAccess: TargetAccountKeyAccess\.organization\(\.\.\.\)\).*launchPermission\.organizations or organizationalUnits.*more stacks.*suppressTemplateIndentation: true/);
  });

  test('over 80 %: a warning users can acknowledge; under it, nothing', () => {
    const near = padded(850_000);
    expect(synthError(near.app)).toBe('');
    expect(sizeWarnings(near.stack)).toEqual([expect.stringMatching(/^\[TemplateSizeNearLimit\] The template of stack Distribution \(Distribution\.template\.json\) is 85\d{4} bytes, 85 % of CloudFormation's limit of 1000000 bytes/)]);

    const acknowledged = padded(850_000);
    Validations.of(acknowledged.stack).acknowledge({ id: 'cdk-imagebuilder-distribution:TemplateSizeNearLimit', reason: 'the distributions move to a second stack next release' });
    expect(synthError(acknowledged.app)).toBe('');
    expect(sizeWarnings(acknowledged.stack)).toEqual([]);

    const small = padded(700_000);
    expect(synthError(small.app)).toBe('');
    expect(sizeWarnings(small.stack)).toEqual([]);
  });

  test('the size is the written file\'s, in bytes: multi-byte characters count', () => {
    const { app } = padded(0);
    const stack = app.node.findChild('Distribution') as Stack;
    // 340,000 three-byte characters: 1,020,000 bytes, though 340,000 characters.
    new CfnResource(stack, 'Wide', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: '\u20ac'.repeat(340_000) } });
    expect(synthError(app)).toMatch(/\[TemplateSize\] The template of stack Distribution/);
  });

  test('a key stack is measured too', () => {
    const app = new App();
    const keys = new Stack(app, 'Keys', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const stack = new Stack(app, 'Distribution', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new DistributionConfiguration(stack, 'Distribution').addRegion('eu-west-1', { kmsKey: new kms.Key(keys, 'Key'), targetAccounts: ['222222222222'] });
    new CfnResource(keys, 'Padding', { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x'.repeat(1_000_000) } });
    expect(synthError(app)).toMatch(/\[TemplateSize\] The template of stack Keys \(Keys\.template\.json\)/);
  });
});
