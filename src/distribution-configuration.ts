import { Annotations, Arn, Aspects, ArnFormat, Fn, IResource, Lazy, Names, Resource, Stack, Stage, Token, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms, interfaces } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { distributeStatements, grantFingerprint } from './private/distribute-grant';
import { registerDistributionModel, registerRenderedDistribution } from './private/distribution-registry';
import { constructionError, report } from './private/errors';
import { callNaming, checkAmiSettings, checkContainerOptions, checkInput, checkRegionOptions, propsNaming } from './private/input';
import { canEditPolicy, concrete, describeKey, isAlias, isAwsManagedKeyId, keyEnvironment, resolveKey } from './private/key-reference';
import { KeyWiring } from './private/key-wiring';
import { registerDistribution } from './private/pipeline-checks';
import { distributionTemplateFix, watchTemplateSize } from './private/policy-size';
import { KeyRecord, LibraryRecord, PREFLIGHT_METADATA } from './private/preflight-record';
import { RegionDistribution, targetAccessErrors } from './private/region-distribution';
import { renderRegion } from './private/render';
import { repositoryInfo, repositoryNameFor } from './private/repository-reference';
import { RuleContext, ackId } from './private/rules';
import { distributionConfigurationArnProblem, importedArnUseMessages } from './private/rules/configuration-arn';
import { distributeGranteeMessages } from './private/rules/distribute-grantee';
import { spell } from './private/rules/messages';
import { show } from './private/rules/shape';
import { RoleKeyNeed, organizationalUnitIdOfArn, registerRoleKeyNeeds } from './private/stack-set-keys';
import { addDistributionValidation } from './private/validation';
import { AmiDistributionSettings, ContainerDistributionOptions, RegionDistributionOptions } from './region-options';

/**
 * An EC2 Image Builder distribution configuration.
 *
 * It is also aws-cdk-lib's `IDistributionConfigurationRef`: pass it where an L1 takes one, such as
 * `CfnImagePipelineProps.distributionConfigurationArn`.
 */
export interface IDistributionConfiguration extends IResource, interfaces.aws_imagebuilder.IDistributionConfigurationRef {
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
   * device mappings). The target accounts of every Region (each copy reads the source AMI) and the
   * accounts, organizations and OUs with launch permission in the build Region get the key-policy
   * statements they need on it (`requiredSourceKeyPolicy()` lists them); consumers of other Regions use
   * their Region's `kmsKey`. An encrypted AMI cannot be made public.
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
   * @default - the source AMI is not encrypted with a customer managed key
   */
  readonly sourceKey?: kms.IKey;
}

abstract class DistributionConfigurationBase extends Resource implements IDistributionConfiguration {
  public abstract readonly distributionConfigurationArn: string;
  public abstract readonly distributionConfigurationName: string;

  /** A reference to this distribution configuration, for aws-cdk-lib's L1 resources. */
  public get distributionConfigurationRef(): interfaces.aws_imagebuilder.DistributionConfigurationReference {
    return { distributionConfigurationArn: this.distributionConfigurationArn };
  }

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
    checkInput(scope, `${spell('fromDistributionConfigurationArn')}() distributionConfigurationArn`, distributionConfigurationArn, 'string', true);
    const wrong = distributionConfigurationArnProblem(distributionConfigurationArn);
    if (wrong) {
      const region = distributionConfigurationArn.split(':')[3];
      throw constructionError('DistributionConfigurationArn', `${region ? `Region ${region}: ` : ''}${spell('fromDistributionConfigurationArn')}() distributionConfigurationArn ${JSON.stringify(distributionConfigurationArn)} ${wrong.problem}. Fix: ${wrong.fix}.`, scope);
    }
    const name = Token.isUnresolved(distributionConfigurationArn)
      ? Fn.select(1, Fn.split('/', distributionConfigurationArn))
      : Arn.split(distributionConfigurationArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName!;
    const imported = new ImportedDistributionConfiguration(scope, id, distributionConfigurationArn, name);
    // A pipeline of the app that distributes with it must be of its Region and account.
    imported.node.addValidation({ validate: () => report(imported, importedArnUseMessages(imported, distributionConfigurationArn)) });
    return imported;
  }

