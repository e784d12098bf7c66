import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { GetDistributionConfigurationCommand, ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { FoundDistribution } from '../common/assembly';
import { AwsSession, Identity, NoAccess, classify, errorCode } from '../common/aws';

/*
 * Which deployed distribution configuration a `distribute` runs: the one of the cloud assembly the user names (or its
 * only one), found in AWS by the name the library gives it (every `DistributionConfiguration` has a literal name),
 * or by its stack in CloudFormation when the name is known only at deploy time; `--distribution-arn` overrides both.
 */

/** A distribution configuration of the assembly, as the user names it: its construct path, or `stack/logicalId`. */
export function labelOf(d: FoundDistribution): string {
  return d.constructPath ?? `${d.stack}/${d.logicalId}`;
}

/** A problem the user fixes before the command can run (exit code 2). */
export class UsageError extends Error {}

/** The distribution configurations of the assembly that distribute AMIs (DistributeImage distributes AMIs only). */
export function amiDistributions(distributions: FoundDistribution[]): FoundDistribution[] {
  return distributions.filter(d => {
    const entries = d.properties.Distributions;
    return !Array.isArray(entries) || entries.some(e => typeof e === 'object' && e !== null && (e as Record<string, unknown>).AmiDistributionConfiguration !== undefined);
  });
}

/** The configuration `--distribution` names, or the assembly's only one. */
export function chooseDistribution(distributions: FoundDistribution[], named: string | undefined, app: string): FoundDistribution {
  const candidates = amiDistributions(distributions);
  const list = () => candidates.map(d => `  ${labelOf(d)}`).join('\n');
  if (named !== undefined) {
    const match = candidates.filter(d => [labelOf(d), `${d.stack}/${d.logicalId}`, d.logicalId].includes(named));
    if (match.length !== 1) {
      throw new UsageError(`${match.length === 0 ? 'no' : 'more than one'} AMI distribution configuration of ${app} is named ${named}. Fix: pass --distribution with one of:\n${list() || '  (none)'}`);
    }
    return match[0];
  }
  if (candidates.length === 1) {
    return candidates[0];
  }
  throw new UsageError(candidates.length === 0
    ? `${app} has no distribution configuration with AMI settings. Fix: synthesize the app that has it ('cdk synth'), or pass --app with its cloud assembly`
    : `${app} has ${candidates.length} distribution configurations with AMI settings. Fix: pass --distribution with one of:\n${list()}`);
}

/** The name in a configuration's ARN: Image Builder writes it in lowercase, with spaces as hyphens. */
const arnName = (name: string) => name.toLowerCase().replace(/ /g, '-');

const CONFIGURATION_ARN = /^arn:(aws[a-z-]*):imagebuilder:([a-z0-9-]+):([0-9]{12}):distribution-configuration\/[a-z0-9-_]+$/;

/** Where the configuration is: its ARN, account and Region (DistributeImage runs in the configuration's Region). */
export interface DeployedConfiguration {
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  /** The configuration as GetDistributionConfiguration answers it (the model's `DistributionConfiguration`), once read. */
  readonly deployed?: Record<string, any>;
}

/** Reads `--distribution-arn`. */
export function configurationFromArn(arn: string): DeployedConfiguration {
  const match = CONFIGURATION_ARN.exec(arn.trim());
  if (!match) {
    throw new UsageError(`--distribution-arn ${arn} is not a distribution configuration ARN (arn:aws:imagebuilder:<region>:<account>:distribution-configuration/<name>)`);
  }
  return { arn: arn.trim(), region: match[2], account: match[3] };
}

/**
 * The deployed configuration of `d`: by its literal name in its stack's account and Region (the caller's where the
 * stack has none), confirmed with `GetDistributionConfiguration`; or, for a name known only at deploy time, the
 * physical ID CloudFormation has for it. Not deployed (or not found) is a usage error with the fix.
 */
export async function findDeployed(aws: AwsSession, identity: Identity, d: FoundDistribution): Promise<DeployedConfiguration> {
  const account = d.account ?? identity.account;
  const region = d.region ?? identity.region;
  const name = d.properties.Name;
  const fix = `deploy its stack first ('cdk deploy ${d.stack}'), or pass --distribution-arn with the ARN of the configuration to distribute with`;
  let arn: string;
  if (typeof name === 'string') {
    arn = `arn:${identity.partition}:imagebuilder:${region}:${account}:distribution-configuration/${arnName(name)}`;
  } else {
    arn = await physicalId(aws, d, account, region, fix);
  }
  return readDeployed(aws, { arn, account, region }, `the distribution configuration ${labelOf(d)} is not deployed`, fix);
}

/**
 * The configuration as deployed (GetDistributionConfiguration): what DistributeImage will distribute with, to compare
 * with the app's before anything is changed. Not found is a usage error (`what` and `fix` say why and what to do).
 */
export async function readDeployed(aws: AwsSession, where: DeployedConfiguration, what: string, fix: string): Promise<DeployedConfiguration> {
  const { arn, account, region } = where;
  const client = await aws.client(ImagebuilderClient, account, region);
  let answer: Record<string, any>;
  try {
    answer = await aws.send(client, new GetDistributionConfigurationCommand({ distributionConfigurationArn: arn }), 'imagebuilder:GetDistributionConfiguration');
  } catch (e) {
    if (/^(ResourceNotFoundException|InvalidRequestException|ClientException)$/.test(errorCode(e))) {
      throw new UsageError(`${what}: ${arn} does not exist in account ${account}, Region ${region}. Fix: ${fix}`);
    }
    throw classify(e, aws.settings, await aws.endpointOf(client));
  }
  const deployed = answer.distributionConfiguration;
  if (typeof deployed !== 'object' || deployed === null || !Array.isArray(deployed.distributions)) {
    throw new NoAccess(`GetDistributionConfiguration answered no distributions for ${arn}`, 'run the command again; if it persists, look at the configuration in the Image Builder console', 'error');
  }
  return { arn, account, region, deployed };
}

/** The app's configuration that `arn` names (by its literal name, account and Region), if the app has exactly one. */
export function appConfigurationOf(distributions: FoundDistribution[], arn: string): FoundDistribution | undefined {
  const match = CONFIGURATION_ARN.exec(arn);
  const name = arn.split('/').pop();
  const found = amiDistributions(distributions).filter(d => typeof d.properties.Name === 'string' && arnName(d.properties.Name) === name
    && (d.account === undefined || d.account === match?.[3]) && (d.region === undefined || d.region === match?.[2]));
  return found.length === 1 ? found[0] : undefined;
}

/** The ARN CloudFormation holds for the configuration (its physical ID) in the deployed stack. */
async function physicalId(aws: AwsSession, d: FoundDistribution, account: string, region: string, fix: string): Promise<string> {
  const stackName = d.appResource?.({ Ref: d.logicalId })?.stackName ?? d.stack;
  const client = await aws.client(CloudFormationClient, account, region);
  let answer: Record<string, any>;
  try {
    answer = await aws.send(client, new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: d.logicalId }), 'cloudformation:DescribeStackResource');
  } catch (e) {
    if (errorCode(e) === 'ValidationError') {
      throw new UsageError(`the distribution configuration ${labelOf(d)} has a name known only at deploy time, and CloudFormation has no resource ${d.logicalId} in stack ${stackName} (account ${account}, Region ${region}). Fix: ${fix}`);
    }
    const why = classify(e, aws.settings, await aws.endpointOf(client));
    throw new NoAccess(`cannot read the configuration's ARN from stack ${stackName}: ${why.message}`, `${why.fix}; or pass --distribution-arn`, why.kind);
  }
  const id = String(answer.StackResourceDetail?.PhysicalResourceId ?? '');
  if (!CONFIGURATION_ARN.test(id)) {
    throw new UsageError(`stack ${stackName} has no deployed distribution configuration ${d.logicalId} (its physical ID is ${JSON.stringify(id)}). Fix: ${fix}`);
  }
  return id;
}
