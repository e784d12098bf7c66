import { CfnResource, IResource, Lazy, Resource, Stack, aws_iam as iam, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { IDistributionConfiguration } from './distribution-configuration';
import { constructionError, report } from './private/errors';
import { checkInput, propsNaming } from './private/input';
import { LIFECYCLE_MANAGED_POLICY } from './private/lifecycle-role';
import { LIFECYCLE_METADATA, LifecycleRecord } from './private/preflight-record';
import { LifecycleFinding, checkLifecycleShape, includedResources, lifecycleDistributionFindings } from './private/rules/lifecycle';

/** What a lifecycle rule does to the images it selects. */
export enum LifecycleAction {
  /**
   * Deprecates the image resource and, with `includeAmis`, its distributed AMIs (they stay launchable, but
   * are hidden from `DescribeImages` for accounts that do not own them unless asked for).
   */
  DEPRECATE = 'DEPRECATE',
  /**
   * Disables the image resource and, with `includeAmis`, its distributed AMIs: no account can launch them
   * any more, Auto Scaling groups and the accounts they were shared with included.
   */
  DISABLE = 'DISABLE',
  /** Deletes the image resource and, by default, its distributed AMIs and their snapshots (or container images). */
  DELETE = 'DELETE',
}

/** The unit of an age. */
export enum LifecycleTimeUnit {
  DAYS = 'DAYS',
  WEEKS = 'WEEKS',
  MONTHS = 'MONTHS',
  YEARS = 'YEARS',
}

/** Which images a rule acts on: by age, or all but the newest N. */
export class LifecycleFilter {
  /**
   * Images older than `value` `unit`s. For a DELETE rule, `retainAtLeast` keeps that many of the newest images
   * even when they are older (1 to 10).
   *
   * @param value 1 to 1000
   */
  public static age(value: number, unit: LifecycleTimeUnit, retainAtLeast?: number): LifecycleFilter {
    return new LifecycleFilter('AGE', value, unit, retainAtLeast);
  }

  /**
   * All but the newest `keep` images (DELETE rules only: Image Builder takes a count only for DELETE).
   *
   * @param keep 1 to 1000
   */
  public static count(keep: number): LifecycleFilter {
    return new LifecycleFilter('COUNT', keep);
  }

  private constructor(
    /** `AGE` or `COUNT`. */
    public readonly type: string,
    /** The age, or the number of images kept. */
    public readonly value: number,
    /** The unit of an age. */
    public readonly unit?: LifecycleTimeUnit,
    /** For an age filter of a DELETE rule: the newest images always kept. */
    public readonly retainAtLeast?: number,
  ) {}
}

/** Images or AMIs a rule leaves alone. */
export interface LifecycleExclusions {
  /**
   * Image Builder image resources with any of these tags (key and value) are left alone, with their AMIs.
   *
   * @default - none
   */
  readonly imageTags?: { [key: string]: string };

  /**
   * AMIs with any of these tags (key and value) are left alone. The image resource is still acted on.
   *
   * @default - none
   */
  readonly amiTags?: { [key: string]: string };

  /**
   * AMIs in these Regions are left alone.
   *
   * @default - none
   */
  readonly amiRegions?: string[];

  /**
   * AMIs shared with any of these accounts are left alone.
   *
   * @default - none
   */
  readonly amiSharedAccounts?: string[];

  /**
   * Public AMIs are left alone.
   *
   * @default false
   */
  readonly publicAmis?: boolean;

  /**
   * AMIs launched within this many `amiLastLaunchedUnit`s are left alone (1 to 365). AWS records the last launch
   * with a delay of up to 24 hours, and an Auto Scaling group that has not scaled lately has not launched the AMI:
   * this is no proof that nothing uses it (use `cdk-imagebuilder-distribution retire`, which reads references).
   *
   * @default - no exclusion by last launch
   */
  readonly amiLastLaunchedWithin?: number;

  /**
   * The unit of `amiLastLaunchedWithin`.
   *
   * @default LifecycleTimeUnit.DAYS
   */
  readonly amiLastLaunchedUnit?: LifecycleTimeUnit;
}

/** One rule of a lifecycle policy: what to do, to which images, except which. */
export interface LifecycleRule {
  /** What the rule does. */
  readonly action: LifecycleAction;

  /** Which images it acts on: `LifecycleFilter.age(...)` or `LifecycleFilter.count(...)` (DELETE only). */
  readonly filter: LifecycleFilter;

  /**
   * Whether the action extends to the distributed AMIs (for DEPRECATE and DISABLE: their status; for DELETE:
   * deregistration). Without it a DELETE removes only Image Builder's record and the AMIs keep billing.
   *
   * @default true for an AMI policy
   */
  readonly includeAmis?: boolean;

  /**
   * With a DELETE of the AMIs: delete their snapshots too (otherwise the snapshots keep billing).
   *
   * @default true for an AMI policy's DELETE rule
   */
  readonly includeSnapshots?: boolean;

  /**
   * For a container policy's DELETE rule: delete the distributed container images too.
   *
   * @default true for a container policy
   */
  readonly includeContainers?: boolean;

  /**
   * What the rule leaves alone.
   *
   * @default - nothing
   */
  readonly exclusions?: LifecycleExclusions;
}

/** A recipe whose images a policy governs. */
export interface LifecycleRecipe {
  /** The recipe's name. */
  readonly name: string;

  /**
   * Its version, with `x` for any part (`1.x.x`).
   *
   * @default 'x.x.x'
   */
  readonly semanticVersion?: string;
}

/** The type of image a policy governs. */
export enum LifecycleResourceType {
  AMI_IMAGE = 'AMI_IMAGE',
  CONTAINER_IMAGE = 'CONTAINER_IMAGE',
}

/** Properties of a `DistributionLifecycle`. */
export interface DistributionLifecycleProps {
  /**
   * The distribution configurations whose images the policy governs. They do not select images (Image Builder
   * selects by `recipes` or `imageTags`); the library reads them to check the policy against what they distribute:
   * launch templates and SSM parameters that would point at disabled or deleted AMIs, copies in target accounts
   * without the lifecycle role, tags that are AMI tags.
   */
  readonly distributions: IDistributionConfiguration[];

  /**
   * The recipes whose images the policy governs (1 to 50). Give `recipes` or `imageTags`, not both.
   *
   * @default - select by `imageTags`
   */
  readonly recipes?: LifecycleRecipe[];

  /**
   * Image Builder image resources with any of these tags are governed (the pipeline's `imageTags`, not the AMI
   * tags of the distribution). Give `recipes` or `imageTags`, not both.
   *
   * @default - select by `recipes`
   */
  readonly imageTags?: { [key: string]: string };

  /** The rules: at most one per action (DEPRECATE, DISABLE, DELETE). */
  readonly rules: LifecycleRule[];

  /**
   * The type of image the policy governs.
   *
   * @default LifecycleResourceType.AMI_IMAGE
   */
  readonly resourceType?: LifecycleResourceType;

  /**
   * The role Image Builder runs the policy as.
   *
   * @default - a role trusting Image Builder with the AWS managed policy `EC2ImageBuilderLifecycleExecutionPolicy`
   */
  readonly executionRole?: iam.IRole;

  /**
   * The policy's name (3 to 128 letters, digits, hyphens, underscores and inner spaces).
   *
   * @default - a name generated from the construct's path
   */
  readonly lifecyclePolicyName?: string;

  /**
   * A description.
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * Whether the policy runs.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Tags of the policy.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** An Image Builder lifecycle policy. */
export interface IDistributionLifecycle extends IResource {
  /** The policy's ARN. @attribute */
  readonly lifecyclePolicyArn: string;
}

/**
 * An Image Builder lifecycle policy that knows the distributions whose images it retires: typed rules
 * (deprecate, disable, delete; by age or count), a DELETE that removes the AMIs and their snapshots by default,
 * an execution role with AWS's managed policy, and synth checks against what the distributions write.
 *
 * Copies in target accounts are retired only where the account has the role
 * `Ec2ImageBuilderCrossAccountLifecycleAccess` (`lifecycle: true` on `CrossAccountDistributionRole` or
 * `CrossAccountDistributionRoleStackSet`). Image Builder never repoints launch templates or SSM parameters and
 * never checks whether something still uses an AMI: `cdk-imagebuilder-distribution retire` does.
 *
 * ```ts
 * declare const distribution: DistributionConfiguration;
 * new DistributionLifecycle(this, 'Lifecycle', {
 *   distributions: [distribution],
 *   recipes: [{ name: 'golden-ami' }],
 *   rules: [
 *     { action: LifecycleAction.DEPRECATE, filter: LifecycleFilter.age(30, LifecycleTimeUnit.DAYS) },
 *     { action: LifecycleAction.DELETE, filter: LifecycleFilter.age(90, LifecycleTimeUnit.DAYS, 3) },
 *   ],
 * });
 * ```
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle.html
 */
export class DistributionLifecycle extends Resource implements IDistributionLifecycle {
  public readonly lifecyclePolicyArn: string;

  /** The role Image Builder runs the policy as. */
  public readonly executionRole: iam.IRole;

  /** The L1 resource. */
  public readonly resource: imagebuilder.CfnLifecyclePolicy;

  constructor(scope: Construct, id: string, props: DistributionLifecycleProps) {
    super(scope, id);
    const named = propsNaming('DistributionLifecycle', id);
    checkInput(this, named('props'), props, 'object', true);
    checkInput(this, named('distributions'), props.distributions, 'construct list', true);
    checkInput(this, named('recipes'), props.recipes, 'object list');
    checkInput(this, named('imageTags'), props.imageTags, 'string map');
    checkInput(this, named('rules'), props.rules, 'object list', true);
    checkInput(this, named('lifecyclePolicyName'), props.lifecyclePolicyName, 'string');
    checkInput(this, named('description'), props.description, 'string');
    checkInput(this, named('enabled'), props.enabled, 'boolean');
    checkInput(this, named('tags'), props.tags, 'string map');
    const resourceType = props.resourceType ?? LifecycleResourceType.AMI_IMAGE;
    const name = props.lifecyclePolicyName ?? generatedName(this);
    const problem = checkLifecycleShape(props, resourceType, name);
    if (problem) {
      throw constructionError(problem.rule, `DistributionLifecycle '${id}': ${problem.text}`, this);
    }

    this.executionRole = props.executionRole ?? new iam.Role(this, 'ExecutionRole', {
      description: 'Lets EC2 Image Builder run the lifecycle policy',
      assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(LIFECYCLE_MANAGED_POLICY)],
    });

    this.resource = new imagebuilder.CfnLifecyclePolicy(this, 'Resource', {
      name,
      description: props.description,
      status: props.enabled === false ? 'DISABLED' : 'ENABLED',
      executionRole: this.executionRole.roleArn,
      resourceType,
      resourceSelection: props.recipes
        ? { recipes: props.recipes.map(r => ({ name: r.name, semanticVersion: r.semanticVersion ?? 'x.x.x' })) }
        : { tagMap: props.imageTags },
      policyDetails: props.rules.map(rule => renderRule(rule, resourceType)),
      tags: props.tags,
    });
    this.lifecyclePolicyArn = this.resource.attrArn;
    // What `cdk-imagebuilder-distribution preflight` reads: the distributions whose target accounts need the lifecycle role.
    const resource = this.resource;
    resource.node.addMetadata(LIFECYCLE_METADATA, Lazy.any({
      produce: (): LifecycleRecord => ({
        version: 1,
        logicalId: Stack.of(resource).resolve(resource.logicalId),
        amis: resourceType === LifecycleResourceType.AMI_IMAGE,
        distributions: props.distributions.flatMap(d => {
          // Imported distributions have no resource of this app: the preflight cannot read their target accounts.
          const cfn = d.node.defaultChild;
          return CfnResource.isCfnResource(cfn) && cfn.cfnResourceType === 'AWS::ImageBuilder::DistributionConfiguration'
            ? [{ stack: Stack.of(cfn).node.path, logicalId: Stack.of(cfn).resolve(cfn.logicalId) }]
            : [];
        }),
      }),
    }));

    this.node.addValidation({
      validate: () => report(this, lifecycleDistributionFindings(this, props, resourceType).map((f: LifecycleFinding) => ({
        rule: f.rule,
        level: f.level,
        text: `[${f.rule}] DistributionLifecycle '${id}': ${f.text}`,
      }))),
    });
  }
}

function renderRule(rule: LifecycleRule, resourceType: LifecycleResourceType): imagebuilder.CfnLifecyclePolicy.PolicyDetailProperty {
  const include = includedResources(rule, resourceType);
  const e = rule.exclusions;
  const amis = e && (e.amiTags || e.amiRegions || e.amiSharedAccounts || e.publicAmis !== undefined || e.amiLastLaunchedWithin !== undefined)
    ? {
      tagMap: e.amiTags,
      regions: e.amiRegions,
      sharedAccounts: e.amiSharedAccounts,
      isPublic: e.publicAmis,
      lastLaunched: e.amiLastLaunchedWithin === undefined
        ? undefined
        : { value: e.amiLastLaunchedWithin, unit: e.amiLastLaunchedUnit ?? LifecycleTimeUnit.DAYS },
    }
    : undefined;
  return {
    action: { type: rule.action, includeResources: include },
    filter: { type: rule.filter.type, value: rule.filter.value, unit: rule.filter.unit, retainAtLeast: rule.filter.retainAtLeast },
    exclusionRules: e && (e.imageTags || amis) ? { tagMap: e.imageTags, amis } : undefined,
  };
}

/** A name the API accepts: letters, digits, hyphens from the construct's path, 128 at most. */
function generatedName(scope: Construct): string {
  const path = scope.node.path.replace(/[^A-Za-z0-9-_]/g, '-').replace(/^-+/, '');
  const unique = scope.node.addr.slice(-8);
  return `${path.slice(0, 128 - unique.length - 1)}-${unique}`;
}