  /** Imports a distribution configuration of the scope's account and Region by name. */
  public static fromDistributionConfigurationName(scope: Construct, id: string, distributionConfigurationName: string): IDistributionConfiguration {
    const arn = Stack.of(scope).formatArn({ service: 'imagebuilder', resource: 'distribution-configuration', resourceName: arnNameOf(distributionConfigurationName) });
    return new ImportedDistributionConfiguration(scope, id, arn, distributionConfigurationName);
  }

  public readonly distributionConfigurationArn: string;
  public readonly distributionConfigurationName: string;

  private readonly defaults: AmiDistributionSettings;
  private readonly sourceKey?: kms.IKey;
  private readonly entries = new Map<string, RegionDistribution>();
  private readonly repositoryNames = new Map<string, string>();
  private readonly keys: KeyWiring;

  constructor(scope: Construct, id: string, props: DistributionConfigurationProps = {}) {
    checkProps(scope, id, props);
    // A name is always set, so that other environments can name the configuration (grants, pipelines).
    const name = props.distributionConfigurationName ?? generatedName(scope, id);
    super(scope, id, { physicalName: name });
    this.defaults = props;
    this.sourceKey = props.sourceKey;
    this.distributionConfigurationName = name;
    this.keys = new KeyWiring({ scope: this, sourceKey: props.sourceKey, entries: () => [...this.entries.values()] });

    const resource = new imagebuilder.CfnDistributionConfiguration(this, 'Resource', {
      name,
      description: props.description,
      tags: props.tags,
      distributions: Lazy.any({ produce: () => this.rendered() }),
    });
    this.distributionConfigurationArn = this.getResourceArnAttribute(resource.attrArn, {
      service: 'imagebuilder',
      resource: 'distribution-configuration',
      resourceName: arnNameOf(name),
    });

    addDistributionValidation(this, resource, () => this.ruleContext(), {
      audience: 'construct',
      originOf: (index, setting) => this.entryAt(index)?.originOf(setting) ?? 'default',
      callOf: index => (this.entryAt(index)?.ami ? 'addRegion' : 'addContainerRegion'),
    });
    this.node.addValidation({ validate: () => this.warnAboutImportedKeys() });
    this.node.addValidation({ validate: () => targetAccessErrors(this, props, [...this.entries.values()], `DistributionConfiguration '${id}' props ${spell('targetAccountKeyAccess')}`) });
    // Before aws-cdk-lib resolves cross-stack references (aspects run first), so that a value of this stack in
    // another stack's key policy is the library's error, not aws-cdk-lib's cyclic reference.
    Aspects.of(this).add({ visit: node => (node === this ? this.keys.checkDeployTimeValues() : undefined) });
    // The image pipelines that distribute with it compare their recipe's key with the source key (DistributionChecks).
    registerDistribution(resource, { path: this.node.path, sourceKey: props.sourceKey });
    // A DistributionLifecycle reads which Regions, accounts, launch templates and parameters receive the AMIs.
    registerDistributionModel(this, () => [...this.entries.values()]);
    // ReleaseRings splits exactly these entries into its rings' workflow inputs.
    registerRenderedDistribution(this, () => this.rendered());
    // The template as written, against CloudFormation's 1 MB: account lists of many Regions add up.
    watchTemplateSize(this.stack, distributionTemplateFix);
    // What `cdk-imagebuilder-distribution preflight` reads from the cloud assembly (construct metadata, not the template).
    resource.node.addMetadata(PREFLIGHT_METADATA, Lazy.any({ produce: () => this.preflightRecord(resource) }));
    // The keys the role of a CrossAccountDistributionRoleStackSet of this app must have (StackSetKeyRegion).
    registerRoleKeyNeeds(this, () => this.roleKeyNeeds());
  }

