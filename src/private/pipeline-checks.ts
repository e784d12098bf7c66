import { CfnResource, Reference, Stack, Token, Tokenization, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { report } from './errors';
import { describeKey, isAwsManagedKeyId, resolveKey } from './key-reference';
import { CATALOG, RuleId } from './rules/catalog';
import { environmentMismatch, environmentOfArn, pipelinesOfTheAspect } from './rules/configuration-arn';
import { spell } from './rules/messages';
import { Obj, UNKNOWN, entriesOf, fields, fullyLiteral, isIntrinsic, isObj, isStr, items, literalText, show } from './rules/shape';
import { consumersOutsideOwner } from './rules/sharing';

/*
 * The image pipeline around a distribution: a `CfnImagePipeline` (written by hand, or by the alpha module's
 * `ImagePipeline`) names its recipe and its distribution configuration. The AMI the recipe builds is encrypted by
 * the recipe's block device mappings; the distribution shares and copies it. Both are read as CloudFormation
 * receives them, and followed only through references the app makes (`recipe.attrArn`, the construct's ARN), in
 * the pipeline's stack or from another stack; a hand-written ARN or a deploy-time value is never a finding.
 */

/** What a `DistributionConfiguration` says about its resource that the resource does not hold. */
interface DistributionFacts {
  /** How messages name the distribution: the construct's path. */
  readonly path: string;
  readonly sourceKey?: kms.IKey;
}

const constructFacts = new WeakMap<imagebuilder.CfnDistributionConfiguration, DistributionFacts>();

/** Records the construct's facts about its resource, for the pipelines that distribute with it. */
export function registerDistribution(resource: imagebuilder.CfnDistributionConfiguration, facts: DistributionFacts) {
  constructFacts.set(resource, facts);
}

const checked = new WeakSet<imagebuilder.CfnImagePipeline>();

/** Checks the pipeline's recipe against its distribution when the app is validated (once per pipeline). */
export function addPipelineValidation(pipeline: imagebuilder.CfnImagePipeline) {
  if (checked.has(pipeline)) {
    return;
  }
  checked.add(pipeline);
  pipelinesOfTheAspect.add(pipeline);
  pipeline.node.addValidation({
    validate: () => report(pipeline, checkPipeline(pipeline).map(f => ({ rule: f.rule, text: `[${f.rule}] ${f.text}`, level: CATALOG[f.rule].level }))),
  });
}

interface PipelineFinding {
  readonly rule: RuleId;
  readonly text: string;
}

/** How the recipe encrypts one of its block devices. */
interface RecipeEncryption {
  /** The CloudFormation path of the setting, from the recipe's `BlockDeviceMappings`. */
  readonly path: string;
  /** `key`: a key the recipe names; `awsManaged`: an AWS managed key; `default`: `Encrypted` without a key. */
  readonly kind: 'key' | 'awsManaged' | 'default';
  /** The `KmsKeyId` as CloudFormation receives it. */
  readonly value?: unknown;
}

/**
 * The rules of the pipeline (catalog: `RecipeSourceKey`, `RecipeAwsManagedKey`, `RecipeDefaultEbsKey`).
 *
 * - The recipe's `KmsKeyId` (a key ARN or an alias ARN) encrypts the AMI the build creates; the construct writes the
 *   statements consumers need on its `sourceKey`, so the two must be the same key, and a recipe that encrypts with
 *   a key needs `sourceKey` when the AMI is shared.
 * - AWS cannot share snapshots encrypted with an AWS managed key ("Snapshots encrypted with the AWS Managed CMK
 *   can't be shared"): a recipe that encrypts with `alias/aws/ebs` fails every copy into and share with another
 *   account, whatever key the distribution names. `Encrypted` without a key uses the account's default EBS key,
 *   `aws/ebs` unless the account changed it; and a recipe that does not encrypt gets it too when the build Region
 *   encrypts new volumes by default. Those account settings are invisible to `cdk synth`: the first is a warning,
 *   the second is not a finding.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-imagebuilder-imagerecipe-ebsinstanceblockdevicespecification.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-explicit.html
 * @see https://aws.amazon.com/premiumsupport/knowledge-center/image-builder-distr-error-encrypted-ami/
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
 */
function checkPipeline(pipeline: imagebuilder.CfnImagePipeline): PipelineFinding[] {
  const properties = renderedProperties(pipeline);
  const recipe = referencedResource(pipeline, properties.ImageRecipeArn, pipeline.imageRecipeArn);
  const distribution = referencedResource(pipeline, properties.DistributionConfigurationArn, pipeline.distributionConfigurationArn);
  const environment = distributionEnvironment(pipeline, properties.DistributionConfigurationArn, distribution);
  if (environment) {
    // A configuration of another Region or account: the rules below would compare the wrong things.
    return [environment];
  }
  if (!(recipe instanceof imagebuilder.CfnImageRecipe) || !(distribution instanceof imagebuilder.CfnDistributionConfiguration)) {
    return [];
  }
  const encryption = recipeEncryption(recipe);
  const facts = constructFacts.get(distribution);
  const owner = Stack.of(distribution).account;
  const shared = [...new Set(entriesOf(renderedProperties(distribution)).entries.flatMap(e => consumersOutsideOwner(e, owner)))];
  const recipeName = ownerPath(recipe);
  const distributionName = facts?.path ?? ownerPath(distribution);
  const where = `The image pipeline ${ownerPath(pipeline)} builds with the recipe ${recipeName} and distributes with ${distributionName}`;
  const sourceKeyProp = spell('sourceKey');
  const findings: PipelineFinding[] = [];

  // The construct's source key is the key the recipe encrypts with: its consumers get access to it.
  const mismatched = new Set<string>();
  if (facts?.sourceKey) {
    const sourceKey = facts.sourceKey;
    for (const e of encryption.filter(x => x.kind !== 'awsManaged')) {
      if (e.kind === 'default' || sameKey(pipeline, e.value, sourceKey) === false) {
        mismatched.add(e.path);
        const how = e.kind === 'key' ? `is ${keyName(recipe, e.value)}` : 'is true without a KmsKeyId (the account\'s default EBS key)';
        findings.push({
          rule: 'RecipeSourceKey',
          text: `${where}: ${recipeName} ${e.path} ${how}, but ${distributionName} has ${sourceKeyProp} ${describeKey(sourceKey)}, so the key-policy statements consumers need are written for a key that does not encrypt the AMI. `
            + `Fix: encrypt the recipe's block devices with ${describeKey(sourceKey)} (KmsKeyId), or pass the recipe's key as ${sourceKeyProp}.`,
        });
      }
    }
  } else if (facts && shared.length > 0) {
    const named = encryption.find(e => e.kind === 'key');
    if (named) {
      findings.push({
        rule: 'RecipeSourceKey',
        text: `${where}: ${recipeName} ${named.path} encrypts the AMI with ${keyName(recipe, named.value)}, but ${distributionName} has no ${sourceKeyProp}, so no key policy lets ${shared.join(', ')} use the key of the AMI they receive. `
          + `Fix: pass the recipe's key as ${sourceKeyProp}.`,
      });
    }
  }

  // Snapshots encrypted with an AWS managed key cannot be shared.
  if (shared.length > 0) {
    for (const e of encryption) {
      const setting = `${recipeName} ${e.path}`;
      if (e.kind === 'awsManaged') {
        findings.push({
          rule: 'RecipeAwsManagedKey',
          text: `${where}: ${setting} is ${literalText(e.value)}, an AWS managed key, and AWS cannot share snapshots encrypted with an AWS managed key, but the distribution shares the AMI with ${shared.join(', ')}. `
            + `Fix: encrypt the recipe's block devices with a customer managed key (KmsKeyId) and pass that key as the distribution's ${sourceKeyProp}.`,
        });
      } else if (e.kind === 'default' && !mismatched.has(e.path)) {
        findings.push({
          rule: 'RecipeDefaultEbsKey',
          text: `${where}: ${setting} is true without a KmsKeyId, so EBS encrypts with the account's default EBS key, the AWS managed key aws/ebs unless the build account set another default (cdk synth cannot see that account setting), and AWS cannot share snapshots encrypted with an AWS managed key, but the distribution shares the AMI with ${shared.join(', ')}. `
            + `Fix: set KmsKeyId next to it to a customer managed key and pass that key as the distribution's ${sourceKeyProp}.`,
        });
      }
    }
  }
  return findings;
}

/**
 * A pipeline takes a distribution configuration of its own Region and account: a configuration of the app in a
 * stack of another environment (a cross-Region reference), or a literal ARN of another Region or account.
 */
function distributionEnvironment(
  pipeline: imagebuilder.CfnImagePipeline, rendered: unknown, distribution: CfnResource | undefined,
): PipelineFinding | undefined {
  if (distribution instanceof imagebuilder.CfnDistributionConfiguration) {
    const stack = Stack.of(distribution);
    return environmentMismatch(pipeline, constructFacts.get(distribution)?.path ?? ownerPath(distribution), {
      region: Token.isUnresolved(stack.region) ? undefined : stack.region,
      account: Token.isUnresolved(stack.account) ? undefined : stack.account,
    });
  }
  const text = fullyLiteral(rendered) ?? literalText(rendered);
  return text === undefined ? undefined : environmentMismatch(pipeline, show(text.split(UNKNOWN).join('...')), environmentOfArn(rendered, Stack.of(pipeline)));
}

/** The encryption settings of the recipe's block device mappings that say something: a key, or `Encrypted`. */
function recipeEncryption(recipe: imagebuilder.CfnImageRecipe): RecipeEncryption[] {
  return items(renderedProperties(recipe).BlockDeviceMappings).values.flatMap((mapping, i): RecipeEncryption[] => {
    const ebs = fields(fields(mapping).Ebs);
    const path = `BlockDeviceMappings[${i}].Ebs`;
    if (ebs.KmsKeyId !== undefined) {
      const text = literalText(ebs.KmsKeyId);
      return [{ path: `${path}.KmsKeyId`, kind: text !== undefined && isAwsManagedKeyId(text) ? 'awsManaged' : 'key', value: ebs.KmsKeyId }];
    }
    return ebs.Encrypted === true || ebs.Encrypted === 'true' ? [{ path: `${path}.Encrypted`, kind: 'default' }] : [];
  });
}

/**
 * Whether a `KmsKeyId` names the key: the same reference (its ARN or ID), an alias of the app that targets it, or
 * the same literal key. `undefined` when that is known only at deploy time.
 */
function sameKey(scope: IConstruct, value: unknown, key: kms.IKey): boolean | undefined {
  const stack = Stack.of(scope);
  const forms = [key, resolveKey(key)].flatMap(k => [stack.resolve(k.keyArn), stack.resolve(k.keyId)]);
  if (forms.some(form => same(form, value))) {
    return true;
  }
  const literal = fullyLiteral(value);
  const literalForms = forms.map(fullyLiteral).filter(isStr);
  if (literal !== undefined) {
    return literalForms.length > 0 ? literalForms.some(form => keyIdOf(form) === keyIdOf(literal)) : undefined;
  }
  const target = referencedResource(scope, value, undefined);
  if (target instanceof kms.CfnAlias) {
    return forms.some(form => same(form, Stack.of(target).resolve(target.targetKeyId)));
  }
  // Another key or alias of this app: surely another key. Anything else is a deploy-time value.
  return target instanceof kms.CfnKey ? false : undefined;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The key ID of a key ARN (`arn:...:key/<id>`), or the text itself (a key ID, an alias name or ARN). */
function keyIdOf(text: string): string {
  const match = /:key\/(.+)$/.exec(text);
  return match ? match[1] : text;
}

/** How messages name a recipe's key: the path of the key of this app, or the value as written. */
function keyName(recipe: CfnResource, value: unknown): string {
  const target = referencedResource(recipe, value, undefined);
  if (target) {
    return ownerPath(target);
  }
  return literalText(value) !== undefined && fullyLiteral(value) !== undefined ? fullyLiteral(value)! : show(value);
}

/** A resource is named by its construct when it is the construct's own resource (`Stack/Key`, not `Stack/Key/Resource`). */
function ownerPath(resource: IConstruct): string {
  const owner = resource.node.scope;
  return owner && owner.node.defaultChild === resource ? owner.node.path : resource.node.path;
}

/**
 * The resource a property refers to: `{ "Fn::GetAtt": [id, ...] }` or `{ "Ref": id }` to a resource of the same
 * stack, or, from another stack, the resource of the reference the property holds (aws-cdk-lib renders it as
 * `Fn::ImportValue`).
 */
function referencedResource(from: IConstruct, rendered: unknown, raw: unknown): CfnResource | undefined {
  const stack = Stack.of(from);
  if (isObj(rendered) && isIntrinsic(rendered)) {
    const getAtt = rendered['Fn::GetAtt'];
    const id = Array.isArray(getAtt) ? getAtt[0] : rendered.Ref;
    if (isStr(id)) {
      return stack.node.findAll()
        .find((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === stack && stack.resolve(c.logicalId) === id);
    }
  }
  if (isStr(raw)) {
    const token = Tokenization.reverseString(raw).firstToken;
    if (token instanceof Reference && CfnResource.isCfnResource(token.target) && Stack.of(token.target) !== stack) {
      return token.target;
    }
  }
  return undefined;
}

/**
 * A resource's `Properties` as CloudFormation receives them (escape-hatch overrides included), tokens resolved to
 * intrinsic functions. `_toCloudFormation()` is how aws-cdk-lib renders every resource; none when it cannot.
 */
function renderedProperties(resource: CfnResource): Obj {
  const toCloudFormation = (resource as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  if (typeof toCloudFormation !== 'function') {
    return {};
  }
  let template: { Resources?: Record<string, { Properties?: Obj }> };
  try {
    template = Stack.of(resource).resolve(toCloudFormation.call(resource));
  } catch {
    // A resource aws-cdk-lib refuses to render fails the synthesis by itself; the pipeline is not followed through it.
    return {};
  }
  const [rendered] = Object.values(template.Resources ?? {});
  return fields(rendered?.Properties);
}
