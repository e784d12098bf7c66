import { App, Stack, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  CrossAccountDistributionRoleStackSet,
  CrossAccountDistributionRoleStackSetProps,
  DistributionConfiguration,
  TargetAccountKeyAccess,
} from '../../src';

/*
 * The organization path end to end (docs/guides/organization.md): keys per Region that let the target-account role
 * of any account of an OU copy (TargetAccountKeyAccess.organization), the role itself on every account of that OU
 * (CrossAccountDistributionRoleStackSet, in the management account), launch permission to the organization, and
 * the execution role that DistributeImage and RetryImage use (grantDistribute). examples/organization/app.py is
 * the same app in Python. test/organization-example.test.ts synthesizes it and runs preflight on it against moto.
 */

/** The accounts and organization of the app; the tests give the ones moto made. */
export interface OrganizationConfig {
  /** The organization's management account: it holds the StackSet (or a delegated administrator does). */
  readonly managementAccount: string;
  /** The account that runs the pipeline and owns the keys. */
  readonly pipelineAccount: string;
  /** The organization, as an ARN. */
  readonly organizationArn: string;
  /** The OU whose accounts receive copies (its ID), e.g. `ou-ab12-workload`. */
  readonly workloadsOu: string;
  /** Accounts of that OU that get a copy of each AMI. */
  readonly targetAccounts: string[];
}

export const EXAMPLE_ORGANIZATION: OrganizationConfig = {
  managementAccount: '999999999999',
  pipelineAccount: '111111111111',
  organizationArn: 'arn:aws:organizations::999999999999:organization/o-exampleorg1',
  workloadsOu: 'ou-ab12-workload',
  targetAccounts: ['222222222222', '333333333333'],
};

export const BUILD_REGION = 'us-east-1';
export const REPLICA_REGION = 'eu-west-1';
/** The execution role's name: fixed, so that its ARN is known where no reference can reach (the StackSet's template). */
export const EXECUTION_ROLE_NAME = 'ImageBuilderDistribution';

/** The ARN of an OU of the organization, from its ID (`arn:aws:organizations::<management>:ou/o-.../ou-...`). */
export function ouArn(config: OrganizationConfig, ou: string): string {
  const [, organizationId] = config.organizationArn.split('/');
  return `arn:aws:organizations::${config.managementAccount}:ou/${organizationId}/${ou}`;
}

// #region trust
/**
 * Who the target accounts' role trusts: Image Builder of the pipeline account (its service-linked role), and the
 * execution role that DistributeImage and RetryImage run as. The StackSet's template holds no reference, so the
 * execution role is named by its ARN, known at synth since its name is fixed.
 */
export function roleTrust(scope: Construct, config: OrganizationConfig): Pick<CrossAccountDistributionRoleStackSetProps, 'sourceAccounts' | 'executionRoles'> {
  return {
    sourceAccounts: [config.pipelineAccount],
    executionRoles: [iam.Role.fromRoleArn(scope, 'ExecutionRole', `arn:aws:iam::${config.pipelineAccount}:role/${EXECUTION_ROLE_NAME}`)],
  };
}
// #endregion

/**
 * The stacks, in the order they deploy: the key of each Region but the build Region (pipeline account) and the
 * StackSet of the role (management account), then the pipeline's stack with the build Region's key, the distribution
 * and its execution role (pipeline account), which depends on both.
 */
export function buildOrganizationApp(app: App = new App(), config: OrganizationConfig = EXAMPLE_ORGANIZATION): App {
  const pipelineEnv = (region: string) => ({ account: config.pipelineAccount, region });

  // #region keys
  // The pipeline's stack holds the build Region's key, which encrypts the AMI the build makes (the source key) and
  // the copies of that Region. Each other Region's key is in a stack of its own in that Region (a key is Regional).
  // The library adds the organization's key statements to both.
  const pipeline = new Stack(app, 'GoldenAmiOrganization', { env: pipelineEnv(BUILD_REGION) });
  const sourceKey = new kms.Key(pipeline, 'AmiKey', { enableKeyRotation: true, description: `Encrypts golden AMIs in ${BUILD_REGION}` });
  const replicaKeys = new Stack(app, `AmiKeys-${REPLICA_REGION}`, { env: pipelineEnv(REPLICA_REGION) });
  const replicaKey = new kms.Key(replicaKeys, 'AmiKey', { enableKeyRotation: true, description: `Encrypts golden AMIs in ${REPLICA_REGION}` });
  // #endregion

  // #region roles
  // In the management account (or a delegated administrator, with delegatedAdministrator: true), in one Region:
  // the StackSet deploys the role to every account of the OU, and to accounts that join it later.
  const roles = new Stack(app, 'DistributionRoles', { env: { account: config.managementAccount, region: BUILD_REGION } });
  new CrossAccountDistributionRoleStackSet(roles, 'DistributionRoles', {
    stackSetName: 'imagebuilder-distribution-roles',
    organizationalUnitIds: [config.workloadsOu],
    ...roleTrust(roles, config),
    // The keys of another account are named by alias: the role's template holds no reference.
    keys: [sourceKey, replicaKey],
  });
  // #endregion

  // #region distribution
  const distribution = new DistributionConfiguration(pipeline, 'Distribution', {
    distributionConfigurationName: 'golden-organization',
    amiName: 'golden-{{ imagebuilder:buildDate }}',
    sourceKey,
    targetAccounts: config.targetAccounts,
    // The key statements name no account: the target role of any account of the OU may copy.
    targetAccountKeyAccess: TargetAccountKeyAccess.organization(config.organizationArn, [ouArn(config, config.workloadsOu)]),
    // Every account of the organization may launch from the AMI and its copies.
    launchPermission: { organizations: [config.organizationArn] },
  })
    .addRegion(BUILD_REGION, { kmsKey: sourceKey })
    .addRegion(REPLICA_REGION, { kmsKey: replicaKey });

  // The role DistributeImage and RetryImage run with: exactly what this distribution does (after the last addRegion).
  const executionRole = new iam.Role(pipeline, 'ExecutionRole', {
    roleName: EXECUTION_ROLE_NAME,
    assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com'),
  });
  distribution.grantDistribute(executionRole);

  // The first distribution needs the target roles; the key stack of eu-west-1 comes first already (the library adds it).
  pipeline.addStackDependency(roles, 'the target accounts\' role must exist before the first distribution');
  // #endregion
  return app;
}

if (require.main === module) {
  buildOrganizationApp().synth();
}