  /** The entries of `Distributions`, each Region's key wired. */
  private rendered() {
    return [...this.entries.values()].map(e => renderRegion(e, this.keys.kmsKeyIdOf(e.region), this.repositoryNames.get(e.region)));
  }

  /**
   * The keys the target-account role must use, for the Regions whose target accounts are known to be in OUs of the
   * organization: those whose keys let only the organization's (or the OUs') accounts copy.
   */
  private roleKeyNeeds(): RoleKeyNeed[] {
    const sourceAccount = concrete(this.stack.account);
    return [...this.entries.values()].flatMap(e => {
      const access = e.ami?.targetAccountKeyAccess;
      const targets = Array.isArray(e.ami?.targetAccounts) ? e.ami!.targetAccounts.filter(t => t !== sourceAccount) : [];
      const arns = access?._organizationalUnitArns ?? [];
      if (access?._kind !== 'organization' || targets.length === 0 || !Array.isArray(arns)) {
        return [];
      }
      const organizationalUnitIds = arns.map(organizationalUnitIdOfArn).filter((u): u is string => u !== undefined);
      const keys = [
        ...(e.kmsKey ? [{ key: e.kmsKey, use: `the key of Region ${e.region}`, region: e.region }] : []),
        ...(this.sourceKey ? [{ key: this.sourceKey, use: 'the source key', region: this.keys.buildRegion ?? e.region }] : []),
      ];
      return keys.map(k => ({ ...k, sourceAccount, organizationalUnitIds }));
    });
  }

