import { Annotations, Arn, ArnFormat, Fn, IResource, Lazy, Names, Resource, Stack, Token, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { WARNING_PREFIX, addDistributionValidation, concreteAccountOf } from './distribution-checks';
import { canEditPolicy, describeKey, isAwsManagedKeyId, keyEnvironment, resolveKey } from './private/key-reference';
import { KeyWiring } from './private/key-wiring';
import { RegionDistribution } from './private/region-distribution';
import { renderRegion } from './private/render';
import { AmiDistributionSettings, ContainerDistributionOptions, RegionDistributionOptions } from './region-options';
import { validationError } from './validation-error';

/** An EC2 Image Builder distribution configuration. */
export interface IDistributionConfiguration extends IResource {
  /**
   * The ARN of the distribution configuration.
   *
   * @attribute
   */
  readonly distributionConfigurationArn: string;

  /**
   * The name of the distribution configuration.
   *
   * @attribute
   */
  readonly distributionConfigurationName: string;

  /** Grants the given actions on this distribution configuration to the principal. */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;

  /** Grants `imagebuilder:GetDistributionConfiguration` to the principal. */
  grantRead(grantee: iam.IGrantable): iam.Grant;
}

/** Properties of a `DistributionConfiguration`. The AMI settings are defaults for every `addRegion()`. */
export interface DistributionConfigurationProps extends AmiDistributionSettings {
  /**
   * Name of the distribution configuration: 3 to 128 letters, digits, `-`, `_` and spaces.
   *
   * @default - a name generated from the construct path
   */
  readonly distributionConfigurationName?: string;

  /**
   * Description of the distribution configuration (1 to 1024 characters).
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * Tags for the distribution configuration resource.
   *
   * @default - no tags
   */
  readonly tags?: { [key: string]: string };

  /**
   * The key that encrypts the AMI the build creates in the build Region (set by the recipe's block
   * device mappings). Every account, organization and OU that receives the AMI in any Region gets the
   * decrypt-side actions on it, and an encrypted AMI cannot be made public.
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
   * @default - the source AMI is not encrypted with a customer managed key
   */
  readonly sourceKey?: kms.IKey;
}

abstract class DistributionConfigurationBase extends Resource implements IDistributionConfiguration {
  public abstract readonly distributionConfigurationArn: string;
  public abstract readonly distributionConfigurationName: string;

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.distributionConfigurationArn] });
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, 'imagebuilder:GetDistributionConfiguration');
  }
}

/**
 * An EC2 Image Builder distribution configuration with typed, validated per-Region settings.
 *
 * ```ts
 * declare const euKey: kms.IKey;
 * new DistributionConfiguration(this, 'Distribution', {
 *   amiName: 'golden-{{ imagebuilder:buildDate }}',
 *   launchPermission: { accounts: ['222222222222'] },
 * })
 *   .addRegion('us-east-1')
 *   .addRegion('eu-west-1', { kmsKey: euKey });
 * ```
 *
 * Every mistake the service would reject is an error at `cdk synth` (see `DistributionChecks`), and
 * keys of this app get the key-policy statements every consumer needs.
 *
 * @resource AWS::ImageBuilder::DistributionConfiguration
 */
export class DistributionConfiguration extends DistributionConfigurationBase {
  /** Imports a distribution configuration by ARN. */
  public static fromDistributionConfigurationArn(scope: Construct, id: string, distributionConfigurationArn: string): IDistributionConfiguration {
    const name = Token.isUnresolved(distributionConfigurationArn)
      ? Fn.select(1, Fn.split('/', distributionConfigurationArn))
      : Arn.split(distributionConfigurationArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName!;
    return new ImportedDistributionConfiguration(scope, id, distributionConfigurationArn, name);
  }

  /** Imports a distribution configuration of the scope's account and Region by name. */
  public static fromDistributionConfigurationName(scope: Construct, id: string, distributionConfigurationName: string): IDistributionConfiguration {
    // Image Builder writes names in ARNs in lowercase, with spaces as hyphens.
    const arnName = Token.isUnresolved(distributionConfigurationName)
      ? distributionConfigurationName
      : distributionConfigurationName.toLowerCase().replace(/ /g, '-');
    const arn = Stack.of(scope).formatArn({ service: 'imagebuilder', resource: 'distribution-configuration', resourceName: arnName });
    return new ImportedDistributionConfiguration(scope, id, arn, distributionConfigurationName);
  }

  public readonly distributionConfigurationArn: string;
  public readonly distributionConfigurationName: string;

  private readonly defaults: AmiDistributionSettings;
  private readonly sourceKey?: kms.IKey;
  private readonly entries = new Map<string, RegionDistribution>();
  private readonly keys: KeyWiring;

  constructor(scope: Construct, id: string, props: DistributionConfigurationProps = {}) {
    super(scope, id, { physicalName: props.distributionConfigurationName });
    this.defaults = props;
    this.sourceKey = props.sourceKey;
    this.distributionConfigurationName = props.distributionConfigurationName
      ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });

    this.keys = new KeyWiring({ scope: this, sourceKey: props.sourceKey, entries: () => [...this.entries.values()] });

    const resource = new imagebuilder.CfnDistributionConfiguration(this, 'Resource', {
      name: this.distributionConfigurationName,
      description: props.description,
      tags: props.tags,
      distributions: Lazy.any({ produce: () => [...this.entries.values()].map(e => renderRegion(e, this.keys.kmsKeyIdOf(e.region))) }),
    });
    this.distributionConfigurationArn = this.getResourceArnAttribute(resource.attrArn, {
      service: 'imagebuilder',
      resource: 'distribution-configuration',
      resourceName: this.physicalName,
    });

