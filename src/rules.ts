import { region_info as regionInfo } from 'aws-cdk-lib';
import { isAwsManagedKeyId } from './private/key-reference';
import { PUBLIC_USER_GROUP } from './private/launch-permission';

/*
 * Validation rules over a distribution configuration in its CloudFormation shape (PascalCase, tokens
 * resolved to intrinsic functions). A value that is not a plain string or number is computed at
 * deploy time and is never rejected. Field rules come from the Image Builder API model
 * (reference: imagebuilder-2019-12-02.json, shape named in each rule); cross-field rules cite the AWS page.
 */

/** A distribution configuration's `Properties` in the CloudFormation template. */
export type DistributionConfigurationShape = Record<string, unknown>;

/** One finding of a rule. */
export interface Finding {
  readonly severity: 'error' | 'warning';
  /** The rule's name; warnings are acknowledged as `cdk-imagebuilder-distribution:<rule>`. */
  readonly rule: string;
  readonly message: string;
}

/** Facts the CloudFormation shape does not hold. */
export interface RuleContext {
  /** The account that owns the distribution, when concrete. */
  readonly ownerAccount?: string;
  /** Per entry Region, the Region of its KMS key when the key's ARN is a token (a key of this app). */
  readonly keyRegions?: Record<string, string | undefined>;
  /** The key that encrypts the AMI in the build Region, if any. */
  readonly sourceKey?: { readonly name: string; readonly awsManaged: boolean };
  /** The Region the image pipeline builds in (the distribution's own Region), when concrete. */
  readonly buildRegion?: string;
}

type Obj = Record<string, unknown>;
type Rule = (config: DistributionConfigurationShape, context: RuleContext) => Finding[];

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number';
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const show = (v: unknown) => JSON.stringify(v);

/** Placeholder for the parts of a value computed at deploy time. */
const UNKNOWN = '\u0000';

/**
 * The text of a value with its deploy-time parts replaced by a placeholder: a string as it is, an
 * `Fn::Join` with its literal parts (ARNs built with \`\${AWS::Partition}\` arrive that way).
 */
function literalText(v: unknown): string | undefined {
  if (isStr(v)) {
    return v;
  }
  const join = obj(v)['Fn::Join'];
  if (Array.isArray(join) && isStr(join[0]) && Array.isArray(join[1])) {
    return join[1].map(part => literalText(part) ?? UNKNOWN).join(join[0]);
  }
  return undefined;
}

/** The Region of a key ARN when it is written literally, even inside `Fn::Join`. */
function keyArnRegion(v: unknown): string | undefined {
  const region = literalText(v)?.split(':')[3];
  return region && !region.includes(UNKNOWN) && literalText(v)!.startsWith('arn:') ? region : undefined;
}

const ACCOUNT_ID = /^[0-9]{12}$/;
const RESOURCE_NAME = /^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$/;
const AMI_NAME = /^[-_A-Za-z0-9{][-_A-Za-z0-9\s:{}.]+[-_A-Za-z0-9}]$/;
const TAG_KEY = /^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]*$/;
const ORGANIZATION_ARN = /^arn:aws[^:]*:organizations::[0-9]{12}:organization\/o-[a-z0-9]{10,32}$/;
const OU_ARN = /^arn:aws[^:]*:organizations::[0-9]{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}/;
const LICENSE_ARN = /^arn:aws[^:]*:license-manager:[^:]+:[0-9]{12}:license-configuration:lic-[a-z0-9-_]{32}$/;
const LAUNCH_TEMPLATE_ID = /^lt-[a-z0-9-_]{17}$/;
const SSM_PARAMETER_NAME = /^[a-zA-Z0-9_.\-/]+$/;
const SSM_DATA_TYPES = ['text', 'aws:ec2:image'];
const REGION = /^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$/;
const BUILD_DATE = /\{\{\s*imagebuilder:buildDate\s*\}\}/;

