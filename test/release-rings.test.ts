import * as fs from 'fs';
import * as path from 'path';
import { App, CfnElement, Duration, Stack, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { decide } from './authorization/evaluate';
import { deploy } from './authorization/resolve';
import { synthError } from './helpers';
import { propertyRuns } from './property-runs';
import { schemaErrors } from './schema';
import { DistributionConfiguration, DistributionConfigurationProps, DistributionVerification, ReleaseRing, ReleaseRings, ReleaseRingsProps } from '../src';
import { GATE_STEP } from '../src/cli/verify/gate';
import { RingSpec, partitionFindings, ringDefinitionProblems } from '../src/private/rules/rings';

/*
 * Release rings: the workflow document validated against what Image Builder documents (step actions and their
 * inputs, https://docs.aws.amazon.com/imagebuilder/latest/userguide/wfdoc-step-actions.html) and against the API
 * model's shapes (test/api-model), the template against CloudFormation's schemas, the gate's wiring and grants
 * with the IAM policy evaluator, and the rules that the rings split the distribution exactly.
 */

const ACCOUNT = '111111111111';
const A = '222222222222';
const B = '333333333333';
const C = '444444444444';
const NAME = 'golden-{{ imagebuilder:buildDate }}';
const KEY = (region: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SHAPES = JSON.parse(fs.readFileSync(path.join(__dirname, 'api-model', 'distribution-shapes.json'), 'utf-8')).shapes;

/** API model `WorkflowStepName` (imagebuilder 2019-12-02). */
const WORKFLOW_STEP_NAME = /^[A-Za-z][A-Za-z0-9-_]{1,99}$/;
/** The step actions Image Builder documents for the distribution stage, and the inputs each documents. */
const DOCUMENTED_INPUTS: Record<string, string[]> = {
  DistributeImage: ['distributions'],
  ModifyImageAttributes: ['distributedImages.$', 'attributes'],
  ApplyImageConfigurations: ['distributedImages.$', 'configurations'],
  WaitForAction: ['snsTopicArn', 'lambdaFunctionName', 'payload'],
};
/** DistributeImage's documented `distributions` item fields. */
const DISTRIBUTION_ITEM = ['region', 'name', 'description', 'targetAccountIds', 'amiTags', 'kmsKeyId'];

interface Built {
  app: App;
  stack: Stack;
  distribution: DistributionConfiguration;
  verification: DistributionVerification;
  rings?: ReleaseRings;
}

/**
 * A distribution of two Regions to two target accounts each, with launch permission, an SSM parameter per account
 * and a key per Region; its verification; and the rings.
 */
function build(rings: ReleaseRing[], extra: Partial<ReleaseRingsProps> = {}, props: DistributionConfigurationProps = {}): Built {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const distribution = new DistributionConfiguration(stack, 'Dist', { amiName: NAME, amiTags: { team: 'platform' }, targetAccounts: [A, B], launchPermission: { accounts: [C] }, ...props });
  for (const region of ['us-east-1', 'eu-west-1']) {
    distribution.addRegion(region, {
      kmsKey: kms.Key.fromKeyArn(stack, `Key-${region}`, KEY(region)),
      ssmParameters: [{ parameterName: '/golden/ami' }, { parameterName: '/golden/ami', amiAccount: A }],
    });
  }
  const verification = new DistributionVerification(stack, 'Verification', { distributions: [distribution] });
  const built: Built = { app, stack, distribution, verification };
  built.rings = new ReleaseRings(stack, 'Rings', { distribution, verification, rings, ...extra });
  return built;
}

const CANARY: ReleaseRing[] = [{ name: 'canary', regions: ['us-east-1'], accounts: [ACCOUNT, A] }, { name: 'rest', rest: true }];

/** The gate topic's logical ID: the verification has a topic of its own in the same stack, so not the first topic. */
function gateTopicId(rings: ReleaseRings): string {
  return Stack.of(rings).getLogicalId(rings.gateTopic.node.defaultChild as CfnElement);
}

/** The synthesized stack as deployed (intrinsics resolved), and its workflow document parsed. */
function deployed(b: Built) {
  const assembly = b.app.synth();
  const deployment = deploy(assembly);
  const template = assembly.getStackByName('Stack').template;
  const [workflowId, workflow] = Object.entries<any>(template.Resources).find(([, r]) => r.Type === 'AWS::ImageBuilder::Workflow')!;
  const data: string = deployment.resolve('Stack', workflow.Properties.Data);
  return { template, deployment, workflowId, workflow, data, document: JSON.parse(data) };
}

/** Problems of a value against a member of the API model's shapes (string, list, map, boolean, integer). */
function shapeProblems(value: unknown, member: any, where: string): string[] {
  switch (member.type) {
    case 'string':
      if (typeof value !== 'string') {
        return [`${where}: ${JSON.stringify(value)} is not a string`];
      }
      return [
        ...(member.min !== undefined && value.length < member.min ? [`${where}: shorter than ${member.min}`] : []),
        ...(member.max !== undefined && value.length > member.max ? [`${where}: longer than ${member.max}`] : []),
        ...(member.pattern && !new RegExp(member.pattern).test(value) ? [`${where}: ${value} does not match ${member.pattern}`] : []),
        ...(member.enum && !member.enum.includes(value) ? [`${where}: ${value} not in ${member.enum}`] : []),
      ];
    case 'list':
      if (!Array.isArray(value)) {
        return [`${where}: not a list`];
      }
      return [
        ...(member.min !== undefined && value.length < member.min ? [`${where}: fewer than ${member.min}`] : []),
        ...(member.max !== undefined && value.length > member.max ? [`${where}: more than ${member.max}`] : []),
        ...value.flatMap((v, i) => (member.member.type === 'structure' ? structureProblems(v, member.member.shape, `${where}[${i}]`) : shapeProblems(v, member.member, `${where}[${i}]`))),
      ];
    case 'map':
      if (typeof value !== 'object' || value === null) {
        return [`${where}: not a map`];
      }
      return [
        ...(member.max !== undefined && Object.keys(value).length > member.max ? [`${where}: more than ${member.max} entries`] : []),
        ...(member.min !== undefined && Object.keys(value).length < member.min ? [`${where}: fewer than ${member.min} entries`] : []),
      ];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${where}: not a boolean`];
    case 'integer':
      return Number.isInteger(value) && (member.min === undefined || (value as number) >= member.min) && (member.max === undefined || (value as number) <= member.max) ? [] : [`${where}: not an integer in range`];
    case 'structure':
      return structureProblems(value, member.shape, where);
    default:
      return [`${where}: unknown member type ${member.type}`];
  }
}

/** Problems of an object against a structure of the API model: unknown members, missing required ones, each member. */
function structureProblems(value: unknown, shape: string, where: string, only?: string[]): string[] {
  const definition = SHAPES[shape];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${where}: not an object`];
  }
  const members: Record<string, any> = definition.members;
  return [
    ...Object.keys(value).filter(k => !(k in members) || (only && !only.includes(k))).map(k => `${where}.${k}: not a member of ${shape}`),
    ...definition.required.filter((k: string) => !(k in value)).map((k: string) => `${where}.${k}: required by ${shape}`),
    ...Object.entries(value).filter(([k]) => k in members).flatMap(([k, v]) => shapeProblems(v, members[k], `${where}.${k}`)),
  ];
}

/** An inline `distributions` item: `region` is `Distribution.region`, the others `AmiDistributionConfiguration`'s. */
function distributionItemProblems(item: any, where: string): string[] {
  const { region, ...ami } = item;
  return [
    ...Object.keys(item).filter(k => !DISTRIBUTION_ITEM.includes(k)).map(k => `${where}.${k}: not a documented DistributeImage input`),
    ...shapeProblems(region, SHAPES.Distribution.members.region, `${where}.region`),
    ...structureProblems(ami, 'AmiDistributionConfiguration', where, DISTRIBUTION_ITEM),
  ];
}

/** An `ApplyImageConfigurations` item: `region` and the `Distribution` members the step documents. */
function configurationProblems(item: any, where: string): string[] {
  const { region, licenseConfigurationArns, launchTemplateConfigurations, ssmParameterConfigurations, fastLaunchConfigurations, ...rest } = item;
  const d = SHAPES.Distribution.members;
  return [
    ...Object.keys(rest).map(k => `${where}.${k}: not checked here`),
    ...shapeProblems(region, d.region, `${where}.region`),
    ...(licenseConfigurationArns === undefined ? [] : shapeProblems(licenseConfigurationArns, d.licenseConfigurationArns, `${where}.licenseConfigurationArns`)),
    ...(launchTemplateConfigurations === undefined ? [] : shapeProblems(launchTemplateConfigurations, d.launchTemplateConfigurations, `${where}.launchTemplateConfigurations`)),
    ...(ssmParameterConfigurations === undefined ? [] : shapeProblems(ssmParameterConfigurations, d.ssmParameterConfigurations, `${where}.ssmParameterConfigurations`)),
    // The documented fast launch inputs are FastLaunchConfiguration's without accountId.
    ...(fastLaunchConfigurations ?? []).flatMap((f: any, i: number) => [
      ...('accountId' in f ? [`${where}.fastLaunchConfigurations[${i}].accountId: not a documented input`] : []),
      ...structureProblems(f, 'FastLaunchConfiguration', `${where}.fastLaunchConfigurations[${i}]`),
    ]),
  ];
}

/** The copies (`region/account`) each ring's DistributeImage step makes, by ring name. */
function copiesByRing(document: any): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const step of document.steps.filter((s: any) => s.action === 'DistributeImage')) {
    out[step.name.replace(/^Distribute_/, '')] = step.inputs.distributions.flatMap((d: any) =>
      (d.targetAccountIds ?? [ACCOUNT]).map((a: string) => `${d.region}/${a}`)).sort();
  }
  return out;
}

