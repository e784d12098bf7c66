import { tagProblems } from './configuration';
import { Rule, RuleContext, at, top } from './context';
import { field, t } from './finding';
import { Entry, UNKNOWN, entriesOf, isStr, literalText, show } from './shape';
import { consumersOutsideOwner } from './sharing';
import { isAwsManagedKeyId } from '../key-reference';

/*
 * Rules about the AMI of each Region: its name, tags and KMS key.
 */

const AMI = 'AmiDistributionConfiguration';
const AMI_NAME = /^[-_A-Za-z0-9{][-_A-Za-z0-9\s:{}.]+[-_A-Za-z0-9}]$/;
const BUILD_DATE = /\{\{\s*imagebuilder:buildDate\s*\}\}/;

/** API model `AmiNameString` (1..127, pattern); without `{{ imagebuilder:buildDate }}` the second build collides. */
export const amiName: Rule = config => entriesOf(config).entries.flatMap(e => {
  const name = e.ami.Name;
  if (!isStr(name)) {
    return [];
  }
  const findings = [];
  if (name.length < 1 || name.length > 127 || !AMI_NAME.test(name)) {
    findings.push(at('AmiName', e, [AMI, 'Name'],
      t`${show(name)} is not a valid AMI name: 3 to 127 characters of letters, digits, spaces and '-_.:{}', starting and ending with a letter, digit, '-', '_' or a brace.`,
      t`rename it, e.g. 'golden-{{ imagebuilder:buildDate }}'.`));
  }
  if (!BUILD_DATE.test(name)) {
    findings.push(at('AmiNameWithoutBuildDate', e, [AMI, 'Name'],
      t`${show(name)} has no {{ imagebuilder:buildDate }}: every build would produce the same AMI name, so the second build fails to register its AMI.`,
      t`add '{{ imagebuilder:buildDate }}' to the name.`));
  }
  return findings;
});

/** API model `TagMap` (at most 50), `TagKey` (1..128, not `aws:`), `TagValue` (at most 256). */
export const amiTags: Rule = config => entriesOf(config).entries.flatMap(e => tagProblems(e.ami.AmiTags)
  .map(p => at('AmiTags', e, [AMI, 'AmiTags'], p.problem, p.fix)));

/** How messages name the key of an entry: the construct's own name for it, or what the template holds. */
function keyName(e: Entry, context: RuleContext): string {
  const text = literalText(e.ami.KmsKeyId);
  return context.keyName?.(e.index) ?? (text !== undefined ? show(text.split(UNKNOWN).join('...')) : show(e.ami.KmsKeyId));
}

/**
 * API model `AmiDistributionConfiguration.kmsKeyId`: "either the Key ARN or the Alias ARN", 1..1024 characters.
 */
export const kmsKeyArns: Rule = config => entriesOf(config).entries.flatMap(e => {
  const text = literalText(e.ami.KmsKeyId);
  if (text === undefined) {
    return [];
  }
  if (isStr(e.ami.KmsKeyId) && (text.length < 1 || text.length > 1024)) {
    return [at('KmsKeyArn', e, [AMI, 'KmsKeyId'], t`is ${text.length} characters long; a key ARN has 1 to 1024.`, t`pass the key's ARN or its alias ARN.`)];
  }
  return text.startsWith(UNKNOWN) || text.startsWith('arn:')
    ? []
    : [at('KmsKeyArn', e, [AMI, 'KmsKeyId'], t`is ${show(text.split(UNKNOWN).join('...'))}, but Image Builder takes the ARN of a key or of an alias here, not a key ID or an alias name.`,
      t`use the ARN, e.g. arn:aws:kms:${e.region ?? '<region>'}:<account>:alias/<name>, or pass the key construct (kms.Key, kms.Alias).`)];
});

/**
 * A key of the entry's own Region: by the ARN's Region when it is written literally (also inside `Fn::Join`
 * and `Fn::Sub`), or by the Region of the key's stack for keys of the app.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_AmiDistributionConfiguration.html
 */
