import { Rule, at, pseudoOf } from './context';
import { Finding, field, t } from './finding';
import { Entry, entriesOf, fields, isIntrinsic, isNum, isObj, isStr, items, literalText, show, UNKNOWN } from './shape';

/*
 * Rules about what a Region distributes besides the AMI itself: launch templates, SSM parameters, fast
 * launch, license configurations and container images.
 */

const AMI = 'AmiDistributionConfiguration';
const LAUNCH_TEMPLATE_ID = /^lt-[a-z0-9-_]{17}$/;
const SSM_PARAMETER_NAME = /^[a-zA-Z0-9_.\-/]+$/;
const SSM_DATA_TYPES = ['text', 'aws:ec2:image'];
const LICENSE_ARN = /^arn:aws[^:]*:license-manager:[^:]+:[0-9]{12}:license-configuration:lic-[a-z0-9-_]{32}$/;
const LAUNCH_TEMPLATE_NAME = /^[a-zA-Z0-9().\-/_]+$/;
const ECR_REPOSITORY_NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;

/** The accounts an entry's AMI reaches: literal target accounts and launch accounts, or undefined when some are deploy-time values. */
function receivers(e: Entry, withLaunchPermission: boolean): string[] | undefined {
  const lists = [items(e.ami.TargetAccountIds), ...(withLaunchPermission ? [items(e.permission.UserIds)] : [])];
  const values = lists.flatMap(l => l.values);
  const unknown = e.amiDeployTime || (withLaunchPermission && e.permissionDeployTime);
  return unknown || lists.some(l => l.deployTime) || values.some(v => !isStr(v)) ? undefined : values as string[];
}

/** API model `LaunchTemplateConfiguration.launchTemplateId` (required, `lt-` and 17 characters). */
export const launchTemplateIds: Rule = config => entriesOf(config).entries.flatMap(e => items(e.d.LaunchTemplateConfigurations).values
  .flatMap((raw, i): Finding[] => {
    const id = fields(raw).LaunchTemplateId;
    const path = ['LaunchTemplateConfigurations', i, 'LaunchTemplateId'];
    if (id === undefined && !isIntrinsic(raw)) {
      return [at('LaunchTemplateId', e, path, t`is missing; Image Builder updates launch templates by ID.`, t`give the launch template's ID.`)];
    }
    return isStr(id) && !LAUNCH_TEMPLATE_ID.test(id)
      ? [at('LaunchTemplateId', e, path, t`is ${show(id)}, not 'lt-' followed by 17 lowercase letters, digits, '-' or '_'.`,
        t`pass the launch template itself, or its ID from the EC2 console.`)]
      : [];
  }));

/**
 * A launch template in another account: Image Builder writes the AMI ID of the distribution's account into it,
 * not the ID of that account's copy (AWS's cross-account distribution sample: "updates the launch template with
 * the SOURCE account's AMI ID, not the target account's copy - instances launched from it in the target account
 * then fail with an AMI permission error"). So that account needs launch permission on the distributed AMI
 * (which also makes it a launch consumer of the Region's key); being a target account is not enough. With
 * launch permission for organizations or OUs, or without the distribution's account, membership is unknown:
 * a warning.
 *
 * @see https://github.com/aws-samples/amazon-ec2-image-builder-samples/blob/main/distribution/cross-account-amis/README.md
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/dist-using-launch-template.html
 */