  /**
   * Distributes the AMI to a Region. Settings not given here are taken from the construct's props.
   * Returns the construct, so calls can be chained.
   */
  public addRegion(region: string, options: RegionDistributionOptions = {}): DistributionConfiguration {
    this.checkNotSynthesized('addRegion', region);
    checkInput(this, `${spell('addRegion')}() region`, region, 'string', true);
    checkRegionOptions(this, callNaming('addRegion', region), options);
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
    this.checkNotSynthesized('addContainerRegion', region);
    checkInput(this, `${spell('addContainerRegion')}() region`, region, 'string', true);
    checkContainerOptions(this, callNaming('addContainerRegion', region), options);
    this.entryOf(region).setContainer(options);
    this.repositoryNames.set(region, repositoryNameFor(this, region, options.repository));
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
      throw constructionError('RegionNotAdded', `requiredKeyPolicy: Region ${region} has no AMI distribution settings; Regions added with addRegion(): ${[...this.entries.values()].filter(e => e.ami).map(e => e.region).join(', ') || 'none'}. Fix: add the Region (addRegion) first.`, this);
    }
    if (!entry.kmsKey) {
      const owner = concrete(this.stack.account);
      return this.keys.requiredPolicy([this.keys.regionNeed(entry, owner)], owner, region);
    }
    return this.keys.requiredPolicyOn(entry.kmsKey, region);
  }

  /**
   * The key-policy statements the source key (the key of the AMI in the build Region) needs: for the
   * target accounts of every Region (each copy reads the source AMI), for the consumers with launch
   * permission in the build Region, and for this distribution's own account when another account owns
   * the key.
   */
  public requiredSourceKeyPolicy(): iam.PolicyDocument {
    if (!this.sourceKey) {
      const owner = concrete(this.stack.account);
      return this.keys.requiredPolicy(this.keys.sourceNeeds(owner), owner, this.stack.region);
    }
    return this.keys.requiredPolicyOn(this.sourceKey, this.stack.region);
  }

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    this.checkNotSynthesized('grant');
    return super.grant(grantee, ...actions);
  }

  /**
   * Grants the execution role of this distribution what Image Builder does with it: the role you pass to
   * `DistributeImage` (distribute an existing AMI again), the role of the image a `RetryImage` retries, or the
   * execution role of an image pipeline with custom workflows. The role must trust `imagebuilder.amazonaws.com`
   * and belong to this distribution's account.
   *
   * The statements are limited to this distribution: `ec2:CopyImage` of the source AMI in the build Region into
   * its Regions, tags on the copies (on their images and snapshots as `CopyImage` creates them, and later only on
   * images tagged `CreatedBy: EC2 Image Builder` already: never that tag on an existing AMI or snapshot, which
   * would let the role share it), launch permissions (`ec2:ModifyImageAttribute`, `ec2:ModifySnapshotAttribute`)
   * on Image Builder's images and snapshots in its Regions,
   * the KMS copy actions through EC2 on its Regions' keys and the source key (`kms:CreateGrant` only for AWS
   * resources), `sts:AssumeRole` on `EC2ImageBuilderDistributionCrossAccountRole` of its target accounts and of
   * the accounts of its launch templates, parameters and fast launch settings, `ssm:PutParameter` on its SSM
   * parameters of this account, new versions of its launch templates of this account, fast launch in the
   * Regions that configure it, its license configurations, and Image Builder's log groups
   * (`/aws/imagebuilder/*`) in the build Region. They are derived from the policies AWS wrote for the same work,
   * limited to this distribution's resources.
   *
   * Call it after the last `addRegion()`: it grants what the distribution has then (synth fails when a Region or
   * setting was added later). Copies of Regions without `kmsKey` use the account's default EBS key, which needs no
   * grant when it is the AWS managed key. Container distributions (`addContainerRegion`) are not covered:
   * `DistributeImage` and `RetryImage` distribute AMIs. An imported distribution configuration
   * (`fromDistributionConfigurationArn`) has no `grantDistribute()`: its Regions and keys are not known.
   *
   * Whoever may pass the role (`iam:PassRole`) and call `imagebuilder:DistributeImage` can distribute any AMI of
   * the account with this configuration's sharing: grant those to the people and pipelines that distribute.
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_DistributeImage.html
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/distribution-enhanced_functionality.html
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/pipeline-workflows.html
   * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForImageBuilder.html
   * @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/EC2ImageBuilderExecutionPolicy.html
   */
  public grantDistribute(grantee: iam.IGrantable): iam.Grant {
    this.checkNotSynthesized('grant');
    const model = { scope: this, entries: [...this.entries.values()], sourceKey: this.sourceKey };
    const principal = grantee.grantPrincipal;
    const principalScope = Construct.isConstruct(principal) ? principal : this;
    let grant: iam.Grant | undefined;
    for (const statement of distributeStatements(model, principalScope)) {
      const { actions, resources: resourceArns, conditions } = statement;
      const added = iam.Grant.addToPrincipal({ grantee, actions, resourceArns, conditions });
      grant = grant ? grant.combine(added) : added;
    }
    // The grantee must be a role Image Builder can be given (its account, its trust policy).
    this.node.addValidation({ validate: () => report(this, distributeGranteeMessages(this, grantee)) });
    const granted = grantFingerprint(model);
    this.node.addValidation({
      validate: () => (grantFingerprint({ ...model, entries: [...this.entries.values()] }) === granted ? [] : [
        `grantDistribute() was called before the last addRegion(): the execution role lacks what was added after it, so a distribution with it would fail. Fix: call ${spell('grantDistribute')}() after every ${spell('addRegion')}() call.`,
      ]),
    });
    return grant!;
  }

  /**
   * A change after the app was synthesized would be silently missing from the templates: aws-cdk-lib writes an
   * app once (a second `synth()` returns the first assembly), and the change adds no construct it would notice.
   */
  private checkNotSynthesized(call: 'addRegion' | 'addContainerRegion' | 'grant', region?: unknown) {
    if (!wasSynthesized(this)) {
      return;
    }
    const what = call === 'grant' ? `${spell('grant')}()` : `${spell(call)}(${show(region)}, ...)`;
    throw constructionError('ModifiedAfterSynthesis', `${what} was called after the app was synthesized (app.synth(), or Template.fromStack() in a test): the templates are written already, so the change would be silently left out. Fix: make every ${spell('addRegion')}(), ${spell('addContainerRegion')}() and ${spell('grant')}() call before synthesizing; in tests, build a new App for each variation.`, this);
  }

  private entryOf(region: string): RegionDistribution {
    let entry = this.entries.get(region);
    if (!entry) {
      entry = new RegionDistribution(this, region);
      this.entries.set(region, entry);
    }
    return entry;
  }

  private entryAt(index: number): RegionDistribution | undefined {
    return [...this.entries.values()][index];
  }

  /** What the rules need to know that the template does not say, per entry index. */
  private ruleContext(): RuleContext {
    const keyRegions: Record<number, string | 'unknown' | undefined> = {};
    const repositories: Record<number, { region?: string; name: string }> = {};
    const keyProblems: Record<number, string> = {};
    [...this.entries.values()].forEach((entry, index) => {
      if (entry.kmsKey) {
        keyRegions[index] = keyRegionOf(entry.kmsKey, entry.region);
        const problem = keyProblemOf(entry.kmsKey);
        if (problem) {
          keyProblems[index] = problem;
        }
      }
      if (entry.container) {
        repositories[index] = repositoryInfo(entry.container.repository);
      }
    });
    const sourceKeyName = this.sourceKey && describeKey(this.sourceKey);
    return {
      ownerAccount: concrete(this.stack.account),
      buildRegion: this.keys.buildRegion,
      keyRegions,
      keyName: index => {
        const key = this.entryAt(index)?.kmsKey;
        return key && describeKey(key);
      },
      keyProblems,
      sourceKeyProblem: this.sourceKey && keyProblemOf(this.sourceKey),
      repositories,
      sourceKey: this.sourceKey && sourceKeyName
        ? { name: sourceKeyName, awsManaged: isAwsManagedKeyId(sourceKeyName), region: keyRegionOf(this.sourceKey, this.stack.region) }
        : undefined,
    };
  }

  /** The keys the preflight command checks in the live accounts, with the statements they need (see src/cli/preflight). */
  private preflightRecord(resource: imagebuilder.CfnDistributionConfiguration): LibraryRecord {
    return {
      version: 1,
      logicalId: resource.logicalId,
      keys: this.keys.keysInUse().map(({ key, regions, source }): KeyRecord => {
        if (canEditPolicy(key)) {
          return { regions, source, managedByApp: true };
        }
        const document = this.keys.requiredPolicyOn(key, this.stack.region);
        return { regions, source, managedByApp: false, keyArn: key.keyArn, requiredStatements: document.toJSON()?.Statement ?? [] };
      }),
      // Where the key policies let only target accounts of the organization (and OUs) copy: preflight checks that
      // the OUs exist and that every target account is under one of them.
      targetAccess: [...this.entries.values()].flatMap(e => {
        const access = e.ami?.targetAccountKeyAccess;
        const units = access?._organizationalUnitArns ?? [];
        // Input of another shape is the construct's error (targetAccessErrors), not the record's.
        const wellTyped = typeof access?._organizationArn === 'string' && Array.isArray(units) && units.every(u => typeof u === 'string');
        return access?._kind === 'organization' && wellTyped && Array.isArray(e.ami?.targetAccounts) && e.ami!.targetAccounts.length > 0
          ? [{
            region: this.stack.resolve(e.region),
            organizationArn: this.stack.resolve(access._organizationArn),
            organizationalUnitArns: this.stack.resolve(units),
          }]
          : [];
      }),
    };
  }

  /**
   * Keys this app cannot change (imported) that other accounts must use: a warning per key with the
   * statements to add to its policy. AWS managed keys are an error of their own (`AwsManagedKeyShared`).
   */
  private warnAboutImportedKeys(): string[] {
    for (const { key, uses } of this.keys.keysInUse()) {
      if (canEditPolicy(key)) {
        continue;
      }
      const name = describeKey(key);
      if (isAwsManagedKeyId(name)) {
        continue;
      }
      const document = this.keys.requiredPolicyOn(key, this.stack.region);
      if (document.isEmpty) {
        continue;
      }
      const statements = JSON.stringify(this.stack.resolve(document.toJSON()).Statement);
      Annotations.of(this.node.defaultChild!).addWarningV2(ackId('ImportedKeyPolicy'),
        `[ImportedKeyPolicy] The key ${name} (${uses.join(', ')}) is imported, so this app cannot add the statements its consumers need. Add these statements to its key policy (requiredKeyPolicy() and requiredSourceKeyPolicy() return them too): ${statements}`);
    }
    return [];
  }
}