    addDistributionValidation(this, resource, () => this.ruleContext());
    this.node.addValidation({ validate: () => this.warnAboutImportedKeys() });
  }

  /**
   * Distributes the AMI to a Region. Settings not given here are taken from the construct's props.
   * Returns the construct, so calls can be chained.
   */
  public addRegion(region: string, options: RegionDistributionOptions = {}): DistributionConfiguration {
    const entry = this.entryOf(region);
    entry.setAmi(options, this.defaults);
    this.keys.wireRegion(entry);
    return this;
  }

  /**
   * Distributes a container image to an ECR repository in a Region. A Region with both AMI and
   * container settings renders as one entry. Returns the construct, so calls can be chained.
   */
  public addContainerRegion(region: string, options: ContainerDistributionOptions): DistributionConfiguration {
    this.entryOf(region).setContainer(options);
    return this;
  }

  /**
   * The key-policy statements the KMS key of `region` needs for every account, organization and OU that
   * uses the AMI there, and (when another account owns the key) for this distribution's own account. When
   * the key is also the source key, or encrypts other Regions of this distribution, their statements are
   * included. The library adds them itself to keys this app owns; use this for keys whose policy is
   * managed elsewhere.
   */
  public requiredKeyPolicy(region: string): iam.PolicyDocument {
    const entry = this.entries.get(region);
    if (!entry?.ami) {
      throw validationError('UnknownRegion', `requiredKeyPolicy: Region ${region} has no AMI distribution settings; Regions added with addRegion(): ${[...this.entries.values()].filter(e => e.ami).map(e => e.region).join(', ') || 'none'}. Fix: call addRegion('${region}', ...) first.`, this);
    }
    if (!entry.kmsKey) {
      const owner = concreteAccountOf(this);
      return this.keys.requiredPolicy([this.keys.regionNeed(entry, owner)], owner, region);
    }
    const env = keyEnvironment(entry.kmsKey);
    return this.keys.requiredPolicy(this.keys.needsOn(entry.kmsKey), env.account, env.region ?? region);
  }

  /**
   * The key-policy statements the source key (the key of the AMI in the build Region) needs: for the
   * target accounts of every Region (each copy reads the source AMI), for the consumers with launch
   * permission in the build Region, and for this distribution's own account when another account owns
   * the key.
   */
  public requiredSourceKeyPolicy(): iam.PolicyDocument {
    if (!this.sourceKey) {
      const owner = concreteAccountOf(this);
      return this.keys.requiredPolicy(this.keys.sourceNeeds(owner), owner, this.stack.region);
    }
    const env = keyEnvironment(this.sourceKey);
    return this.keys.requiredPolicy(this.keys.needsOn(this.sourceKey), env.account, env.region ?? this.stack.region);
  }

  private entryOf(region: string): RegionDistribution {
    let entry = this.entries.get(region);
    if (!entry) {
      entry = new RegionDistribution(this, region);
      this.entries.set(region, entry);
    }
    return entry;
  }

  private ruleContext() {
    const keyRegions: Record<string, string | undefined> = {};
    for (const [region, entry] of this.entries) {
      keyRegions[region] = entry.kmsKey && (keyEnvironment(entry.kmsKey).region ?? (isImportedAlias(entry.kmsKey) ? region : undefined));
    }
    const sourceKeyName = this.sourceKey && describeKey(this.sourceKey);
    return {
      ownerAccount: concreteAccountOf(this),
      buildRegion: this.keys.buildRegion,
      keyRegions,
      sourceKey: sourceKeyName ? { name: sourceKeyName, awsManaged: isAwsManagedKeyId(sourceKeyName) } : undefined,
    };
  }

  /**
   * Keys this app cannot change (imported) that other accounts must use: a warning per key with the
   * statements to add to its policy. AWS managed keys are an error of their own (`AwsManagedKeyShared`).
   */
  private warnAboutImportedKeys(): string[] {
    for (const { key, uses } of this.keys.keysInUse()) {
      const name = describeKey(key);
      if (canEditPolicy(key) || isAwsManagedKeyId(name)) {
        continue;
      }
      const env = keyEnvironment(key);
      const document = this.keys.requiredPolicy(this.keys.needsOn(key), env.account, env.region ?? this.stack.region);
      if (document.isEmpty) {
        continue;
      }
      const statements = JSON.stringify(this.stack.resolve(document.toJSON()).Statement);
      Annotations.of(this.node.defaultChild!).addWarningV2(`${WARNING_PREFIX}ImportedKeyPolicy`,
        `The key ${name} (${uses.join(', ')}) is imported, so this app cannot add the statements its consumers need. Add these statements to its key policy (requiredKeyPolicy() and requiredSourceKeyPolicy() return them too): ${statements}`);
    }
    return [];
  }
}

/** An alias imported by name: used in each entry's own Region. */
function isImportedAlias(key: kms.IKey): boolean {
  const resolved = resolveKey(key);
  return !Resource.isOwnedResource(resolved) && typeof (resolved as kms.IAlias).aliasName === 'string';
}

class ImportedDistributionConfiguration extends DistributionConfigurationBase {
  constructor(
    scope: Construct,
    id: string,
    public readonly distributionConfigurationArn: string,
    public readonly distributionConfigurationName: string,
  ) {
    super(scope, id);
  }
}