export const launchTemplateAccounts: Rule = (config, context) => entriesOf(config).entries.flatMap(e => {
  const userIds = items(e.permission.UserIds);
  if (e.permissionDeployTime || userIds.deployTime || userIds.values.some(v => !isStr(v))) {
    return [];
  }
  const groups = items(e.permission.UserGroups);
  if (groups.deployTime || groups.values.some(g => !isStr(g) || g.toLowerCase() === 'all')) {
    return []; // public (or unknown): every account may launch it
  }
  const shared = [e.permission.OrganizationArns, e.permission.OrganizationalUnitArns].some(v => items(v).deployTime || items(v).values.length > 0);
  return items(e.d.LaunchTemplateConfigurations).values.flatMap((raw, i) => {
    const account = fields(raw).AccountId;
    if (!isStr(account) || account === context.ownerAccount || userIds.values.includes(account)) {
      return [];
    }
    const path = ['LaunchTemplateConfigurations', i, 'AccountId'];
    const why = t`Image Builder writes the AMI ID of the distribution's account into the template, not the ID of that account's copy`;
    const fix = t`add ${account} to ${field(AMI, 'LaunchPermissionConfiguration', 'UserIds')} (its key-policy statements come with it); or have Image Builder write the AMI ID to an SSM parameter in ${account} (${field('SsmParameterConfigurations')}, with ${account} a target account) and use 'resolve:ssm:<parameter name>' as the template's image ID.`;
    if (context.ownerAccount === undefined || shared) {
      return [at('LaunchTemplateAccountUnconfirmed', e, path, [
        ...t`${show(account)} is not among the accounts with launch permission, and the library cannot tell whether it may launch the AMI (`,
        context.ownerAccount === undefined ? 'the distribution\'s account is not known at synth' : 'it may belong to an organization or OU with launch permission',
        ...t`); `, ...why, '.',
      ], fix)];
    }
    return [at('LaunchTemplateAccount', e, path,
      [...t`${show(account)} has no launch permission on the AMI in this Region; `, ...why, ...t`, so instances launched from the template fail (being a target account is not enough).`],
      fix)];
  });
});

/**
 * The name of an SSM parameter: API model `SsmParameterName` (1..1011, pattern) and Systems Manager's
 * PutParameter naming rules.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
 */
function parameterNameProblem(name: string) {
  if (name.length < 1 || name.length > 1011 || !SSM_PARAMETER_NAME.test(name)) {
    return t`${show(name)} is not a valid parameter name: 1 to 1011 letters, digits and '_.-/', no spaces.`;
  }
  if (/^\/?(aws|ssm)/i.test(name)) {
    return t`${show(name)} starts with 'aws' or 'ssm', which Systems Manager reserves (in any case).`;
  }
  if (name.includes('/') && !name.startsWith('/')) {
    return t`${show(name)} is in a hierarchy but does not start with '/'; Systems Manager takes fully qualified names.`;
  }
  const depth = name.split('/').filter(part => part !== '').length;
  return depth > 15 ? t`${show(name)} is ${depth} levels deep; Systems Manager allows 15.` : undefined;
}

/** SSM parameters: their names, data types (API model `SsmParameterDataType`) and accounts (a target account of the Region). */
export const ssmParameters: Rule = (config, context) => entriesOf(config).entries.flatMap(e => {
  const targets = receivers(e, false);
  return items(e.d.SsmParameterConfigurations).values.flatMap((raw, i) => {
    const p = fields(raw);
    const findings: Finding[] = [];
    const name = p.ParameterName;
    const problem = isStr(name) ? parameterNameProblem(name) : undefined;
    if (problem) {
      findings.push(at('SsmParameterName', e, ['SsmParameterConfigurations', i, 'ParameterName'], problem, t`rename the parameter, e.g. '/golden/ami-id'.`));
    } else if (name === undefined && !isIntrinsic(raw)) {
      findings.push(at('SsmParameterName', e, ['SsmParameterConfigurations', i, 'ParameterName'], t`is missing.`, t`give the parameter's name.`));
    }
    if (isStr(p.DataType) && !SSM_DATA_TYPES.includes(p.DataType)) {
      findings.push(at('SsmParameterDataType', e, ['SsmParameterConfigurations', i, 'DataType'],
        t`is ${show(p.DataType)}; allowed: ${SSM_DATA_TYPES.join(', ')}.`, t`use SsmParameterDataType.`));
    }
    const account = p.AmiAccountId;
    if (targets && isStr(account) && account !== context.ownerAccount && !targets.includes(account)) {
      findings.push(at('SsmParameterAccount', e, ['SsmParameterConfigurations', i, 'AmiAccountId'],
        t`${show(account)} is not a target account of this Region; Image Builder updates parameters only in the accounts it copies the AMI into.`,
        t`add ${account} to ${field('AmiDistributionConfiguration', 'TargetAccountIds')}, or leave ${field('SsmParameterConfigurations', i, 'AmiAccountId')} out.`));
    }
    return findings;
  });
});

/**
 * Fast launch: `enabled` is required (API model); at least 6 parallel launches and a launch template given by ID
 * or by name, not both (EC2 EnableFastLaunch); a snapshot target of 1..10000 (API model `TargetResourceCount`);
 * launch template names of 3..128 characters (EC2); an account that owns a copy.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableFastLaunch.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html
 */