/**
 * The Region of a Region's key: its stack's (`unknown` for a stack without an explicit Region), its ARN's, or,
 * for an alias imported by name, the entry's own Region (its ARN is written in that Region).
 */
function keyRegionOf(key: kms.IKey, entryRegion: string): string | 'unknown' | undefined {
  const resolved = resolveKey(key);
  if (Resource.isOwnedResource(resolved)) {
    return keyEnvironment(resolved).region ?? 'unknown';
  }
  return isAlias(resolved) ? entryRegion : keyEnvironment(resolved).region;
}

/** Why a key of this app cannot encrypt EBS snapshots: disabled, or not a symmetric encryption key. */
function keyProblemOf(key: kms.IKey): string | undefined {
  const resolved = resolveKey(key);
  const cfn = resolved instanceof kms.Key ? resolved.node.defaultChild as kms.CfnKey : undefined;
  if (!cfn) {
    return undefined;
  }
  const literal = (v: unknown) => (typeof v === 'string' && !Token.isUnresolved(v) ? v : undefined);
  const spec = literal(cfn.keySpec);
  const usage = literal(cfn.keyUsage);
  if (cfn.enabled === false) {
    return 'is disabled';
  }
  if (spec && spec !== 'SYMMETRIC_DEFAULT') {
    return `has the key spec ${spec}`;
  }
  return usage && usage !== 'ENCRYPT_DECRYPT' ? `has the key usage ${usage}` : undefined;
}

