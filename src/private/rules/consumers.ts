import { Token } from 'aws-cdk-lib';
import { Rule, at, pseudoOf } from './context';
import { Finding, t } from './finding';
import { UNKNOWN, entriesOf, fields, isStr, items, literalText, show } from './shape';
import { partitionOf } from '../key-reference';

/*
 * Rules of the services that finally consume a distribution's values, which Image Builder's API model does not
 * state: Parameter Store counts a parameter's ARN in its name's length, and ECR takes image tags of letters,
 * digits, '-', '_' and '.' only.
 */

/** The longest parameter name Systems Manager takes, counted with the ARN before it. */
const SSM_NAME_WITH_ARN_MAX = 1011;
/** The characters ECR takes in an image tag. */
const ECR_TAG = /^[a-zA-Z0-9-_.]+$/;

/**
 * Parameter Store: "The maximum length for a parameter name, including the full length of the parameter ARN, is
 * 1011 characters. For example, the length of the following parameter name is 65 characters, not 20 characters:
 * arn:aws:ssm:us-east-2:111222333444:parameter/ExampleParameterName". The parameter is created in the entry's
 * Region, in its account (an account ID has 12 digits, so the length is known whichever account it is).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
 */
export const ssmParameterArnLength: Rule = config => entriesOf(config).entries.flatMap(e => {
  const region = e.region;
  const partition = region === undefined ? undefined : partitionOf(region);
  if (region === undefined || partition === undefined || Token.isUnresolved(partition)) {
    return [];
  }
  return items(e.d.SsmParameterConfigurations).values.flatMap((raw, i): Finding[] => {
    const name = fields(raw).ParameterName;
    // Names over 1011 characters by themselves, or with characters SSM refuses, are the SsmParameterName rule's.
    if (!isStr(name) || name.length === 0 || name.length > SSM_NAME_WITH_ARN_MAX) {
      return [];
    }
    const prefix = `arn:${partition}:ssm:${region}:${'0'.repeat(12)}:parameter${name.startsWith('/') ? '' : '/'}`;
    const length = prefix.length + name.length;
    return length > SSM_NAME_WITH_ARN_MAX
      ? [at('SsmParameterArnLength', e, ['SsmParameterConfigurations', i, 'ParameterName'],
        t`${show(name.length > 60 ? `${name.slice(0, 60)}...` : name)} is ${name.length} characters, ${length} with its ARN (arn:${partition}:ssm:${region}:<account>:parameter...), which Parameter Store counts in the name's limit of ${SSM_NAME_WITH_ARN_MAX} (allowed here: a name of at most ${SSM_NAME_WITH_ARN_MAX - prefix.length} characters).`,
        t`shorten the parameter name by ${length - SSM_NAME_WITH_ARN_MAX} characters.`)]
      : [];
  });
});

/**
 * ECR refuses image tags outside `[a-zA-Z0-9-_.]` ("Invalid parameter at 'imageTag' failed to satisfy constraint:
 * 'must satisfy regular expression '[a-zA-Z0-9-_.]+''"); the API reference gives only their length (1 to 300).
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageIdentifier.html
 * @see https://github.com/alexjurkiewicz/ecr-scan-image/issues/40 (ECR's error message, quoted)
 */
export const containerTagCharacters: Rule = config => entriesOf(config).entries.flatMap(e => items(e.container.ContainerTags).values
  .flatMap((tag, i): Finding[] => {
    if (!isStr(tag) || tag.length === 0 || ECR_TAG.test(tag)) {
      return [];
    }
    const refused = [...new Set([...tag].filter(c => !/[a-zA-Z0-9-_.]/.test(c)))];
    return [at('ContainerTagCharacters', e, ['ContainerDistributionConfiguration', 'ContainerTags', i],
      t`${show(tag)} holds ${refused.map(c => show(c)).join(', ')}; ECR takes image tags of letters, digits, '-', '_' and '.' only.`,
      t`replace them, e.g. ${show(tag.replace(/[^a-zA-Z0-9-_.]/g, '-'))}.`)];
  }));

/**
 * KMS key IDs (a UUID, or `mrk-` and 32 hexadecimal digits for a multi-Region key), read loosely: letters, digits
 * and hyphens, so that only what can never be a key ID is a finding.
 */
const KMS_KEY_RESOURCE = /^key\/[a-zA-Z0-9-]+$/;
/** KMS `AliasNameType`: `alias/` and a name, 1 to 256 of `a-zA-Z0-9:/_-` in all. */
const KMS_ALIAS_RESOURCE = /^alias\/[a-zA-Z0-9:/_-]+$/;

/**
 * The key ARN or alias ARN EC2 passes to KMS for the copy: `arn:<partition>:kms:<region>:<account>:key/<key ID>`
 * or `...:alias/<alias name>`, a key ID being a UUID (or `mrk-` and 32 hexadecimal digits) and an alias name
 * 1 to 256 characters of letters, digits and `:/_-` (KMS's `AliasNameType`). Only ARNs known whole at synth are
 * read; the API model's own check (`KmsKeyArn`) takes any text starting with `arn:`.
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
 */
export const kmsKeyArnForm: Rule = (config, context) => entriesOf(config).entries.flatMap((e): Finding[] => {
  const text = literalText(e.ami.KmsKeyId, pseudoOf(context));
  if (text === undefined || text.includes(UNKNOWN) || !text.startsWith('arn:')) {
    return [];
  }
  const parts = text.split(':');
  const resource = parts.slice(5).join(':');
  const problems = [
    ...(parts.length < 6 || parts[2] !== 'kms' ? [`it is not an ARN of KMS (its service is ${show(parts[2] ?? '')})`] : []),
    ...(parts.length >= 6 && parts[2] === 'kms' && !/^[0-9]{12}$/.test(parts[4]) ? [`its account ${show(parts[4])} is not 12 digits`] : []),
    ...(parts.length >= 6 && parts[2] === 'kms' && !KMS_KEY_RESOURCE.test(resource) && !(KMS_ALIAS_RESOURCE.test(resource) && resource.length <= 256)
      ? [`${show(resource)} is neither key/<key ID> (a UUID, or mrk- and 32 hexadecimal digits) nor alias/<name> (letters, digits and ':/_-', 256 characters at most)`] : []),
  ];
  return problems.length > 0
    ? [at('KmsKeyArnForm', e, ['AmiDistributionConfiguration', 'KmsKeyId'],
      t`${show(text)} is not a KMS key ARN or alias ARN: ${problems.join('; ')} (allowed: arn:<partition>:kms:<region>:<account>:key/<key ID> or ...:alias/<alias name>).`,
      t`pass the key construct (kms.Key, kms.Alias), or copy the key's ARN from the KMS console.`)]
    : [];
});