describe('the workflow document of a canary ring and the rest', () => {
  const b = build(CANARY);
  const { template, document, workflow, deployment } = deployed(b);

  test('steps: per ring, distribute, share, configure, then the gate after every ring but the last', () => {
    expect(document.schemaVersion).toBe('1.0');
    expect(document.steps.map((s: any) => `${s.name}:${s.action}`)).toEqual([
      'Distribute_canary:DistributeImage',
      'Share_canary:ModifyImageAttributes',
      'Configure_canary:ApplyImageConfigurations',
      'VerifyRing1:WaitForAction',
      'Distribute_rest:DistributeImage',
      'Share_rest:ModifyImageAttributes',
      'Configure_rest:ApplyImageConfigurations',
    ]);
    expect(workflow.Properties.Type).toBe('DISTRIBUTION');
  });

  test('every step: a WorkflowStepName, unique, a documented distribution action with documented inputs, Abort on failure', () => {
    const names = document.steps.map((s: any) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const step of document.steps) {
      expect({ name: step.name, valid: WORKFLOW_STEP_NAME.test(step.name) }).toEqual({ name: step.name, valid: true });
      expect(Object.keys(DOCUMENTED_INPUTS)).toContain(step.action);
      expect(Object.keys(step.inputs).filter(k => !DOCUMENTED_INPUTS[step.action].includes(k))).toEqual([]);
      expect(step.onFailure).toBe('Abort');
    }
  });

  test('the gate: VerifyRing<N> (the function\'s GATE_STEP), the gate topic, a JSON payload, the timeout in seconds', () => {
    const gate = document.steps.find((s: any) => s.action === 'WaitForAction');
    expect(gate.name).toMatch(GATE_STEP);
    expect(GATE_STEP.exec(gate.name)![1]).toBe('1');
    const topicId = gateTopicId(b.rings!);
    expect(template.Resources[topicId].Type).toBe('AWS::SNS::Topic');
    expect(gate.inputs.snsTopicArn).toBe(deployment.resolve('Stack', { Ref: topicId }));
    expect(JSON.parse(gate.inputs.payload)).toEqual({ ring: 'canary', ringNumber: 1, rings: 2 });
    expect(Buffer.byteLength(gate.inputs.payload)).toBeLessThanOrEqual(16 * 1024);
    expect(gate.timeoutSeconds).toBe(7200);
  });

  test('each inline distribution, launch permission and configuration is of the API model\'s shapes', () => {
    const problems: string[] = [];
    for (const step of document.steps) {
      if (step.action === 'DistributeImage') {
        expect(step.inputs.distributions.length).toBeGreaterThan(0);
        step.inputs.distributions.forEach((d: any, i: number) => problems.push(...distributionItemProblems(d, `${step.name}.distributions[${i}]`)));
      }
      if (step.action === 'ModifyImageAttributes' || step.action === 'ApplyImageConfigurations') {
        // Each reads its own ring's DistributeImage outputs.
        expect(step.inputs['distributedImages.$']).toBe(`$.stepOutputs.${step.name.replace(/^(Share|Configure)_/, 'Distribute_')}.distributedImages`);
      }
      if (step.action === 'ModifyImageAttributes') {
        step.inputs.attributes.forEach((a: any, i: number) => {
          expect(Object.keys(a).sort()).toEqual(['launchPermission', 'region']);
          problems.push(...shapeProblems(a.region, SHAPES.Distribution.members.region, `${step.name}.attributes[${i}].region`));
          problems.push(...structureProblems(a.launchPermission, 'LaunchPermissionConfiguration', `${step.name}.attributes[${i}].launchPermission`));
        });
      }
      if (step.action === 'ApplyImageConfigurations') {
        step.inputs.configurations.forEach((c: any, i: number) => problems.push(...configurationProblems(c, `${step.name}.configurations[${i}]`)));
      }
    }
    expect(problems).toEqual([]);
  });

  test('the rings split the distribution: every copy in exactly one ring, with the plain distribution\'s keys, names and tags', () => {
    const copies = copiesByRing(document);
    expect(copies).toEqual({
      canary: [`us-east-1/${ACCOUNT}`, `us-east-1/${A}`],
      rest: [`eu-west-1/${ACCOUNT}`, `eu-west-1/${A}`, `eu-west-1/${B}`, `us-east-1/${B}`].sort(),
    });
    for (const step of document.steps.filter((s: any) => s.action === 'DistributeImage')) {
      for (const d of step.inputs.distributions) {
        expect({ region: d.region, kmsKeyId: d.kmsKeyId, name: d.name, amiTags: d.amiTags }).toEqual({ region: d.region, kmsKeyId: KEY(d.region), name: NAME, amiTags: { team: 'platform' } });
      }
    }
  });

  test('launch permissions go with the ring of the Region\'s own copy; SSM parameters with their account\'s copy', () => {
    const by = (name: string) => document.steps.find((s: any) => s.name === name).inputs;
    expect(by('Share_canary').attributes).toEqual([{ region: 'us-east-1', launchPermission: { userIds: [C] } }]);
    expect(by('Share_rest').attributes).toEqual([{ region: 'eu-west-1', launchPermission: { userIds: [C] } }]);
    expect(by('Configure_canary').configurations).toEqual([{ region: 'us-east-1', ssmParameterConfigurations: [{ parameterName: '/golden/ami' }, { parameterName: '/golden/ami', amiAccountId: A }] }]);
    expect(by('Configure_rest').configurations).toEqual([{ region: 'eu-west-1', ssmParameterConfigurations: [{ parameterName: '/golden/ami' }, { parameterName: '/golden/ami', amiAccountId: A }] }]);
  });

  test('the template passes the CloudFormation schemas, the workflow\'s Data within its 16,000 characters', () => {
    expect(schemaErrors(template, ['AWS::ImageBuilder::Workflow', 'AWS::SNS::Topic', 'AWS::SNS::Subscription'])).toEqual([]);
  });

  test('the verification function: subscribed to the gate topic, told the rings', () => {
    const t = Template.fromJSON(template);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
    const fn = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.VERIFY_RINGS);
    expect(JSON.parse(deployment.resolve('Stack', fn.Properties.Environment.Variables.VERIFY_RINGS))).toEqual([
      { name: 'canary', regions: ['us-east-1'], accounts: [ACCOUNT, A] },
      { name: 'rest', rest: true },
    ]);
  });

  test('the attachment: Amazon\'s build-image and test-image workflows, then the rings\'', () => {
    expect(b.stack.resolve(b.rings!.workflows)).toEqual([
      { workflowArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':imagebuilder:us-east-1:aws:workflow/build/build-image/x.x.x']] } },
      { workflowArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':imagebuilder:us-east-1:aws:workflow/test/test-image/x.x.x']] } },
      { workflowArn: { 'Fn::GetAtt': [b.stack.getLogicalId(b.rings!.workflow), 'Arn'] } },
    ]);
  });
});