export const fastLaunch: Rule = (config, context) => entriesOf(config).entries.flatMap(e => {
  const targets = receivers(e, false);
  return items(e.d.FastLaunchConfigurations).values.flatMap((raw, i) => {
    if (isIntrinsic(raw)) {
      return [];
    }
    const f = fields(raw);
    const path = (...rest: string[]) => ['FastLaunchConfigurations', i, ...rest];
    const findings: Finding[] = [];
    if (f.Enabled === undefined) {
      findings.push(at('FastLaunchEnabled', e, path('Enabled'), t`is missing; Image Builder requires it.`, t`set it to true (or false to turn fast launch off).`));
    }
    if (isNum(f.MaxParallelLaunches) && (f.MaxParallelLaunches < 6 || !Number.isInteger(f.MaxParallelLaunches))) {
      findings.push(at('FastLaunchParallelLaunches', e, path('MaxParallelLaunches'), t`is ${f.MaxParallelLaunches}; fast launch needs a whole number of at least 6.`,
        t`set it to 6 or more.`));
    }
    const count = fields(f.SnapshotConfiguration).TargetResourceCount;
    if (isNum(count) && (count < 1 || count > 10000 || !Number.isInteger(count))) {
      findings.push(at('FastLaunchSnapshotCount', e, path('SnapshotConfiguration', 'TargetResourceCount'), t`is ${count}; allowed: a whole number from 1 to 10000.`,
        t`set it in that range.`));
    }
    findings.push(...fastLaunchTemplate(e, fields(f.LaunchTemplate), path('LaunchTemplate')));
    const account = f.AccountId;
    if (targets && isStr(account) && account !== context.ownerAccount && !targets.includes(account)) {
      findings.push(at('FastLaunchAccount', e, path('AccountId'),
        t`${show(account)} owns no copy of the AMI in this Region (it is neither the distribution's account nor a target account).`,
        t`add ${account} to ${field('AmiDistributionConfiguration', 'TargetAccountIds')}, or leave ${field(...path('AccountId'))} out.`));
    }
    return findings;
  });
});

function fastLaunchTemplate(e: Entry, template: Record<string, unknown>, path: Array<string | number>): Finding[] {
  const findings: Finding[] = [];
  const { LaunchTemplateId: id, LaunchTemplateName: name, LaunchTemplateVersion: version } = template;
  if (id !== undefined && name !== undefined) {
    findings.push(at('FastLaunchTemplate', e, path, t`names the launch template both by ID and by name; EC2 takes one of them.`, t`keep the ID or the name.`));
  }
  if (isStr(id) && !LAUNCH_TEMPLATE_ID.test(id)) {
    findings.push(at('FastLaunchTemplate', e, [...path, 'LaunchTemplateId'], t`is ${show(id)}, not 'lt-' followed by 17 lowercase letters, digits, '-' or '_'.`,
      t`pass the launch template itself, or its ID from the EC2 console.`));
  }
  if (isStr(name) && (name.length < 3 || name.length > 128 || !LAUNCH_TEMPLATE_NAME.test(name))) {
    findings.push(at('FastLaunchTemplate', e, [...path, 'LaunchTemplateName'],
      t`is ${show(name)}: a launch template name has 3 to 128 letters, digits and '().-/_'.`, t`use the launch template's name from the EC2 console.`));
  }
  if (isStr(version) && (version.length < 1 || version.length > 1024)) {
    findings.push(at('FastLaunchTemplate', e, [...path, 'LaunchTemplateVersion'], t`is ${version.length} characters long; a version has 1 to 1024.`,
      t`give the version number, or leave the version out.`));
  }
  return findings;
}

/**
 * License configurations: API model `LicenseConfigurationArn`; License Manager's license configurations are
 * Regional, so a Region's AMI takes those of its own Region.
 *
 * @see https://docs.aws.amazon.com/license-manager/latest/userguide/license-configurations.html
 */
