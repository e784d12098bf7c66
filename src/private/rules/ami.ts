import { tagProblems } from './configuration';
import { Rule, RuleContext, at, pseudoOf, top } from './context';
import { field, t } from './finding';
import { Entry, UNKNOWN, entriesOf, isIntrinsic, isStr, literalText, show } from './shape';
import { consumersOutsideOwner } from './sharing';
import { isAwsManagedKeyId } from '../key-reference';

/*
 * Rules about the AMI of each Region: its name, tags and KMS key.
 */

const AMI = 'AmiDistributionConfiguration';
const AMI_NAME = /^[-_A-Za-z0-9{][-_A-Za-z0-9\s:{}.]+[-_A-Za-z0-9}]$/;
/** The characters `AmiNameString` allows anywhere in a name. */
const AMI_NAME_CHARACTERS = /^[-_A-Za-z0-9\s:{}.]$/;
const BUILD_DATE = /\{\{\s*imagebuilder:buildDate\s*\}\}/;
/** The characters EC2 allows in the name of an AMI (CreateImage, CopyImage): 3 to 128 of them. */
const EC2_AMI_NAME_CHARACTERS = /^[A-Za-z0-9()[\] ./\-'@_]$/;

/**
 * Image Builder's variables in an AMI name and what they become: `{{ imagebuilder:buildDate }}` the build's
 * date and time (`2022-10-26T22-30-05.912619Z` in the API model's example: 27 letters, digits and `-.`),
 * `{{ imagebuilder:buildVersion }}` the build version (a number, at least one digit).
 */
const VARIABLES: Array<{ pattern: RegExp; length: number }> = [
  { pattern: /^\{\{\s*imagebuilder:buildDate\s*\}\}/, length: 27 },
  { pattern: /^\{\{\s*imagebuilder:buildVersion\s*\}\}/, length: 1 },
];

/** What is known of an AMI name once Image Builder expands its variables. */
interface ExpandedName {
  /** The fewest characters the expanded name can have (its known parts). */
  readonly minLength: number;
  /** The name holds deploy-time values or unknown variables, whose length and characters are unknown. */
  readonly open: boolean;
  /** Characters EC2 refuses, in the order they occur. */
  readonly forbidden: string[];
}

function expandName(text: string): ExpandedName {
  let minLength = 0;
  let open = false;
  const forbidden: string[] = [];
  for (let i = 0; i < text.length;) {
    const rest = text.slice(i);
    const variable = VARIABLES.map(v => ({ v, m: v.pattern.exec(rest) })).find(x => x.m);
    if (variable?.m) {
      minLength += variable.v.length;
      i += variable.m[0].length;
      continue;
    }
    const other = /^\{\{[^{}]*\}\}/.exec(rest);
    if (other || text[i] === UNKNOWN) {
      // A deploy-time part, or a variable the library does not know: its expansion is unknown.
      open = true;
      i += other ? other[0].length : 1;
      continue;
    }
    if (!EC2_AMI_NAME_CHARACTERS.test(text[i])) {
      forbidden.push(text[i]);
    }
    minLength += 1;
    i += 1;
  }
  return { minLength, open, forbidden };
}

/** How a message shows a character: visible, or by its name. */
function showCharacter(c: string): string {
  const names: Record<string, string> = { '\n': 'a newline', '\r': 'a carriage return', '\t': 'a tab' };
  return names[c] ?? (/\s/.test(c) ? `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`);
}

/**
 * The AMI name: API model `AmiNameString` (1..127, pattern) as written, and EC2's AMI names once Image Builder
 * has expanded its variables (3 to 128 letters, digits and `( ) [ ] space . / - ' @ _`): a colon, a tab or a
 * newline pass the API but fail the copy. Names built with `Fn::Join` or `Fn::Sub` are checked by their
 * literal parts.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_AmiDistributionConfiguration.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateImage.html
 */
export const amiName: Rule = (config, context) => entriesOf(config).entries.flatMap(e => {
  const name = e.ami.Name;
  const text = literalText(name, pseudoOf(context));
  if (text === undefined) {
    return [];
  }
  if (isStr(name) && (name.length < 1 || name.length > 127 || !AMI_NAME.test(name))) {
    return [at('AmiName', e, [AMI, 'Name'],
      t`${show(name)} is not a valid AMI name: 3 to 127 characters of letters, digits, spaces and '-_.:{}', starting and ending with a letter, digit, '-', '_' or a brace.`,
      t`rename it, e.g. 'golden-{{ imagebuilder:buildDate }}'.`)];
  }
  const shown = show(text.split(UNKNOWN).join('...'));
  const literal = [...text].filter(c => c !== UNKNOWN);
  const refused = literal.filter(c => !AMI_NAME_CHARACTERS.test(c));
  if (refused.length > 0 || literal.length > 127) {
    return [at('AmiName', e, [AMI, 'Name'], refused.length > 0
      ? t`${shown} holds ${[...new Set(refused)].map(showCharacter).join(', ')}; an AMI name takes letters, digits, spaces and '-_.:{}'.`
      : t`${shown} has ${literal.length} characters besides its deploy-time parts; an AMI name has at most 127.`,
    t`rename it, e.g. 'golden-{{ imagebuilder:buildDate }}'.`)];
  }
  const expanded = expandName(text);
  if (expanded.forbidden.length > 0) {
    return [at('AmiName', e, [AMI, 'Name'],
      t`${shown} holds ${[...new Set(expanded.forbidden)].map(showCharacter).join(', ')}, which EC2 refuses in the name of an AMI (letters, digits and '()[] ./-'@_' only), so the copy fails.`,
      t`replace them, e.g. with '-'.`)];
  }
  if (expanded.minLength > 128 || (!expanded.open && expanded.minLength < 3)) {
    return [at('AmiName', e, [AMI, 'Name'],
      t`${shown} is ${expanded.open ? 'at least ' : ''}${expanded.minLength} characters long once Image Builder expands its variables ({{ imagebuilder:buildDate }} becomes 27 characters); EC2 takes AMI names of 3 to 128 characters.`,
      t`shorten the name.`)];
  }
  return [];
});

/**
 * Image Builder refuses a configuration whose AMI name lacks `{{ imagebuilder:buildDate }}` ("The EC2 AMI name
 * must contain '{{ imagebuilder:buildDate }}' to ensure that the name will be unique."). A name built from
 * deploy-time values is decided by its literal parts; one with none is a warning: the library cannot tell.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_AmiDistributionConfiguration.html
 * @see https://github.com/hashicorp/terraform-provider-aws/issues/36610
 */
export const amiNameBuildDate: Rule = (config, context) => entriesOf(config).entries.flatMap(e => {
  const name = e.ami.Name;
  if (name === undefined || name === null) {
    return [];
  }
  const text = literalText(name, pseudoOf(context));
  if (text !== undefined && BUILD_DATE.test(text)) {
    return [];
  }
  const known = text !== undefined && [...text].some(c => c !== UNKNOWN);
  if (!known) {
    return isStr(name) || !isIntrinsic(name) ? [] : [at('AmiNameBuildDateUnknown', e, [AMI, 'Name'],
      t`is known only at deploy time, so the library cannot check that it holds {{ imagebuilder:buildDate }}, without which Image Builder refuses the configuration.`,
      t`write the name with '{{ imagebuilder:buildDate }}' in its literal part (Fn::Join or Fn::Sub), or acknowledge this warning if the value holds it.`)];
  }
  return [at('AmiNameWithoutBuildDate', e, [AMI, 'Name'], isStr(name)
    ? t`${show(name)} has no {{ imagebuilder:buildDate }}; Image Builder refuses the configuration ("The EC2 AMI name must contain '{{ imagebuilder:buildDate }}' to ensure that the name will be unique").`
    : t`${show(text!.split(UNKNOWN).join('...'))} has no {{ imagebuilder:buildDate }} in its literal parts; Image Builder refuses the configuration unless a deploy-time part holds it ("The EC2 AMI name must contain '{{ imagebuilder:buildDate }}' to ensure that the name will be unique").`,
  t`add '{{ imagebuilder:buildDate }}' to the name.`)];
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
 * and `Fn::Sub`, where `${AWS::Region}` and `Aws.REGION` are the Region of the configuration's stack), or by
 * the Region of the key's stack for keys of the app. The source key encrypts the AMI the build creates, in
 * the build Region (the Region of the distribution's stack): a key of another Region cannot.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_AmiDistributionConfiguration.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
 */
export const keyRegions: Rule = (config, context) => {
  const pseudo = pseudoOf(context);
  const findings = entriesOf(config).entries.flatMap(e => {
    if (!e.region || e.ami.KmsKeyId === undefined) {
      return [];
    }
    const arnRegion = regionOfArn(literalText(e.ami.KmsKeyId, pseudo));
    const region = arnRegion ?? context.keyRegions?.[e.index];
    const name = keyName(e, context);
    if (region === 'unknown') {
      return [at('KeyRegionUnknown', e, [AMI, 'KmsKeyId'],
        t`${name} is a key of a stack without an explicit Region, so the library cannot check that it is a key of ${e.region}.`,
        t`give the key's stack an env with its account and Region, or acknowledge this warning.`)];
    }
    // A Region written as ${AWS::Region} (or Aws.REGION) is the stack's, whichever entry it stands in.
    const viaPseudo = arnRegion !== undefined && regionOfArn(literalText(e.ami.KmsKeyId)) === undefined
      ? ` (AWS::Region in the ARN is the Region of the configuration's stack, ${arnRegion}, whichever entry it stands in)` : '';
    return region && region !== e.region
      ? [at('KeyRegion', e, [AMI, 'KmsKeyId'],
        t`${name} is a key of ${region}${viaPseudo}, not of ${e.region}; the copy of a Region can only use a key of that Region.`,
        t`pass a key created in a ${e.region} stack (or a multi-Region replica key in ${e.region}).`)]
      : [];
  });
  const source = context.sourceKey;
  if (source?.region && context.buildRegion && source.region !== context.buildRegion) {
    findings.push(source.region === 'unknown'
      ? top('KeyRegionUnknown', ['SourceKey'],
        t`${source.name} is a key of a stack without an explicit Region, so the library cannot check that it is a key of the build Region ${context.buildRegion}.`,
        t`give the key's stack an env with its account and Region, or acknowledge this warning.`)
      : top('KeyRegion', ['SourceKey'],
        t`${source.name} is a key of ${source.region}, but the build creates the AMI in ${context.buildRegion} (the Region of the distribution's stack), where only a key of ${context.buildRegion} can encrypt it.`,
        t`pass the key of ${context.buildRegion} that the recipe encrypts the AMI with.`));
  }
  return findings;
};

/** The Region of a key ARN's literal text, when it is known. */
function regionOfArn(text: string | undefined): string | undefined {
  const region = text?.startsWith('arn:') ? text.split(':')[3] : undefined;
  return region !== undefined && region !== '' && !region.includes(UNKNOWN) ? region : undefined;
}

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

