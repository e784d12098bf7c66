import { Stack, aws_kms as kms } from 'aws-cdk-lib';
import { decide } from './authorization/evaluate';
import { CatalogueRequest, KeyView, catalogue } from './authorization/requests';
import { deploy, keyIdOf } from './authorization/resolve';
import { EXECUTION_ROLE, ORG_A, ORG_B, OU_A1, OU_A2, Topology, buildTopology, importedKeyArn, targetAccountsOf } from './authorization/topology';

/*
 * Every request of the copy and launch flow, decided by an IAM policy evaluator against the key policies
 * and roles as deployed (intrinsics resolved), in every topology: allowed for those who need it, denied
 * for everyone else. The expectations come from the topology's data and AWS's pages (requests.ts),
 * never from the library's output.
 */

const DIST = '111111111111';
const KEY_ACCOUNT = '101010101010';
const LICENSE = `arn:aws:license-manager:us-east-1:${DIST}:license-configuration:lic-0123456789abcdef0123456789abcdef`;

const TOPOLOGIES: Topology[] = [
  {
    name: 'one account, many Regions, shared with accounts, an organization and an OU',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'use1', account: DIST, region: 'us-east-1' }, { id: 'euw1', account: DIST, region: 'eu-west-1' }, { id: 'apse2', account: DIST, region: 'ap-southeast-2' }],
    sourceKey: 'use1',
    regions: [
      { region: 'us-east-1', key: 'use1', launchAccounts: ['222222222222'] },
      { region: 'eu-west-1', key: 'euw1', launchAccounts: ['333333333333'], organizations: [ORG_A] },
      { region: 'ap-southeast-2', key: 'apse2', organizationalUnits: [[ORG_A, OU_A1]], autoScalingGrants: true },
    ],
  },
  {
    name: 'copies into accounts, with their roles and launch-template updates',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'use1', account: DIST, region: 'us-east-1' }, { id: 'euw1', account: DIST, region: 'eu-west-1' }],
    sourceKey: 'use1',
    regions: [
      { region: 'us-east-1', key: 'use1', targets: ['222222222222'] },
      { region: 'eu-west-1', key: 'euw1', targets: ['222222222222', '333333333333'], launchAccounts: ['444444444444'], autoScalingGrants: true },
    ],
    launchTemplateUpdates: true,
  },
  {
    name: 'organizations and OUs in several Regions',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'use1', account: DIST, region: 'us-east-1' }, { id: 'euw1', account: DIST, region: 'eu-west-1' }],
    regions: [
      { region: 'us-east-1', key: 'use1', organizations: [ORG_B], organizationalUnits: [[ORG_A, OU_A2]], autoScalingGrants: true },
      { region: 'eu-west-1', key: 'euw1', organizationalUnits: [[ORG_A, OU_A1]] },
    ],
  },
  {
    name: 'a source key of its own, next to the Regions\' keys',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'source', account: DIST, region: 'us-east-1' }, { id: 'use1', account: DIST, region: 'us-east-1' }, { id: 'euw1', account: DIST, region: 'eu-west-1' }],
    sourceKey: 'source',
    regions: [
      { region: 'us-east-1', key: 'use1', launchAccounts: ['222222222222'] },
      { region: 'eu-west-1', key: 'euw1', targets: ['333333333333'], launchAccounts: ['444444444444'] },
    ],
  },
  {
    name: 'a central key account that owns every key',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'use1', account: KEY_ACCOUNT, region: 'us-east-1' }, { id: 'euw1', account: KEY_ACCOUNT, region: 'eu-west-1' }],
    sourceKey: 'use1',
    regions: [
      { region: 'us-east-1', key: 'use1', launchAccounts: ['333333333333'], autoScalingGrants: true },
      { region: 'eu-west-1', key: 'euw1', targets: ['222222222222'], organizations: [ORG_A] },
    ],
  },
  {
    name: 'imported keys, one of them in a central key account, with requiredKeyPolicy() as their policy',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'use1', account: DIST, region: 'us-east-1' }, { id: 'euw1', account: KEY_ACCOUNT, region: 'eu-west-1' }],
    sourceKey: 'use1',
    regions: [
      { region: 'us-east-1', key: 'use1', targets: ['222222222222'], launchAccounts: ['333333333333'] },
      { region: 'eu-west-1', key: 'euw1', targets: ['222222222222'], launchAccounts: ['444444444444'], organizationalUnits: [[ORG_A, OU_A1]], autoScalingGrants: true },
    ],
    imported: true,
  },
  {
    name: 'accounts from parameters: a list parameter of target accounts and one parameter per launch account',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'use1', account: DIST, region: 'us-east-1' }],
    sourceKey: 'use1',
    regions: [
      { region: 'us-east-1', key: 'use1', targets: ['222222222222', '333333333333'], launchAccounts: ['444444444444'], autoScalingGrants: true },
      { region: 'eu-west-1', targets: ['555555555555'] },
    ],
    parameters: true,
  },
  {
    name: 'keys passed through aliases of the app',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'use1', account: DIST, region: 'us-east-1' }, { id: 'euw1', account: DIST, region: 'eu-west-1' }],
    sourceKey: 'use1',
    regions: [
      { region: 'us-east-1', key: 'use1', targets: ['222222222222'] },
      { region: 'eu-west-1', key: 'euw1', targets: ['222222222222'], launchAccounts: ['333333333333'] },
    ],
    throughAliases: true,
  },
  {
    name: 'an execution role\'s resources: SSM parameters, launch templates, fast launch and license configurations',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'use1', account: DIST, region: 'us-east-1' }, { id: 'euw1', account: DIST, region: 'eu-west-1' }],
    sourceKey: 'use1',
    regions: [
      { region: 'us-east-1', key: 'use1', ssmParameters: ['/golden/ami-id', 'golden-latest'], launchTemplates: ['lt-0123456789abcdef0'], licenses: [LICENSE] },
      { region: 'eu-west-1', key: 'euw1', targets: ['222222222222'], ssmParameters: ['/golden/ami-id'], fastLaunch: { launchTemplate: 'lt-0fedcba9876543210' } },
      { region: 'ap-southeast-2', launchTemplates: ['lt-0123456789abcdef1'], fastLaunch: {} },
    ],
  },
  {
    name: 'organization-scoped access for target accounts, with owned keys',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'use1', account: DIST, region: 'us-east-1' }, { id: 'euw1', account: DIST, region: 'eu-west-1' }, { id: 'apse2', account: DIST, region: 'ap-southeast-2' }],
    sourceKey: 'use1',
    regions: [
      { region: 'us-east-1', key: 'use1', targets: ['222222222222', '333333333333'] },
      { region: 'eu-west-1', key: 'euw1', targets: ['222222222222', '333333333333'], launchAccounts: ['444444444444'] },
      { region: 'ap-southeast-2', key: 'apse2', launchAccounts: ['555555555555'] },
    ],
    organizationAccess: {},
  },
  {
    name: 'organization-scoped access for target accounts of an OU, with a source key of its own',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'source', account: DIST, region: 'us-east-1' }, { id: 'euw1', account: DIST, region: 'eu-west-1' }],
    sourceKey: 'source',
    regions: [{ region: 'eu-west-1', key: 'euw1', targets: ['222222222222', '333333333333'], launchAccounts: ['444444444444'] }],
    organizationAccess: { organizationalUnits: [OU_A1] },
  },
  {
    name: 'organization-scoped access for target accounts of an OU, with imported keys and requiredKeyPolicy() as their policy',
    distributionAccount: DIST,
    buildRegion: 'us-east-1',
    keys: [{ id: 'use1', account: DIST, region: 'us-east-1' }, { id: 'euw1', account: KEY_ACCOUNT, region: 'eu-west-1' }],
    sourceKey: 'use1',
    regions: [
      { region: 'us-east-1', key: 'use1', targets: ['222222222222'] },
      { region: 'eu-west-1', key: 'euw1', targets: ['222222222222'], launchAccounts: ['444444444444'] },
    ],
    imported: true,
    organizationAccess: { organizationalUnits: [OU_A1] },
  },
];

