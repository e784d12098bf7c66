import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations, aws_iam as iam } from 'aws-cdk-lib';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildBasicApp } from '../examples/basic/app';
import { buildMultiAccountApp } from '../examples/multi-account/app';

/*
 * cdk-nag 3's AwsSolutions pack, a policy validation plugin of aws-cdk-lib: it reports findings in the assembly's
 * validation report, and skips those acknowledged (`Validations.of(construct).acknowledge()`) on the resource or a
 * construct above it. No finding without a written reason (the acknowledgements live next to the code).
 */

/** Every finding the pack reports on an app, as `<rule> at <construct path>`. */
function nagFindings(build: (app: App) => unknown): string[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
  try {
    const app = new App({ outdir });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
    build(app);
    try {
      app.synth();
    } catch (e) {
      // A finding of level error fails synth; the report is written first and lists every finding.
      expect((e as Error).message).toMatch(/AwsSolutions/);
    }
    const report = JSON.parse(fs.readFileSync(path.join(outdir, VALIDATION_REPORT_FILE), 'utf-8'));
    return report.pluginReports
      .filter((p: any) => p.pluginName === 'AwsSolutions')
      .flatMap((p: any) => p.violations.flatMap((v: any) => v.violatingConstructs.map((c: any) => `${v.ruleName} (${v.severity}) at ${c.constructPath}`)))
      .sort();
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

test.each([
  ['basic', buildBasicApp],
  ['multi-account', buildMultiAccountApp],
] as const)('the %s example has no unacknowledged AwsSolutions finding', (_name, build) => {
  expect(nagFindings(build)).toEqual([]);
});

test('the pack runs and reports what is not acknowledged, per finding and per resource', () => {
  const findings = nagFindings(app => {
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    const managed = [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')];
    const acknowledged = new iam.Role(stack, 'Acknowledged', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'), managedPolicies: managed });
    new iam.Role(stack, 'NotAcknowledged', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'), managedPolicies: managed });
    Validations.of(acknowledged).acknowledge({ id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]', reason: 'test' });
  });
  expect(findings).toEqual(['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore] (error) at Stack/NotAcknowledged/Resource']);
});