/** The keys CloudFormation accepts in the JSON-typed objects; anything else is dropped or rejected. */
const KNOWN_KEYS: Record<string, string[]> = {
  AmiDistributionConfiguration: ['Name', 'Description', 'TargetAccountIds', 'AmiTags', 'KmsKeyId', 'LaunchPermissionConfiguration'],
  LaunchPermissionConfiguration: ['UserIds', 'UserGroups', 'OrganizationArns', 'OrganizationalUnitArns'],
  ContainerDistributionConfiguration: ['Description', 'ContainerTags', 'TargetRepository'],
  TargetRepository: ['Service', 'RepositoryName'],
};

let regionNames: Set<string> | undefined;

/** The Regions aws-cdk-lib knows, read once: building the list costs milliseconds, and every distribution asks. */
function knownRegions(): Set<string> {
  regionNames ??= new Set(regionInfo.RegionInfo.regions.map(r => r.name));
  return regionNames;
}

/** One Region entry with the paths rules report. */
interface Entry {
  readonly label: string;
  readonly region?: string;
  readonly d: Obj;
  readonly ami: Obj;
  readonly permission: Obj;
}

function entries(config: DistributionConfigurationShape): Entry[] {
  return list(config.Distributions).map((raw, i) => {
    const d = obj(raw);
    const region = isStr(d.Region) ? d.Region : undefined;
    const ami = obj(d.AmiDistributionConfiguration);
    return { label: `Region ${region ?? `#${i}`}`, region, d, ami, permission: obj(ami.LaunchPermissionConfiguration) };
  });
}

const error = (rule: string, message: string): Finding => ({ severity: 'error', rule, message });
const warning = (rule: string, message: string): Finding => ({ severity: 'warning', rule, message });

/** Checks each concrete string of `values` against `test`. */
function eachString(values: unknown[], test: (s: string, i: number) => Finding | undefined): Finding[] {
  return values.flatMap((v, i) => (isStr(v) ? test(v, i) ?? [] : []));
}

/** Every place an account ID appears in an entry, with its path. */
function accountFields(e: Entry): Array<{ path: string; values: unknown[] }> {
  return [
    { path: 'AmiDistributionConfiguration.TargetAccountIds[]', values: list(e.ami.TargetAccountIds) },
    { path: 'AmiDistributionConfiguration.LaunchPermissionConfiguration.UserIds[]', values: list(e.permission.UserIds) },
    { path: 'LaunchTemplateConfigurations[].AccountId', values: list(e.d.LaunchTemplateConfigurations).map(x => obj(x).AccountId) },
    { path: 'SsmParameterConfigurations[].AmiAccountId', values: list(e.d.SsmParameterConfigurations).map(x => obj(x).AmiAccountId) },
    { path: 'FastLaunchConfigurations[].AccountId', values: list(e.d.FastLaunchConfigurations).map(x => obj(x).AccountId) },
  ];
}

/** API model `CreateDistributionConfigurationRequest.name` (ResourceName). */
export const distributionName: Rule = config => (isStr(config.Name) && !RESOURCE_NAME.test(config.Name)
  ? [error('DistributionName', `Name ${show(config.Name)} is not a valid distribution configuration name: 3 to 128 letters, digits, '-', '_' or spaces, not starting or ending with a space. Fix: rename it, e.g. ${show(config.Name.replace(/[^-_A-Za-z0-9 ]/g, '-').trim().slice(0, 128).padEnd(3, '-'))}.`)]
  : []);

/** API model `NonEmptyString` (1 to 1024 characters) for every description. */
export const descriptions: Rule = config => {
  const check = (label: string, v: unknown) => (isStr(v) && (v.length < 1 || v.length > 1024)
    ? [error('Description', `${label} is ${v.length} characters long: a description has 1 to 1024. Fix: shorten it or leave it out.`)]
    : []);
  return [
    ...check('Description', config.Description),
    ...entries(config).flatMap(e => [
      ...check(`${e.label}: AmiDistributionConfiguration.Description`, e.ami.Description),
      ...check(`${e.label}: ContainerDistributionConfiguration.Description`, obj(e.d.ContainerDistributionConfiguration).Description),
    ]),
  ];
};

/**
 * API model `Distribution.region`: at least one entry, one per Region. Regions aws-cdk-lib's
 * `RegionInfo` does not know are a warning (new Regions reach `RegionInfo` late).
 */
export const regions: Rule = config => {
  const all = entries(config);
  if (all.length === 0) {
    return [error('Regions', 'Distributions is empty: a distribution configuration needs at least one Region. Fix: call addRegion() or addContainerRegion().')];
  }
  const known = knownRegions();
  const seen = new Set<string>();
  return all.flatMap(e => {
    if (!e.region) {
      return [];
    }
    if (!REGION.test(e.region)) {
      return [error('Regions', `${e.label}: Region ${show(e.region)} is not a Region name like 'eu-west-1'. Fix: use the Region's code.`)];
    }
    if (seen.has(e.region)) {
      return [error('Regions', `${e.label}: Region ${show(e.region)} appears more than once; each Region has one entry. Fix: merge the settings into one entry.`)];
    }
    seen.add(e.region);
    return known.has(e.region) ? [] : [warning('UnknownRegion', `${e.label}: Region ${show(e.region)} is not known to aws-cdk-lib's RegionInfo. Check the spelling; if the Region is new, acknowledge this warning.`)];
  });
};

/** API model `AccountId` (12 digits), wherever an account appears. */
export const accountIds: Rule = config => entries(config).flatMap(e => accountFields(e).flatMap(f => eachString(f.values, (v, i) => (
  ACCOUNT_ID.test(v)
    ? undefined
    : error('AccountId', `${e.label}: ${f.path.replace('[]', `[${i}]`)} is ${show(v)}: an account ID is exactly 12 digits. Fix: use the 12-digit ID (keep leading zeros; write it as a string).`)))));

/** API model list sizes: `AccountList` 1..1536, `OrganizationArnList` and `OrganizationalUnitArnList` 1..25, `LicenseConfigurationArnList` 1..50, `LaunchTemplateConfigurationList` 1..100, `FastLaunchConfigurationList` 1..1000. */
export const listSizes: Rule = config => entries(config).flatMap(e => {
  const sizes: Array<[string, unknown, number]> = [
    ['AmiDistributionConfiguration.TargetAccountIds', e.ami.TargetAccountIds, 1536],
    ['AmiDistributionConfiguration.LaunchPermissionConfiguration.UserIds', e.permission.UserIds, 1536],
    ['AmiDistributionConfiguration.LaunchPermissionConfiguration.OrganizationArns', e.permission.OrganizationArns, 25],
    ['AmiDistributionConfiguration.LaunchPermissionConfiguration.OrganizationalUnitArns', e.permission.OrganizationalUnitArns, 25],
    ['LicenseConfigurationArns', e.d.LicenseConfigurationArns, 50],
    ['LaunchTemplateConfigurations', e.d.LaunchTemplateConfigurations, 100],
    ['FastLaunchConfigurations', e.d.FastLaunchConfigurations, 1000],
  ];
  return sizes.flatMap(([path, value, max]) => {
    if (!Array.isArray(value)) {
      return [];
    }
    if (value.length === 0) {
      return [error('ListSize', `${e.label}: ${path} is an empty list, which CloudFormation rejects. Fix: leave the field out.`)];
    }
    return value.length > max ? [error('ListSize', `${e.label}: ${path} has ${value.length} items; at most ${max} are allowed. Fix: split the list across distribution configurations or share with an organization or OU instead.`)] : [];
  });
});

/** API model `OrganizationArn` and `OrganizationalUnitArn`. */
export const organizationArns: Rule = config => entries(config).flatMap(e => [
  ...eachString(list(e.permission.OrganizationArns), (v, i) => (ORGANIZATION_ARN.test(v) ? undefined
    : error('OrganizationArn', `${e.label}: LaunchPermissionConfiguration.OrganizationArns[${i}] is ${show(v)}: expected arn:aws:organizations::<management account>:organization/o-<10 to 32 characters>. Fix: copy the ARN from the Organizations console (not the organization ID).`))),
  ...eachString(list(e.permission.OrganizationalUnitArns), (v, i) => (OU_ARN.test(v) ? undefined
    : error('OrganizationalUnitArn', `${e.label}: LaunchPermissionConfiguration.OrganizationalUnitArns[${i}] is ${show(v)}: expected arn:aws:organizations::<management account>:ou/o-<org id>/ou-<root>-<ou id>. Fix: use the OU's ARN, not its ID.`))),
]);

/** API model `AmiNameString` (1..127, pattern); the name must contain `{{ imagebuilder:buildDate }}`. */
export const amiName: Rule = config => entries(config).flatMap(e => {
  const name = e.ami.Name;
  if (!isStr(name)) {
    return [];
  }
  const findings: Finding[] = [];
  if (name.length < 1 || name.length > 127 || !AMI_NAME.test(name)) {
    findings.push(error('AmiName', `${e.label}: AmiDistributionConfiguration.Name ${show(name)} is not a valid AMI name: 3 to 127 characters of letters, digits, spaces and '-_.:{}', starting and ending with a letter, digit, '-', '_' or a brace. Fix: e.g. 'golden-{{ imagebuilder:buildDate }}'.`));
  }
  if (!BUILD_DATE.test(name)) {
    findings.push(warning('AmiNameWithoutBuildDate', `${e.label}: AmiDistributionConfiguration.Name ${show(name)} has no {{ imagebuilder:buildDate }}: every build would produce the same AMI name, so the second build fails to register its AMI. Fix: add '{{ imagebuilder:buildDate }}' to the name.`));
  }
  return findings;
});

/** API model `TagMap` (at most 50), `TagKey` (1..128, not `aws:`), `TagValue` (at most 256). */
export const amiTags: Rule = config => entries(config).flatMap(e => {
  const tags = e.ami.AmiTags;
  if (!isObj(tags)) {
    return [];
  }
  const findings: Finding[] = [];
  const keys = Object.keys(tags);
  if (keys.length > 50) {
    findings.push(error('AmiTags', `${e.label}: AmiDistributionConfiguration.AmiTags has ${keys.length} tags; at most 50 are allowed. Fix: remove tags.`));
  }
  for (const key of keys) {
    if (key.toLowerCase().startsWith('aws:')) {
      findings.push(error('AmiTags', `${e.label}: AmiDistributionConfiguration.AmiTags key ${show(key)} starts with 'aws:', which is reserved for AWS. Fix: rename the tag.`));
    } else if (key.length < 1 || key.length > 128 || !TAG_KEY.test(key)) {
      findings.push(error('AmiTags', `${e.label}: AmiDistributionConfiguration.AmiTags key ${show(key)} is not a valid tag key: 1 to 128 letters, digits, spaces and '_.:/=+-@'. Fix: rename the tag.`));
    }
    const value = tags[key];
    if (isStr(value) && value.length > 256) {
      findings.push(error('AmiTags', `${e.label}: AmiDistributionConfiguration.AmiTags[${show(key)}] is ${value.length} characters long; at most 256 are allowed. Fix: shorten the value.`));
    }
  }
  return findings;
});

/** API model `LaunchTemplateId` (`lt-` and 17 characters), in launch template and fast launch settings. */
export const launchTemplateIds: Rule = config => entries(config).flatMap(e => eachString([
  ...list(e.d.LaunchTemplateConfigurations).map(x => obj(x).LaunchTemplateId),
  ...list(e.d.FastLaunchConfigurations).map(x => obj(obj(x).LaunchTemplate).LaunchTemplateId),
], v => (LAUNCH_TEMPLATE_ID.test(v) ? undefined
  : error('LaunchTemplateId', `${e.label}: launch template ID ${show(v)} is not 'lt-' followed by 17 lowercase letters, digits, '-' or '_'. Fix: pass the launch template itself, or its ID from the EC2 console.`))));

/** API model `SsmParameterName` (1..1011, pattern) and `SsmParameterDataType`. */
export const ssmParameters: Rule = config => entries(config).flatMap(e => list(e.d.SsmParameterConfigurations).flatMap((raw, i) => {
  const p = obj(raw);
  const findings: Finding[] = [];
  if (isStr(p.ParameterName) && (p.ParameterName.length > 1011 || !SSM_PARAMETER_NAME.test(p.ParameterName))) {
    findings.push(error('SsmParameter', `${e.label}: SsmParameterConfigurations[${i}].ParameterName ${show(p.ParameterName)} is not a valid name: 1 to 1011 letters, digits and '_.-/'. Fix: rename the parameter.`));
  }
  if (isStr(p.DataType) && !SSM_DATA_TYPES.includes(p.DataType)) {
    findings.push(error('SsmParameter', `${e.label}: SsmParameterConfigurations[${i}].DataType is ${show(p.DataType)}; allowed: ${SSM_DATA_TYPES.join(', ')}. Fix: use SsmParameterDataType.`));
  }
  return findings;
}));

/**
 * Fast launch: at least 6 parallel launches (EC2 EnableFastLaunch), snapshot target 1..10000 (API model `TargetResourceCount`).
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableFastLaunch.html
 */
export const fastLaunch: Rule = config => entries(config).flatMap(e => list(e.d.FastLaunchConfigurations).flatMap((raw, i) => {
  const f = obj(raw);
  const count = obj(f.SnapshotConfiguration).TargetResourceCount;
  const findings: Finding[] = [];
  if (isNum(f.MaxParallelLaunches) && (f.MaxParallelLaunches < 6 || !Number.isInteger(f.MaxParallelLaunches))) {
    findings.push(error('FastLaunch', `${e.label}: FastLaunchConfigurations[${i}].MaxParallelLaunches is ${f.MaxParallelLaunches}; fast launch needs a whole number of at least 6. Fix: set maxParallelLaunches to 6 or more.`));
  }
  if (isNum(count) && (count < 1 || count > 10000 || !Number.isInteger(count))) {
    findings.push(error('FastLaunch', `${e.label}: FastLaunchConfigurations[${i}].SnapshotConfiguration.TargetResourceCount is ${count}; allowed: a whole number from 1 to 10000. Fix: set targetSnapshotCount in that range.`));
  }
  return findings;
}));

/** API model `LicenseConfigurationArn`. */
export const licenseConfigurationArns: Rule = config => entries(config).flatMap(e => eachString(list(e.d.LicenseConfigurationArns), (v, i) => (
  LICENSE_ARN.test(v) ? undefined
    : error('LicenseConfigurationArn', `${e.label}: LicenseConfigurationArns[${i}] is ${show(v)}: expected arn:aws:license-manager:<region>:<account>:license-configuration:lic-<32 characters>. Fix: copy the ARN from License Manager.`))));

/** API model `TargetContainerRepository`: service `ECR` and a repository name. */
export const containerRepository: Rule = config => entries(config).flatMap(e => {
  if (!isObj(e.d.ContainerDistributionConfiguration)) {
    return [];
  }
  const repo = obj(e.d.ContainerDistributionConfiguration.TargetRepository);
  const findings: Finding[] = [];
  if (repo.RepositoryName === undefined || (isStr(repo.RepositoryName) && (repo.RepositoryName.length < 1 || repo.RepositoryName.length > 1024))) {
    findings.push(error('ContainerRepository', `${e.label}: ContainerDistributionConfiguration.TargetRepository.RepositoryName is ${show(repo.RepositoryName)}: a repository name of 1 to 1024 characters is required. Fix: pass the ECR repository.`));
  }
  if (isStr(repo.Service) ? repo.Service !== 'ECR' : repo.Service === undefined) {
    findings.push(error('ContainerRepository', `${e.label}: ContainerDistributionConfiguration.TargetRepository.Service is ${show(repo.Service)}; allowed: "ECR".`));
  }
  return findings;
});

/**
 * The JSON-typed objects take PascalCase keys only; CloudFormation drops or rejects others
 * (aws/aws-cdk issues 26912 and 34758).
 */
export const knownKeys: Rule = config => entries(config).flatMap(e => {
  const check = (path: string, kind: string, value: unknown): Finding[] => {
    if (!isObj(value)) {
      return [];
    }
    return Object.keys(value).filter(k => !KNOWN_KEYS[kind].includes(k)).map(k => {
      const pascal = KNOWN_KEYS[kind].find(known => known.toLowerCase() === k.toLowerCase());
      return error('UnknownKey', `${e.label}: ${path} has the key ${show(k)}, which CloudFormation does not accept there (allowed: ${KNOWN_KEYS[kind].join(', ')}). Fix: ${pascal ? `write it as ${show(pascal)}` : 'remove it'}.`);
    });
  };
  const container = obj(e.d.ContainerDistributionConfiguration);
  return [
    ...check('AmiDistributionConfiguration', 'AmiDistributionConfiguration', e.d.AmiDistributionConfiguration),
    ...check('AmiDistributionConfiguration.LaunchPermissionConfiguration', 'LaunchPermissionConfiguration', e.ami.LaunchPermissionConfiguration),
    ...check('ContainerDistributionConfiguration', 'ContainerDistributionConfiguration', e.d.ContainerDistributionConfiguration),
    ...check('ContainerDistributionConfiguration.TargetRepository', 'TargetRepository', container.TargetRepository),
  ];
});

/**
 * An AMI with encrypted snapshots cannot be made public.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-intro.html
 */
export const publicEncryptedAmi: Rule = (config, context) => entries(config).flatMap(e => {
  if (!list(e.permission.UserGroups).includes(PUBLIC_USER_GROUP)) {
    return [];
  }
  const keys = [
    ...(e.ami.KmsKeyId !== undefined ? [`the Region's key ${show(e.ami.KmsKeyId)}`] : []),
    ...(context.sourceKey ? [`the source key ${context.sourceKey.name}`] : []),
  ];
  return keys.length > 0
    ? [error('PublicEncryptedAmi', `${e.label}: LaunchPermissionConfiguration.UserGroups makes the AMI public, but it is encrypted with ${keys.join(' and ')}; AWS cannot make an AMI with encrypted snapshots public. Fix: remove publicAccess, or distribute an unencrypted AMI.`)]
    : [];
});

/**
 * Snapshots encrypted with an AWS managed key (`alias/aws/...`) cannot be shared with other accounts.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html
 * @see https://repost.aws/knowledge-center/image-builder-distribution-error-encrypted-ami
 */
export const awsManagedKeyShared: Rule = (config, context) => entries(config).flatMap(e => {
  const outside = consumersOutsideOwner(e, context.ownerAccount);
  if (outside.length === 0) {
    return [];
  }
  const keys = [
    ...(isAwsManagedKeyId(literalText(e.ami.KmsKeyId) ?? '') ? [`KmsKeyId ${show(e.ami.KmsKeyId)}`] : []),
    ...(context.sourceKey?.awsManaged ? [`the source key ${context.sourceKey.name}`] : []),
  ];
  return keys.map(k => error('AwsManagedKeyShared', `${e.label}: ${k} is an AWS managed key, which cannot be shared with other accounts, but the AMI goes to ${outside.join(', ')}. Fix: use a customer managed key (kms.Key) for this Region.`));
});

function consumersOutsideOwner(e: Entry, owner: string | undefined): string[] {
  const accounts = [...list(e.ami.TargetAccountIds), ...list(e.permission.UserIds)].filter(a => a !== owner).map(a => `account ${isStr(a) ? a : show(a)}`);
  const others = [
    ...list(e.permission.OrganizationArns).map(o => `organization ${isStr(o) ? o : show(o)}`),
    ...list(e.permission.OrganizationalUnitArns).map(o => `OU ${isStr(o) ? o : show(o)}`),
    ...(list(e.permission.UserGroups).includes(PUBLIC_USER_GROUP) ? ['the public'] : []),
  ];
  return [...new Set([...accounts, ...others])];
}

/**
 * `KmsKeyId` must be a key of the entry's own Region.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_AmiDistributionConfiguration.html
 */
export const keyRegion: Rule = (config, context) => entries(config).flatMap(e => {
  if (!e.region) {
    return [];
  }
  const keyId = e.ami.KmsKeyId;
  const region = keyArnRegion(keyId) ?? context.keyRegions?.[e.region];
  return region && region !== e.region
    ? [error('KeyRegion', `${e.label}: AmiDistributionConfiguration.KmsKeyId ${literalText(keyId) !== undefined ? show(literalText(keyId)!.replace(UNKNOWN, '...')) : '(a key of this app)'} is a key of ${region}, not of ${e.region}; a Region's AMI copy can only use a key of that Region. Fix: pass a key created in a ${e.region} stack (or a multi-Region replica in ${e.region}).`)]
    : [];
});

/**
 * An SSM parameter's `AmiAccountId` must be a target account of the Region.
 *
 * API model `SsmParameterConfiguration.amiAccountId`.
 */
export const ssmParameterAccount: Rule = config => entries(config).flatMap(e => {
  const targets = list(e.ami.TargetAccountIds);
  if (targets.some(t => !isStr(t))) {
    return [];
  }
  return list(e.d.SsmParameterConfigurations).flatMap((raw, i) => {
    const account = obj(raw).AmiAccountId;
    return isStr(account) && !targets.includes(account)
      ? [error('SsmParameterAccount', `${e.label}: SsmParameterConfigurations[${i}].AmiAccountId ${show(account)} is not a target account of this Region (TargetAccountIds: ${show(targets)}); Image Builder can only update parameters in accounts it copies the AMI into. Fix: add ${account} to targetAccounts, or leave amiAccount out.`)]
      : [];
  });
});

/**
 * A launch template in another account can only use an AMI that account receives.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/dist-using-launch-template.html
 */
export const launchTemplateAccount: Rule = (config, context) => entries(config).flatMap(e => {
  const receivers = [...list(e.ami.TargetAccountIds), ...list(e.permission.UserIds)];
  if (receivers.some(r => !isStr(r))) {
    return [];
  }
  return list(e.d.LaunchTemplateConfigurations).flatMap((raw, i) => {
    const account = obj(raw).AccountId;
    return isStr(account) && account !== context.ownerAccount && !receivers.includes(account)
      ? [warning('LaunchTemplateAccount', `${e.label}: LaunchTemplateConfigurations[${i}].AccountId ${show(account)} neither receives a copy (TargetAccountIds) nor has launch permission (UserIds), so its launch template would point at an AMI it cannot use. Fix: add ${account} to targetAccounts or launchPermission.accounts.`)]
      : [];
  });
});

/**
 * An AMI encrypted with the source key is copied into another Region with that Region's `KmsKeyId`, or, when
 * there is none, with the default EBS encryption key of the account (the AWS managed key `aws/ebs` unless
 * the account changed it), whose snapshots cannot be shared with other accounts.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html (limits: the default key for EBS)
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html
 */
export const sourceKeyDefaultEncryption: Rule = (config, context) => entries(config).flatMap(e => {
  if (!context.sourceKey || !e.region || !context.buildRegion || e.region === context.buildRegion || e.ami.KmsKeyId !== undefined) {
    return [];
  }
  const shared = [
    ...list(e.permission.UserIds).filter(a => a !== context.ownerAccount).map(a => `account ${isStr(a) ? a : show(a)}`),
    ...list(e.permission.OrganizationArns).map(o => `organization ${isStr(o) ? o : show(o)}`),
    ...list(e.permission.OrganizationalUnitArns).map(o => `OU ${isStr(o) ? o : show(o)}`),
  ];
  return shared.length > 0
    ? [warning('SourceKeyDefaultEncryption', `${e.label}: the AMI is encrypted with the source key ${context.sourceKey.name} and this Region has no KmsKeyId, so its copy is encrypted with the account's default EBS key (the AWS managed key aws/ebs unless the account set another default), which cannot be shared; yet LaunchPermissionConfiguration shares it with ${shared.join(', ')}. Fix: set kmsKey for this Region to a customer managed key of ${e.region}.`)]
    : [];
});

/** All rules, in the order their findings are reported. */
export const RULES: Rule[] = [
  distributionName, descriptions, regions, accountIds, listSizes, organizationArns, amiName, amiTags,
  launchTemplateIds, ssmParameters, fastLaunch, licenseConfigurationArns, containerRepository, knownKeys,
  publicEncryptedAmi, awsManagedKeyShared, keyRegion, ssmParameterAccount, launchTemplateAccount, sourceKeyDefaultEncryption,
];

/** Runs every rule. */
export function checkDistributionConfiguration(config: DistributionConfigurationShape, context: RuleContext = {}): Finding[] {
  return RULES.flatMap(rule => rule(config, context));
}
