import { Token } from 'aws-cdk-lib';
import { Rule, at } from './context';
import { Finding, t } from './finding';
import { entriesOf, fields, isStr, items, show } from './shape';
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