/**
 * Whether the app (or a stage) holding `scope` was synthesized: aws-cdk-lib keeps the cloud assembly of a
 * stage's first synthesis (`Stage.synth()` returns it again unless forced).
 */
function wasSynthesized(scope: Construct): boolean {
  // Stage.of() of a stage is the stage around it.
  for (let stage = Stage.of(scope); stage; stage = Stage.of(stage)) {
    if ((stage as unknown as { assembly?: unknown }).assembly !== undefined) {
      return true;
    }
  }
  return false;
}

/** The props' types, checked before they are used (see private/input.ts). */
function checkProps(scope: Construct, id: string, props: DistributionConfigurationProps) {
  const name = propsNaming('DistributionConfiguration', id);
  checkInput(scope, name('props'), props, 'object');
  checkInput(scope, name('distributionConfigurationName'), props.distributionConfigurationName, 'string');
  checkInput(scope, name('description'), props.description, 'string');
  checkInput(scope, name('tags'), props.tags, 'string map');
  checkInput(scope, name('sourceKey'), props.sourceKey, 'construct');
  checkAmiSettings(scope, name, props);
}

/** The name in the configuration's ARN: Image Builder writes it in lowercase, with spaces as hyphens. */
function arnNameOf(name: string): string {
  return Token.isUnresolved(name) ? name : name.toLowerCase().replace(/ /g, '-');
}

/** A name for a configuration without one: unique in the app, valid for Image Builder (3 to 128 characters). */
function generatedName(scope: Construct, id: string): string {
  const idPart = id.replace(/[^-_A-Za-z0-9]/g, '-').slice(0, 60);
  return `${Names.uniqueResourceName(scope, { maxLength: 126 - idPart.length, separator: '-' })}-${idPart}`;
}

class ImportedDistributionConfiguration extends DistributionConfigurationBase {
  constructor(
    scope: Construct,
    id: string,
    public readonly distributionConfigurationArn: string,
    public readonly distributionConfigurationName: string,
  ) {
    // The account and Region of an imported ARN are the configuration's own, not the importing stack's.
    super(scope, id, { environmentFromArn: distributionConfigurationArn });
  }
}