export const licenseConfigurations: Rule = (config, context) => entriesOf(config).entries.flatMap(e => items(e.d.LicenseConfigurationArns).values
  .flatMap((v, i): Finding[] => {
    const path = ['LicenseConfigurationArns', i];
    if (isStr(v) && !LICENSE_ARN.test(v)) {
      return [at('LicenseConfigurationArn', e, path,
        t`is ${show(v)}: expected arn:aws:license-manager:<region>:<account>:license-configuration:lic-<32 characters>.`, t`copy the ARN from License Manager.`)];
    }
    // ${AWS::Region} (Aws.REGION) in the ARN is the Region of the configuration's stack, whatever entry it stands in.
    const region = literalText(v, pseudoOf(context))?.split(':')[3];
    return e.region && region && !region.includes(UNKNOWN) && region !== e.region
      ? [at('LicenseConfigurationRegion', e, path, t`is a license configuration of ${region}, but this entry distributes to ${e.region}.`,
        t`use a license configuration of ${e.region}.`)]
      : [];
  }));

/**
 * Container images: API model `TargetContainerRepository` (service ECR, a repository name) and
 * `containerTags` (1..1024 characters); ECR's repository names (2..256, lowercase) and image tags
 * (1..300); an ECR repository of the entry's own Region.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
 * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageIdentifier.html
 */
export const containers: Rule = (config, context) => entriesOf(config).entries.flatMap(e => {
  if (e.d.ContainerDistributionConfiguration === undefined || isIntrinsic(e.d.ContainerDistributionConfiguration)) {
    return [];
  }
  const repoPath = ['ContainerDistributionConfiguration', 'TargetRepository'];
  const target = e.container.TargetRepository;
  const findings: Finding[] = [];
  if (target === undefined || target === null || !isObj(target)) {
    // The API requires the target repository (the CloudFormation schema does not).
    findings.push(at('ContainerRepository', e, repoPath, t`is ${target === undefined ? 'missing' : show(target)}; Image Builder needs the repository to push the image to.`,
      t`set it to { "Service": "ECR", "RepositoryName": "<repository name>" }.`));
  } else if (!isIntrinsic(target)) {
    findings.push(...repositoryFindings(e, target, repoPath));
  }
  const where = context.repositories?.[e.index];
  if (where?.region && e.region && where.region !== e.region) {
    findings.push(at('ContainerRepositoryRegion', e, repoPath, t`${where.name} is a repository of ${where.region}, but this entry distributes to ${e.region}.`,
      t`pass a repository of ${e.region} (ECR repositories are Regional).`));
  }
  items(e.container.ContainerTags).values.forEach((tag, i) => {
    if (isStr(tag) && (tag.length < 1 || tag.length > 300)) {
      findings.push(at('ContainerTags', e, ['ContainerDistributionConfiguration', 'ContainerTags', i],
        t`is ${tag.length} characters long; an image tag has 1 to 300 (ECR; Image Builder takes up to 1024).`, t`shorten the tag, or remove it.`));
    }
  });
  return findings;
});

/** The repository's name and service, as written. */
function repositoryFindings(e: Entry, repo: Record<string, unknown>, repoPath: string[]): Finding[] {
  const findings: Finding[] = [];
  const name = repo.RepositoryName;
  if (!isIntrinsic(name) && (!isStr(name) || name.length < 1 || name.length > 1024)) {
    findings.push(at('ContainerRepository', e, [...repoPath, 'RepositoryName'], t`is ${name === undefined ? 'missing' : show(name)}: a repository name of 1 to 1024 characters is required.`,
      t`pass the ECR repository.`));
  } else if (isStr(name) && name.includes('.dkr.ecr.')) {
    const short = name.split('/').slice(1).join('/').split(':')[0];
    findings.push(at('ContainerRepositoryName', e, [...repoPath, 'RepositoryName'], t`is ${show(name)}, a registry URI; Image Builder takes the repository's name.`,
      t`give the name only, e.g. ${show(short || 'golden')}.`));
  } else if (isStr(name) && (name.length < 2 || name.length > 256 || !ECR_REPOSITORY_NAME.test(name))) {
    findings.push(at('ContainerRepositoryName', e, [...repoPath, 'RepositoryName'],
      t`is ${show(name)}, not an ECR repository name (2 to 256 lowercase letters, digits and '._-/').`, t`use the repository's name from ECR.`));
  }
  // API model `TargetContainerRepository.service` is required (the CloudFormation schema leaves it optional).
  if (repo.Service !== 'ECR' && !isIntrinsic(repo.Service)) {
    findings.push(at('ContainerRepository', e, [...repoPath, 'Service'], t`is ${repo.Service === undefined ? 'missing' : show(repo.Service)}; allowed: "ECR" (the API requires it).`,
      t`set it to "ECR".`));
  }
  return findings;
}