describe('authorization, with the IAM policy evaluator', () => {
  const b = build(CANARY);
  const role = new iam.Role(b.stack, 'Execution', { assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
  b.rings!.grantExecution(role);
  new iam.Role(b.stack, 'Outsider', { assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
  const { deployment } = deployed(b);
  const topicArn: string = deployment.resolve('Stack', { Ref: gateTopicId(b.rings!) });
  const roleOf = (name: string) => deployment.roles.find(r => r.name.includes(name))!;
  const request = (who: string, action: string, resource: string) => {
    const r = roleOf(who);
    return decide({ principal: `arn:aws:iam::${ACCOUNT}:role/${r.name}`, action, resource, resourceAccount: ACCOUNT, context: {}, identityPolicies: r.identityPolicies });
  };

  test('the execution role may publish to the gate topic; a role without grantExecution() may not', async () => {
    expect((await request('Execution', 'sns:Publish', topicArn)).allowed).toBe(true);
    expect((await request('Outsider', 'sns:Publish', topicArn)).allowed).toBe(false);
  });

  test('the verification function may resume and read workflow steps of images in its account and Region only', async () => {
    const image = `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image/golden/1.0.0/1`;
    const step = `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:workflow-step-execution/step-0123`;
    expect((await request('Verifier', 'imagebuilder:SendWorkflowStepAction', image)).allowed).toBe(true);
    expect((await request('Verifier', 'imagebuilder:SendWorkflowStepAction', step)).allowed).toBe(true);
    expect((await request('Verifier', 'imagebuilder:GetWorkflowStepExecution', step)).allowed).toBe(true);
    expect((await request('Verifier', 'imagebuilder:ListWorkflowStepExecutions', `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:workflow-execution/wf-1`)).allowed).toBe(true);
    expect((await request('Verifier', 'imagebuilder:ListWorkflowExecutions', image)).allowed).toBe(true);
    expect((await request('Verifier', 'imagebuilder:ListWaitingWorkflowSteps', '*')).allowed).toBe(true);
    expect((await request('Verifier', 'imagebuilder:SendWorkflowStepAction', image.replace('us-east-1', 'eu-west-1'))).allowed).toBe(false);
    expect((await request('Verifier', 'imagebuilder:SendWorkflowStepAction', image.replace(ACCOUNT, A))).allowed).toBe(false);
    expect((await request('Outsider', 'imagebuilder:SendWorkflowStepAction', image)).allowed).toBe(false);
  });
});

test('an encrypted gate topic: grantExecution() grants its key too (the IAM policy evaluator, with the key policy)', async () => {
  const app = new App();
  const stack = new Stack(app, 'Keys', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const key = new kms.Key(stack, 'TopicKey');
  const distribution = new DistributionConfiguration(stack, 'Dist', { amiName: NAME }).addRegion('us-east-1').addRegion('eu-west-1');
  const verification = new DistributionVerification(stack, 'Verification', { distributions: [distribution] });
  const rings = new ReleaseRings(stack, 'Rings', { distribution, verification, gateTopicKey: key, rings: [{ name: 'first', regions: ['us-east-1'] }, { name: 'rest', rest: true }] });
  rings.grantExecution(new iam.Role(stack, 'Execution', { assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') }));
  new iam.Role(stack, 'Outsider', { assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
  const deployment = deploy(app.synth());
  const topicKey = deployment.keys.find(k => k.logicalId.startsWith('TopicKey'))!;
  const ask = async (who: string, action: string) => {
    const r = deployment.roles.find(x => x.name.includes(who))!;
    const request = { principal: r.arn, action, resource: topicKey.arn, resourceAccount: ACCOUNT, context: {} };
    return (await decide({ ...request, identityPolicies: r.identityPolicies, resourcePolicy: topicKey.policy })).allowed;
  };
  expect(await ask('Execution', 'kms:GenerateDataKey')).toBe(true);
  expect(await ask('Execution', 'kms:Decrypt')).toBe(true);
  expect(await ask('Outsider', 'kms:GenerateDataKey')).toBe(false);
  const template = Template.fromStack(stack).toJSON();
  expect(template.Resources[gateTopicId(rings)].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] });
});

describe('rings that do not split the distribution fail synth', () => {
  const error = (rings: ReleaseRing[], props: DistributionConfigurationProps = {}) => synthError(build(rings, {}, props).stack);

  test('a target account in no ring: the error names the Region, the account and the rings', () => {
    const e = error([{ name: 'canary', regions: ['us-east-1'] }, { name: 'europe', regions: ['eu-west-1'], accounts: [ACCOUNT, A] }]);
    expect(e).toMatch(new RegExp(`\\[ReleaseRingPartition\\] ReleaseRings 'Rings': Region eu-west-1: the copies of account ${B} are in no ring \\(rings: canary, europe\\)`));
    expect(e).not.toMatch(/Region us-east-1: the copies/);
  });

  test('an account in two rings: the error names the Region, the account and both rings', () => {
    const e = error([{ name: 'canary', accounts: [A] }, { name: 'wide', regions: ['us-east-1', 'eu-west-1'] }]);
    expect(e).toMatch(new RegExp(`Region us-east-1: the copies of account ${A} are in 2 rings \\(canary, wide\\)`));
    expect(e).toMatch(new RegExp(`Region eu-west-1: the copies of account ${A} are in 2 rings \\(canary, wide\\)`));
  });

  test('the distribution\'s own copy counts as a copy', () => {
    expect(error([{ name: 'canary', accounts: [A] }, { name: 'others', accounts: [B] }])).toMatch(new RegExp(`Region us-east-1: the copies of account ${ACCOUNT} \\(the distribution's own account\\) are in no ring`));
  });

  test('a ring naming a Region or account the distribution does not have', () => {
    const e = error([{ name: 'canary', regions: ['us-east-1', 'eu-west-2'], accounts: [A, '555555555555'] }, { name: 'rest', rest: true }]);
    expect(e).toMatch(/\[ReleaseRingUnknownTarget\] ReleaseRings 'Rings': ring canary \(rings\[0\]\.regions\) names eu-west-2/);
    expect(e).toMatch(/ring canary \(rings\[0\]\.accounts\) names 555555555555/);
  });

  test('a rest ring left with nothing', () => {
    expect(error([{ name: 'all' }, { name: 'rest', rest: true }])).toMatch(/ring rest \(rings\[1\]\) holds no copy of the distribution: the earlier rings hold every copy/);
  });

  test('in a Python app (the jsii runtime sets JSII_AGENT), the fixes are written as in Python', () => {
    const saved = process.env.JSII_AGENT;
    process.env.JSII_AGENT = 'Python/3.11.7';
    try {
      const hole = error([{ name: 'canary', regions: ['us-east-1'] }, { name: 'europe', regions: ['eu-west-1'], accounts: [ACCOUNT, A] }]);
      expect(hole).toMatch(/or end the rings with ReleaseRing\(name="rest", rest=True\)/);
      expect(hole).not.toMatch(/rest: true/);
      const unknown = error([{ name: 'canary', accounts: [A, '555555555555'] }, { name: 'rest', rest: true }]);
      expect(unknown).toMatch(/Fix: add the account to the distribution's target_accounts, or remove it from the ring/);
    } finally {
      if (saved === undefined) {
        delete process.env.JSII_AGENT;
      } else {
        process.env.JSII_AGENT = saved;
      }
    }
    // TypeScript apps read TypeScript.
    expect(error([{ name: 'canary', regions: ['us-east-1'] }, { name: 'europe', regions: ['eu-west-1'], accounts: [ACCOUNT, A] }]))
      .toMatch(/or end the rings with \{ name: 'rest', rest: true \}/);
  });

  test('rings that split it exactly synthesize', () => {
    expect(error(CANARY)).toBe('');
    expect(error([{ name: 'us', regions: ['us-east-1'] }, { name: 'eu', regions: ['eu-west-1'] }])).toBe('');
  });
});

describe('what the rings refuse at construction', () => {
  const thrown = (rings: unknown, extra: Partial<ReleaseRingsProps> = {}) => {
    try {
      build(rings as ReleaseRing[], extra);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  test.each([
    [[{ name: 'only' }], /has 1 ring; a release in rings needs at least two/],
    [[{ name: 'canary-1' }, { name: 'rest', rest: true }], /rings\[0\]\.name is "canary-1"; a ring name is part of the workflow's step names/],
    [[{ name: 'a' }, { name: 'a', rest: true }], /rings\[1\]\.name is "a", the name of rings\[0\] too/],
    [[{ name: 'rest', rest: true }, { name: 'b' }], /rings\[0\] \("rest"\) has rest: true, but is not the last ring/],
    [[{ name: 'a' }, { name: 'rest', rest: true, regions: ['eu-west-1'] }], /has rest: true and regions/],
    [[{ name: 'a', accounts: [] }, { name: 'rest', rest: true }], /rings\[0\]\.accounts is an empty list/],
  ])('%j', (rings, message) => {
    expect(thrown(rings)).toMatch(/^\[ReleaseRingDefinition\] ReleaseRings 'Rings': /);
    expect(thrown(rings)).toMatch(message);
  });

  test('a gate timeout over 7 days, or of a fraction of a second', () => {
    expect(thrown(CANARY, { gateTimeout: Duration.days(8) })).toMatch(/gateTimeout is 691200 seconds; a WaitForAction step's timeoutSeconds is a whole number of seconds up to 7 days/);
    expect(thrown(CANARY, { gateTimeout: Duration.millis(1500) })).toMatch(/gateTimeout is 1.5 seconds/);
    expect(thrown(CANARY, { gateTimeout: Duration.days(7) })).toBe('');
  });
});

describe('the ring rules, whatever the input', () => {
  const region = fc.constantFrom('us-east-1', 'eu-west-1', 'ap-south-1');
  const account = fc.constantFrom(ACCOUNT, A, B, C);
  const ring = fc.record({
    regions: fc.option(fc.uniqueArray(region, { minLength: 1 }), { nil: undefined }),
    accounts: fc.option(fc.uniqueArray(account, { minLength: 1 }), { nil: undefined }),
  });
  const regionCopies = fc.record({ region, targets: fc.uniqueArray(fc.constantFrom(A, B, C)) });
  const distribution = fc.uniqueArray(regionCopies, { selector: r => r.region, minLength: 1 });

  test('no partition error exactly when every copy is in one ring and every ring holds one', () => {
    fc.assert(fc.property(fc.array(ring, { minLength: 2, maxLength: 4 }), fc.boolean(), distribution, (given, rest, regions) => {
      const rings: RingSpec[] = given.map((r, i) => (rest && i === given.length - 1 ? { name: `r${i}`, rest: true } : { name: `r${i}`, ...r }));
      // The oracle: the rings that name a copy, the rest ring taking what no earlier one names.
      const holders = (reg: string, acc: string) => {
        const named = rings.filter(r => !r.rest && (r.regions?.includes(reg) ?? true) && (r.accounts?.includes(acc) ?? true)).map(r => r.name);
        return named.length === 0 && rings[rings.length - 1].rest ? [rings[rings.length - 1].name] : named;
      };
      const copies = regions.flatMap(r => [ACCOUNT, ...r.targets].map(acc => holders(r.region, acc)));
      const exact = copies.every(h => h.length === 1) && rings.every(r => copies.some(h => h.includes(r.name)));
      const findings = partitionFindings(rings, ACCOUNT, regions).filter(f => f.rule === 'ReleaseRingPartition');
      expect(findings.length === 0).toBe(exact);
    }), { numRuns: propertyRuns(1) });
  });

  test('the definition check names problems, never throws', () => {
    fc.assert(fc.property(fc.anything(), rings => {
      expect(Array.isArray(ringDefinitionProblems(rings, () => false))).toBe(true);
    }), { numRuns: propertyRuns(1) });
  });

  test('the construct throws only the library\'s error', () => {
    const loose = fc.array(fc.record({ name: fc.string(), rest: fc.anything(), regions: fc.anything() }, { requiredKeys: [] }));
    fc.assert(fc.property(fc.oneof(fc.anything(), loose), rings => {
      try {
        build(rings as ReleaseRing[]);
      } catch (e) {
        expect((e as Error).message).toMatch(/^\[ReleaseRingDefinition\] /);
      }
    }), { numRuns: propertyRuns(0.05) });
  });
});

test('a stack without a literal account: rings that name accounts cannot be checked', () => {
  const app = new App();
  const stack = new Stack(app, 'Agnostic');
  const distribution = new DistributionConfiguration(stack, 'Dist', { amiName: NAME, targetAccounts: [A] }).addRegion('us-east-1').addRegion('eu-west-1');
  const verification = new DistributionVerification(stack, 'Verification', { distributions: [distribution] });
  new ReleaseRings(stack, 'Rings', { distribution, verification, rings: [{ name: 'canary', accounts: [A] }, { name: 'rest', rest: true }] });
  expect(synthError(stack)).toMatch(/\[ReleaseRingToken\] ReleaseRings 'Rings': the distribution's stack Agnostic has no literal account, so a ring that names accounts cannot tell whether it holds the distribution's own copies/);
});

test('Regions-only rings need no literal account', () => {
  const app = new App();
  const stack = new Stack(app, 'Agnostic');
  const distribution = new DistributionConfiguration(stack, 'Dist', { amiName: NAME, targetAccounts: [A] }).addRegion('us-east-1').addRegion('eu-west-1');
  const verification = new DistributionVerification(stack, 'Verification', { distributions: [distribution] });
  new ReleaseRings(stack, 'Rings', { distribution, verification, rings: [{ name: 'us', regions: ['us-east-1'] }, { name: 'rest', rest: true }] });
  expect(synthError(stack)).toBe('');
});

test('one list of rings per verification function', () => {
  const b = build(CANARY);
  expect(() => new ReleaseRings(b.stack, 'More', { distribution: b.distribution, verification: b.verification, rings: CANARY }))
    .toThrow(/^\[ReleaseRingDefinition\] ReleaseRings 'More': the verification Stack\/Verification already gates the rings Stack\/Rings/);
});

test('attached to a pipeline: the pipeline\'s schema, Amazon\'s workflows as WorkflowVersionArnOrBuildVersionArn', () => {
  const b = build(CANARY);
  const role = new iam.Role(b.stack, 'Execution', { assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com') });
  b.rings!.grantExecution(role);
  new imagebuilder.CfnImagePipeline(b.stack, 'Pipeline', {
    name: 'golden',
    imageRecipeArn: `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image-recipe/golden/1.0.0`,
    infrastructureConfigurationArn: `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:infrastructure-configuration/golden`,
    distributionConfigurationArn: b.distribution.distributionConfigurationArn,
    executionRole: role.roleArn,
    workflows: b.rings!.workflows,
  });
  const { template, deployment } = deployed(b);
  expect(schemaErrors(template, ['AWS::ImageBuilder::ImagePipeline', 'AWS::ImageBuilder::Workflow'])).toEqual([]);
  // API model, WorkflowVersionArnOrBuildVersionArn (WorkflowConfiguration.workflowArn).
  const arnPattern = /^arn:aws(?:-[a-z]+)*:imagebuilder:[a-z]{2,}(?:-[a-z]+)+-[0-9]+:(?:[0-9]{12}|aws(?:-[a-z-]+)?):workflow\/(build|test|distribution)\/[a-z0-9-_]+\/(?:(?:([0-9]+|x)\.([0-9]+|x)\.([0-9]+|x))|(?:[0-9]+\.[0-9]+\.[0-9]+\/[0-9]+))$/;
  const pipeline = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::ImageBuilder::ImagePipeline');
  const [build0, test0, rings] = pipeline.Properties.Workflows;
  expect(deployment.resolve('Stack', build0.WorkflowArn)).toMatch(arnPattern);
  expect(deployment.resolve('Stack', test0.WorkflowArn)).toMatch(arnPattern);
  expect(deployment.resolve('Stack', build0.WorkflowArn)).toBe('arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/x.x.x');
  expect(deployment.resolve('Stack', test0.WorkflowArn)).toBe('arn:aws:imagebuilder:us-east-1:aws:workflow/test/test-image/x.x.x');
  expect(rings.WorkflowArn).toEqual({ 'Fn::GetAtt': [b.stack.getLogicalId(b.rings!.workflow), 'Arn'] });
});