/** Runs the catalogue of a topology and returns the requests decided other than expected. */
async function wrongDecisions(t: Topology): Promise<{ requests: CatalogueRequest[]; wrong: string[] }> {
  const built = buildTopology(t);
  const deployment = deploy(built.app.synth(), built.parameters);
  const requests = catalogue(t, keyViews(t, built, deployment), deployment.roles);
  const wrong: string[] = [];
  for (const request of requests) {
    const decision = await decide(request);
    if (decision.errors || decision.ignoredContextKeys.length > 0 || decision.allowed !== (request.expected === 'allow')) {
      wrong.push(`${request.description}: expected ${request.expected}, got ${decision.allowed ? 'allow' : 'deny'}`
        + `${decision.errors ? ` (evaluator: ${decision.errors})` : ''}${decision.ignoredContextKeys.length ? ` (context keys ${decision.ignoredContextKeys.join(', ')} do not apply to ${request.action})` : ''}`);
    }
  }
  return { requests, wrong };
}

/** Each key of a topology as deployed: its ARN, policy and aliases. */
function keyViews(t: Topology, built: ReturnType<typeof buildTopology>, deployment: ReturnType<typeof deploy>): Map<string, KeyView> {
  const views = new Map<string, KeyView>();
  for (const spec of t.keys) {
    if (t.imported) {
      const regionUsing = t.regions.find(r => r.key === spec.id);
      const required = regionUsing ? built.distribution.requiredKeyPolicy(regionUsing.region) : built.distribution.requiredSourceKeyPolicy();
      const statements = deployment.resolve('Distribution', built.distributionStack.resolve(required.toJSON()))?.Statement ?? [];
      const owner = { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${spec.account}:root` }, Action: 'kms:*', Resource: '*' };
      views.set(spec.id, { spec, arn: importedKeyArn(spec), policy: { Version: '2012-10-17', Statement: [owner, ...statements] }, aliases: [] });
      continue;
    }
    const construct = built.keys.get(spec.id)!;
    const key = (construct instanceof kms.Alias ? construct.aliasTargetKey : construct) as kms.Key;
    const stack = Stack.of(key);
    const logicalId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    const deployed = deployment.keys.find(k => k.stack === stack.stackName && k.logicalId === logicalId)!;
    expect(deployed.arn).toBe(`arn:aws:kms:${spec.region}:${spec.account}:key/${keyIdOf(stack.stackName, logicalId)}`);
    views.set(spec.id, { spec, arn: deployed.arn, policy: deployed.policy, aliases: deployed.aliases });
  }
  return views;
}

jest.setTimeout(60_000);

describe.each(TOPOLOGIES.map(t => [t.name, t] as const))('%s', (_name, topology) => {
  test('every request of the catalogue is decided as documented', async () => {
    const { requests, wrong } = await wrongDecisions(topology);
    expect(wrong).toEqual([]);
    // The catalogue both allows and denies in every topology: a topology where it did neither would prove nothing.
    expect(requests.filter(r => r.expected === 'allow').length).toBeGreaterThan(5);
    expect(requests.filter(r => r.expected === 'deny').length).toBeGreaterThan(5);
  });
});

test('the suite can fail: a key policy that forgets one consumer is caught', async () => {
  const t = TOPOLOGIES[0];
  const built = buildTopology(t);
  const deployment = deploy(built.app.synth(), built.parameters);
  const views = new Map<string, KeyView>(t.keys.map(spec => {
    const key = built.keys.get(spec.id) as kms.Key;
    const stack = Stack.of(key);
    const logicalId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    const deployed = deployment.keys.find(k => k.stack === stack.stackName && k.logicalId === logicalId)!;
    // Drop every principal of the launch statements: the launch account of us-east-1 is forgotten.
    const policy = { ...deployed.policy, Statement: deployed.policy.Statement.filter((s: any) => s.Sid !== 'ImageBuilderLaunchByAccounts') };
    return [spec.id, { spec, arn: deployed.arn, policy, aliases: deployed.aliases }];
  }));
  const failed: string[] = [];
  for (const request of catalogue(t, views, deployment.roles)) {
    if ((await decide(request)).allowed !== (request.expected === 'allow')) {
      failed.push(request.description);
    }
  }
  expect(failed).toEqual(expect.arrayContaining([expect.stringMatching(/^launch account 222222222222 launches from the AMI in us-east-1: kms:Decrypt on use1/)]));
});

test('the suite can fail: with the tag statement of AWS\'s sample policy, the role takes over any launch template', async () => {
  const t = TOPOLOGIES.find(topology => topology.launchTemplateUpdates)!;
  const built = buildTopology(t);
  const deployment = deploy(built.app.synth(), built.parameters);
  // AWS's sample (cross-account-dist.html, IAM policies, step 5): the tag on any launch template.
  const sampleTagStatement = {
    Effect: 'Allow',
    Action: ['ec2:CreateTags'],
    Resource: 'arn:aws:ec2:*:*:launch-template/*',
    Condition: { StringEquals: { 'aws:RequestTag/CreatedBy': 'EC2 Image Builder' } },
  };
  const roles = deployment.roles.map(role => ({
    ...role,
    identityPolicies: [...role.identityPolicies, { name: 'AwsSample', policy: { Version: '2012-10-17', Statement: [sampleTagStatement] } }],
  }));
  const takeover = catalogue(t, keyViews(t, built, deployment), roles).filter(r => r.description.includes('tags an existing, untagged launch template'));
  expect(takeover.length).toBeGreaterThan(0);
  for (const request of takeover) {
    expect((await decide(request)).allowed).toBe(true);
  }
  // Once tagged, the template takes new versions: the second step of the takeover.
  const version = catalogue(t, keyViews(t, built, deployment), deployment.roles).find(r => r.description.includes('adds a version to a launch template tagged for Image Builder'))!;
  expect((await decide(version)).allowed).toBe(true);
});

describe('the suite can fail: the execution role', () => {
  const t = TOPOLOGIES.find(topology => topology.name.startsWith('an execution role'))!;

  async function decided(replace: (policies: Array<{ name: string; policy: any }>) => Array<{ name: string; policy: any }>) {
    const built = buildTopology(t);
    const deployment = deploy(built.app.synth(), built.parameters);
    const roles = deployment.roles.map(role => (role.name === EXECUTION_ROLE ? { ...role, identityPolicies: replace(role.identityPolicies) } : role));
    const requests = catalogue(t, keyViews(t, built, deployment), roles).filter(r => r.description.startsWith('execution role: '));
    return Promise.all(requests.map(async r => ({ request: r, allowed: (await decide(r)).allowed })));
  }

  test('without grantDistribute, nothing the distribution needs is allowed', async () => {
    const results = await decided(() => []);
    const needed = results.filter(r => r.request.expected === 'allow');
    expect(needed.length).toBeGreaterThan(20);
    expect(needed.filter(r => r.allowed).map(r => r.request.description)).toEqual([]);
  });

  test('with the tag statement of AWS\'s policies (the request tag only), the role takes over any AMI and snapshot', async () => {
    // CreateEC2ImageBuilderTagsPermissions of EC2ImageBuilderExecutionPolicy (v2), on images too: the statement
    // grantDistribute wrote before, which lets the role tag an existing AMI as Image Builder's.
    const requestTagOnly = {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: ['arn:aws:ec2:*::image/*', 'arn:aws:ec2:*::snapshot/*'],
        Condition: { StringEquals: { 'aws:RequestTag/CreatedBy': 'EC2 Image Builder' } },
      }],
    };
    const results = await decided(policies => [...policies, { name: 'RequestTagOnly', policy: requestTagOnly }]);
    const takeover = results.filter(r => /tags an existing, untagged (AMI|snapshot) of .* as Image Builder's/.test(r.request.description));
    expect(takeover.length).toBeGreaterThanOrEqual(2);
    expect(takeover.filter(r => !r.allowed).map(r => r.request.description)).toEqual([]);
  });

  test('AWS\'s managed execution policy allows what grantDistribute keeps to the distribution', async () => {
    // Statements of EC2ImageBuilderExecutionPolicy (v2) as AWS publishes them: any Region, any template.
    const managed = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['ec2:CopyImage'], Resource: '*' },
        { Effect: 'Allow', Action: ['ec2:CreateLaunchTemplateVersion', 'ec2:DescribeLaunchTemplateVersions', 'ec2:DescribeLaunchTemplates', 'ec2:ModifyLaunchTemplate'], Resource: '*' },
        { Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: ['arn:aws:iam::*:role/EC2ImageBuilderDistributionCrossAccountRole'] },
      ],
    };
    const results = await decided(policies => [...policies, { name: 'EC2ImageBuilderExecutionPolicy', policy: managed }]);
    const allowedOutside = results.filter(r => r.request.expected === 'deny' && r.allowed).map(r => r.request.description);
    expect(allowedOutside).toEqual(expect.arrayContaining([
      'execution role: creates a copy in sa-east-1, which the distribution does not name',
      'execution role: adds a version to another launch template in us-east-1',
      'execution role: assumes the distribution role of an account the distribution does not name (888888888888)',
    ]));
  });
});

test('the suite can fail: organization-scoped statements without the role condition let any principal of a member account copy', async () => {
  const t = TOPOLOGIES.find(topology => topology.organizationAccess && !topology.imported)!;
  const built = buildTopology(t);
  const deployment = deploy(built.app.synth(), built.parameters);
  const views = keyViews(t, built, deployment);
  for (const view of views.values()) {
    for (const statement of view.policy.Statement) {
      delete statement.Condition?.ArnLike;
    }
  }
  const wrong: string[] = [];
  for (const request of catalogue(t, views, deployment.roles)) {
    if ((await decide(request)).allowed !== (request.expected === 'allow')) {
      wrong.push(request.description);
    }
  }
  expect(wrong).toEqual(expect.arrayContaining([expect.stringMatching(/^another role \(Admin\) of target account 222222222222: kms:Decrypt on use1/)]));
});

test('the suite can fail: a role that trusts its whole source account lets any role of that account assume it', async () => {
  const t = TOPOLOGIES.find(topology => targetAccountsOf(topology).length > 0)!;
  const built = buildTopology(t);
  const deployment = deploy(built.app.synth(), built.parameters);
  // The trust of trustEntireSourceAccount: the source account, without the aws:PrincipalArn condition.
  const roles = deployment.roles.map(role => ({
    ...role,
    trustPolicy: { ...role.trustPolicy, Statement: role.trustPolicy.Statement.map(({ Condition: _, ...s }: any) => s) },
  }));
  const requests = catalogue(t, keyViews(t, built, deployment), roles).filter(r => r.description.startsWith('another role (Admin) of '));
  expect(requests.length).toBeGreaterThan(0);
  for (const request of requests) {
    expect((await decide(request)).allowed).toBe(true);
  }
});