export const keyRegions: Rule = (config, context) => entriesOf(config).entries.flatMap(e => {
  if (!e.region || e.ami.KmsKeyId === undefined) {
    return [];
  }
  const text = literalText(e.ami.KmsKeyId);
  const arnRegion = text?.startsWith('arn:') ? text.split(':')[3] : undefined;
  const region = arnRegion !== undefined && !arnRegion.includes(UNKNOWN) && arnRegion !== '' ? arnRegion : context.keyRegions?.[e.index];
  const name = keyName(e, context);
  if (region === 'unknown') {
    return [at('KeyRegionUnknown', e, [AMI, 'KmsKeyId'],
      t`${name} is a key of a stack without an explicit Region, so the library cannot check that it is a key of ${e.region}.`,
      t`give the key's stack an env with its account and Region, or acknowledge this warning.`)];
  }
  return region && region !== e.region
    ? [at('KeyRegion', e, [AMI, 'KmsKeyId'],
      t`${name} is a key of ${region}, not of ${e.region}; the copy of a Region can only use a key of that Region.`,
      t`pass a key created in a ${e.region} stack (or a multi-Region replica key in ${e.region}).`)]
    : [];
});

/**
 * EBS encrypts with enabled, symmetric encryption keys only.
 *
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html
 */
export const usableKeys: Rule = (config, context) => {
  const findings = entriesOf(config).entries.flatMap(e => {
    const problem = context.keyProblems?.[e.index];
    return problem
      ? [at('UnusableKey', e, [AMI, 'KmsKeyId'], t`${keyName(e, context)} ${problem}; EBS encrypts snapshots only with enabled, symmetric encryption keys.`,
        t`pass an enabled key with the default key spec (SYMMETRIC_DEFAULT) and usage (ENCRYPT_DECRYPT).`)]
      : [];
  });
  if (context.sourceKey && context.sourceKeyProblem) {
    findings.push(top('UnusableKey', ['SourceKey'], t`${context.sourceKey.name} ${context.sourceKeyProblem}; EBS encrypts snapshots only with enabled, symmetric encryption keys.`,
      t`encrypt the AMI with an enabled key with the default key spec and usage.`));
  }
  return findings;
};

/**
 * Snapshots encrypted with an AWS managed key (`alias/aws/...`) cannot be shared with other accounts.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html
 * @see https://repost.aws/knowledge-center/image-builder-distribution-error-encrypted-ami
 */
export const awsManagedKeys: Rule = (config, context) => {
  const entries = entriesOf(config).entries;
  const findings = entries.flatMap(e => {
    if (!isAwsManagedKeyId(literalText(e.ami.KmsKeyId) ?? '')) {
      return [];
    }
    const outside = consumersOutsideOwner(e, context.ownerAccount);
    return outside.length > 0
      ? [at('AwsManagedKeyShared', e, [AMI, 'KmsKeyId'],
        t`${keyName(e, context)} is an AWS managed key, which cannot be shared with other accounts, but the AMI goes to ${outside.join(', ')}.`,
        t`use a customer managed key (kms.Key) for this Region.`)]
      : [];
  });
  if (context.sourceKey?.awsManaged) {
    const outside = [...new Set(entries.flatMap(e => consumersOutsideOwner(e, context.ownerAccount)))];
    if (outside.length > 0) {
      findings.push(top('AwsManagedKeyShared', ['SourceKey'],
        t`${context.sourceKey.name} is an AWS managed key, which cannot be shared with other accounts, but the AMI goes to ${outside.join(', ')}.`,
        t`encrypt the AMI with a customer managed key in the recipe, and pass that key.`));
    }
  }
  return findings;
};

/**
 * An AMI encrypted with the source key is copied into another Region with that Region's `KmsKeyId`, or, when
 * there is none, with the default EBS encryption key of the account (the AWS managed key `aws/ebs` unless the
 * account changed it), whose snapshots cannot be shared with other accounts.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html (limits: the default key for EBS)
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html
 */
export const sourceKeyDefaultEncryption: Rule = (config, context) => entriesOf(config).entries.flatMap(e => {
  const hasKey = e.ami.KmsKeyId !== undefined || e.amiDeployTime;
  if (!context.sourceKey || !e.region || !context.buildRegion || e.region === context.buildRegion || hasKey) {
    return [];
  }
  const shared = consumersOutsideOwner(e, context.ownerAccount, false);
  return shared.length > 0
    ? [at('SourceKeyDefaultEncryption', e, [AMI, 'KmsKeyId'],
      t`is not set, so the copy of the AMI (encrypted with the source key ${context.sourceKey.name}) is encrypted with the account's default EBS key, the AWS managed key aws/ebs unless the account set another default, which cannot be shared; yet the Region shares it with ${shared.join(', ')}.`,
      t`set ${field(AMI, 'KmsKeyId')} for this Region to a customer managed key of ${e.region}.`)]
    : [];
});

