import { Duration, Lazy, Names, Stack, Token, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms, aws_lambda as lambda, aws_sns as sns, aws_sns_subscriptions as subscriptions } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { DistributionConfiguration } from './distribution-configuration';
import { DistributionVerification } from './distribution-verification';
import { distributionModelOf, renderedDistributionOf } from './private/distribution-registry';
import { constructionError, report } from './private/errors';
import { RegionDistribution } from './private/region-distribution';
import { RuleId } from './private/rules';
import { spell } from './private/rules/messages';
import { RegionCopies, RingFinding, RingSpec, listText, partitionFindings, restRingText, ringDefinitionProblems, ringsOfCopy } from './private/rules/rings';
import { show } from './private/rules/shape';
import { VERIFICATION_ENV } from './private/verification-names';

/** One release ring: a set of copies (the AMI of one Region in one account) that is distributed and verified together. */
export interface ReleaseRing {
  /**
   * The ring's name, part of the workflow's step names (`Distribute_<name>`): 1 to 64 letters, digits or
   * underscores, unique among the rings.
   */
  readonly name: string;

  /**
   * The Regions of the ring: it holds their copies in its `accounts`.
   *
   * @default - every Region of the distribution
   */
  readonly regions?: string[];

  /**
   * The accounts of the ring: the distribution's own account (its copy in each Region) and target accounts.
   *
   * @default - every account: the distribution's own and every target account
   */
  readonly accounts?: string[];

  /**
   * The last ring only: every copy no earlier ring holds. A rest ring names no `regions` or `accounts`.
   *
   * @default false
   */
  readonly rest?: boolean;
}

/** Properties of `ReleaseRings`. */
export interface ReleaseRingsProps {
  /** The distribution to release in rings. It stays the pipeline's distribution configuration (see the class docs). */
  readonly distribution: DistributionConfiguration;

  /**
   * The rings, in the order they are released: at least two. Every copy of the distribution (each Region's copy in
   * the distribution's own account, and in each of its target accounts) must be in exactly one ring.
   */
  readonly rings: ReleaseRing[];

  /**
   * The verification whose function runs the gate after each ring but the last: it verifies what the ring received
   * and resumes the workflow only when every check passed. It must verify `distribution`. One `ReleaseRings` per
   * verification.
   */
  readonly verification: DistributionVerification;

  /**
   * The name of the distribution workflow (`AWS::ImageBuilder::Workflow`).
   *
   * @default - a name generated from the construct path
   */
  readonly workflowName?: string;

  /**
   * The workflow's semantic version (`<major>.<minor>.<patch>`). A changed document with the same version becomes a
   * new build version of it (API model, `CreateWorkflowRequest.name`).
   *
   * @default '1.0.0'
   */
  readonly workflowVersion?: string;

  /**
   * How long each gate waits for the verification to resume the workflow before the step times out and the image
   * fails (the `WaitForAction` step's `timeoutSeconds`; Image Builder's default is 3 days, its maximum 7 days).
   *
   * @default Duration.hours(2)
   */
  readonly gateTimeout?: Duration;

  /**
   * A key that encrypts the gate topic. `grantExecution()` then also grants the execution role the key.
   *
   * @default - the topic is not encrypted with a customer managed key
   */
  readonly gateTopicKey?: kms.IKey;
}

/** What Image Builder documents as a WaitForAction step's longest timeout: 7 days. */
const MAX_GATE_SECONDS = 7 * 24 * 3600;
/** Lambda's limit on a function's environment: 4 KB for all keys and values together. */
const LAMBDA_ENVIRONMENT_BYTES = 4096;
/** CloudFormation's `AWS::ImageBuilder::Workflow.Data`: at most 16,000 characters. */
const WORKFLOW_DATA_CHARS = 16000;
/** The functions a ReleaseRings gates through: its environment holds one list of rings. */
const gatedFunctions = new WeakMap<IConstruct, string>();

/**
 * Releases a distribution in rings: an EC2 Image Builder distribution workflow (type `DISTRIBUTION`) that, for each
 * ring in order, distributes the ring's copies (`DistributeImage` with the ring's part of the distribution), gives
 * the ring's Regions their launch permissions (`ModifyImageAttributes`) and launch templates, SSM parameters,
 * licenses and fast launch (`ApplyImageConfigurations`), then, for every ring but the last, waits (`WaitForAction`,
 * the step `VerifyRing<N>`) while the verification's function verifies what the ring received: it resumes the
 * workflow when every check passed, and stops it (the image fails, later rings get nothing) with the finding
 * otherwise. The rings only split the distribution: each step's inputs are the distribution's own entries (the same
 * names, tags, keys and permissions), and `cdk synth` fails when a copy is in no ring or in two. A Region's copy in
 * the distribution's own account is a copy like the others (verify expects one in every Region): a ring that holds
 * it and target accounts of the Region lists the distribution's account among the step's `targetAccountIds`.
 *
 * Attaching it to a pipeline: pass `workflows` as the `CfnImagePipeline`'s `workflows` (Amazon's `build-image` and
 * `test-image` workflows, then this one: a pipeline with workflows runs only those), keep the distribution as its
 * `distributionConfigurationArn` (the build names the AMI of the build Region from it), and give the pipeline an
 * `executionRole` with the managed policy `EC2ImageBuilderExecutionPolicy` plus `grantExecution()` (and
 * `distribution.grantDistribute()` for the copies' keys).
 *
 * ```ts fixture=program
 * import { App, Stack, aws_iam as iam, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
 * import { DistributionConfiguration, DistributionVerification, ReleaseRings } from 'cdk-imagebuilder-distribution';
 *
 * declare const recipe: imagebuilder.CfnImageRecipe;
 * declare const infrastructure: imagebuilder.CfnInfrastructureConfiguration;
 * const stack = new Stack(new App(), 'Images', { env: { account: '111111111111', region: 'us-east-1' } });
 * const distribution = new DistributionConfiguration(stack, 'Distribution', {
 *   amiName: 'golden-{{ imagebuilder:buildDate }}',
 *   targetAccounts: ['222222222222', '333333333333'],
 * }).addRegion('us-east-1').addRegion('eu-west-1');
 * const verification = new DistributionVerification(stack, 'Verification', { distributions: [distribution] });
 * const rings = new ReleaseRings(stack, 'Rings', {
 *   distribution,
 *   verification,
 *   rings: [
 *     { name: 'canary', regions: ['us-east-1'], accounts: ['111111111111', '222222222222'] },
 *     { name: 'rest', rest: true },
 *   ],
 * });
 * const executionRole = new iam.Role(stack, 'Execution', {
 *   assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com'),
 *   managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('EC2ImageBuilderExecutionPolicy')],
 * });
 * distribution.grantDistribute(executionRole);
 * rings.grantExecution(executionRole);
 * new imagebuilder.CfnImagePipeline(stack, 'Pipeline', {
 *   name: 'golden',
 *   imageRecipeArn: recipe.attrArn,
 *   infrastructureConfigurationArn: infrastructure.attrArn,
 *   distributionConfigurationArn: distribution.distributionConfigurationArn,
 *   executionRole: executionRole.roleArn,
 *   workflows: rings.workflows,
 * });
 * ```
 *
 * What it costs in time: the rings run one after the other. Each ring takes as long as its slowest copy (a
 * `DistributeImage` per ring: an AMI copy across Regions takes minutes to tens of minutes, by size), and each gate
 * adds the verification's run (its function has at most 15 minutes; a ring of 1,000 accounts takes minutes at the
 * function's concurrency), so a release in N rings takes about the plain distribution's time plus N - 1
 * verifications plus, per ring after the first, the copy time the plain distribution would have run in parallel.
 * A gate that is never resumed fails the image after `gateTimeout`.
 *
 * The inputs are the documented ones only (step actions page): `DistributeImage`'s `distributions` items carry
 * `region`, `name`, `description`, `targetAccountIds`, `amiTags` and `kmsKeyId` (launch permissions are not among
 * them: they go to `ModifyImageAttributes`' `attributes`); `ApplyImageConfigurations`' `configurations` items carry
 * the Region's licenses, launch templates, SSM parameters and fast launch, the latter without `accountId`, which the
 * page does not list. The page types `ssmParameterConfigurations` as a Map; the rings write a list of them, as AWS's
 * gated-distribution sample and the API model's `Distribution` do. A ring without launch permissions (or
 * configurations) gets no such step: without its input, a step falls back to the whole attached configuration.
 *
 * Size: the document lists every target-account copy of the distribution (a Region's `targetAccountIds`), and
 * `AWS::ImageBuilder::Workflow` takes at most 16,000 characters: about 900 copies (Regions times target accounts)
 * fit; a larger distribution fails synth (`ReleaseRingDocumentSize`) and is split across configurations.
 *
 * Not covered: container distributions (a workflow distributes AMIs or container images, not both), and launch
 * templates and fast launch in other accounts (`ApplyImageConfigurations` applies them only in the distribution's
 * own account): both fail synth (`ReleaseRingSetting`).
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/wfdoc-step-actions.html
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-workflow-create-document.html
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/wfdoc-dynamic-vars.html
 * @see https://github.com/aws-samples/amazon-ec2-image-builder-samples/tree/main/workflows/gated-distribution
 * @resource AWS::ImageBuilder::Workflow
 */
export class ReleaseRings extends Construct {
  /** The distribution workflow. */
  public readonly workflow: imagebuilder.CfnWorkflow;

  /** The ARN of the workflow's build version. */
  public readonly workflowArn: string;

  /** The topic each gate (`VerifyRing<N>`) publishes to; the verification's function is subscribed to it. */
  public readonly gateTopic: sns.ITopic;

  /**
   * The workflows of a pipeline that releases in these rings, for `CfnImagePipeline.workflows`: Amazon's
   * `build-image` and `test-image` workflows (their latest versions), then this distribution workflow.
   */
  public readonly workflows: imagebuilder.CfnImagePipeline.WorkflowConfigurationProperty[];

  private readonly rings: RingSpec[];
  private readonly distribution: DistributionConfiguration;
  private readonly gateTopicKey?: kms.IKey;
  private readonly gateSeconds: number;

  constructor(scope: Construct, id: string, props: ReleaseRingsProps) {
    super(scope, id);
    const fail = (text: string): never => {
      throw constructionError('ReleaseRingDefinition', `ReleaseRings '${id}': ${text}.`, this);
    };
    const problems = ringDefinitionProblems(props?.rings, v => Token.isUnresolved(v));
    if (problems.length > 0) {
      fail(problems.join('; '));
    }
    if (!(props.distribution instanceof DistributionConfiguration) || distributionModelOf(props.distribution) === undefined) {
      fail(`distribution is ${show(props.distribution?.node?.path ?? props.distribution)}, not a DistributionConfiguration of this app; the rings split its Regions and accounts, which an imported configuration does not say. Fix: pass the DistributionConfiguration construct`);
    }
    if (Stack.of(props.distribution) !== Stack.of(this)) {
      fail(`the distribution ${props.distribution.node.path} is in stack ${Stack.of(props.distribution).node.path}, the rings in ${Stack.of(this).node.path}; the workflow's inputs are the distribution's entries, with references to its stack. Fix: create the ReleaseRings in the distribution's stack`);
    }
    if (!(props.verification instanceof DistributionVerification)) {
      fail(`verification is ${show(props.verification)}, not a DistributionVerification. Fix: pass the DistributionVerification that verifies the distribution`);
    }
    const other = gatedFunctions.get(props.verification.function);
    if (other !== undefined) {
      fail(`the verification ${props.verification.node.path} already gates the rings ${other}; its function's environment holds one list of rings. Fix: give these rings a DistributionVerification of their own`);
    }
    this.gateSeconds = gateSecondsOf(props.gateTimeout, fail);
    if (props.workflowName !== undefined && !Token.isUnresolved(props.workflowName) && !/^[-_A-Za-z0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z0-9]$/.test(props.workflowName)) {
      fail(`workflowName is ${show(props.workflowName)}; a workflow name is 3 to 128 letters, digits, hyphens, underscores and inner spaces (CloudFormation schema of AWS::ImageBuilder::Workflow). Fix: name it like 'golden-rings'`);
    }
    if (props.workflowVersion !== undefined && !Token.isUnresolved(props.workflowVersion) && !/^[0-9]+\.[0-9]+\.[0-9]+$/.test(props.workflowVersion)) {
      fail(`workflowVersion is ${show(props.workflowVersion)}; a workflow version is <major>.<minor>.<patch> (API model, VersionNumber). Fix: pass a version like '1.0.0'`);
    }
    this.rings = props.rings.map(r => ({ name: r.name, regions: r.regions, accounts: r.accounts, rest: r.rest }));
    this.distribution = props.distribution;
    this.gateTopicKey = props.gateTopicKey;
    gatedFunctions.set(props.verification.function, this.node.path);

    const stack = Stack.of(this);
    this.gateTopic = new sns.Topic(this, 'GateTopic', {
      displayName: 'Release ring gates (cdk-imagebuilder-distribution)',
      masterKey: props.gateTopicKey,
      enforceSSL: true,
    });
    this.workflow = new imagebuilder.CfnWorkflow(this, 'Workflow', {
      name: props.workflowName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }).toLowerCase(),
      version: props.workflowVersion ?? '1.0.0',
      type: 'DISTRIBUTION',
      description: `Releases ${props.distribution.node.path} in ${props.rings.length} rings, each verified before the next`,
      data: Lazy.string({ produce: () => stack.toJsonString(this.document()) }),
    });
    this.workflowArn = this.workflow.attrArn;
    const amazon = (type: string, name: string) => stack.formatArn({ service: 'imagebuilder', account: 'aws', resource: 'workflow', resourceName: `${type}/${name}/x.x.x` });
    this.workflows = [
      { workflowArn: amazon('build', 'build-image') },
      { workflowArn: amazon('test', 'test-image') },
      { workflowArn: this.workflowArn },
    ];

    this.wireGate(props.verification.function);
    this.node.addValidation({ validate: () => report(this, this.errors(this.findings())) });
    this.node.addValidation({ validate: () => report(this, this.attachmentWarnings()) });
  }

  /**
   * Rings no pipeline runs release nothing in rings: a pipeline without `workflows` distributes with its configuration
   * to every ring at once, with no gate. A pipeline of this app whose `workflows` are a token may run them: not a finding.
   */
  private attachmentWarnings(): Array<{ rule: RuleId; level: 'warning'; text: string }> {
    const pipelines = this.node.root.node.findAll().filter((c): c is imagebuilder.CfnImagePipeline => c instanceof imagebuilder.CfnImagePipeline);
    const mine = (p: imagebuilder.CfnImagePipeline, arn: unknown) => arn === this.workflowArn
      || (Token.isUnresolved(arn) && JSON.stringify(Stack.of(p).resolve(arn)) === JSON.stringify(Stack.of(p).resolve(this.workflowArn)));
    const runs = pipelines.some(p => {
      const workflows: unknown = p.workflows;
      // A token (or an item that is one) may well hold the workflow: unknown is not a finding.
      return workflows !== undefined && (!Array.isArray(workflows)
        || workflows.some(w => Token.isUnresolved(w) || (typeof w === 'object' && w !== null && mine(p, (w as { workflowArn?: unknown }).workflowArn))));
    });
    if (runs) {
      return [];
    }
    return [{
      rule: 'ReleaseRingAttachment',
      level: 'warning',
      text: `[ReleaseRingAttachment] ReleaseRings '${this.node.id}': no image pipeline of this app runs its workflow, so nothing is released in rings: a pipeline without it distributes with ${this.distribution.node.path} to every ring at once, with no gate. Fix: pass the rings' ${spell('workflows')} as the CfnImagePipeline's workflows, and give its execution role ${spell('grantExecution')}(); or, if a pipeline outside this app runs the workflow, acknowledge this.`,
    }];
  }

  /**
   * Grants a pipeline's execution role what this workflow needs beyond the managed policy
   * `EC2ImageBuilderExecutionPolicy`: publishing to the gate topic (Image Builder publishes a `WaitForAction`
   * step's notification as the execution role), and the topic's key when it is encrypted.
   */
  public grantExecution(role: iam.IGrantable): iam.Grant {
    const grant = this.gateTopic.grantPublish(role);
    // The sample's execution role: GenerateDataKey* and Decrypt on the topic's key (gated-distribution.yml).
    return this.gateTopicKey ? grant.combine(this.gateTopicKey.grant(role, 'kms:GenerateDataKey*', 'kms:Decrypt')) : grant;
  }

  /** The verification's function: subscribed to the gate topic, told the rings, allowed the workflow-step calls. */
  private wireGate(fn: lambda.Function) {
    const stack = Stack.of(this);
    this.gateTopic.addSubscription(new subscriptions.LambdaSubscription(fn));
    fn.addEnvironment(VERIFICATION_ENV.rings, Stack.of(fn).toJsonString(this.rings.map(r => compact({ ...r }))));
    const arn = (resource: string) => stack.formatArn({ service: 'imagebuilder', resource, resourceName: '*' });
    // Resource types from the Service Authorization Reference of Image Builder: ListWaitingWorkflowSteps has none.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['imagebuilder:ListWaitingWorkflowSteps'], resources: ['*'] }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['imagebuilder:SendWorkflowStepAction'],
      resources: [arn('image'), arn('workflow-step-execution')],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['imagebuilder:GetWorkflowStepExecution'], resources: [arn('workflow-step-execution')] }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['imagebuilder:ListWorkflowStepExecutions', 'imagebuilder:GetWorkflowExecution'],
      resources: [arn('workflow-execution')],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['imagebuilder:ListWorkflowExecutions'], resources: [arn('image')] }));
    this.node.addValidation({ validate: () => report(this, this.errors(environmentFindings(fn, this.rings))) });
  }

  /** The distribution as concrete copies, or the findings that say why it cannot be split. */
  private model(): { owner: string; regions: Array<RegionCopies & { entry: number }>; findings: RingFinding[] } {
    const stack = Stack.of(this.distribution);
    const concrete = concreteIn(stack);
    const findings: RingFinding[] = [];
    const entries: RegionDistribution[] = distributionModelOf(this.distribution) ?? [];
    const ownerValue = concrete(stack.account);
    const owner = ownerValue ?? stack.account;
    const tokenFix = 'Fix: write the value literally (or give the stack an env with a literal account and Region), so the rings can be checked and rendered at synth';
    if (ownerValue === undefined && this.rings.some(r => r.accounts !== undefined)) {
      findings.push({ rule: 'ReleaseRingToken', text: `the distribution's stack ${stack.node.path} has no literal account, so a ring that names accounts cannot tell whether it holds the distribution's own copies. ${tokenFix}` });
    }
    this.rings.forEach((r, i) => {
      for (const field of ['regions', 'accounts'] as const) {
        const tokens = (r[field] ?? []).filter(v => concrete(v) === undefined);
        if (tokens.length > 0) {
          findings.push({ rule: 'ReleaseRingToken', text: `ring ${r.name} (rings[${i}].${field}) holds ${tokens.length} value${tokens.length > 1 ? 's' : ''} known only at deploy time; a ring is split and rendered into the workflow at synth. ${tokenFix}` });
        }
      }
    });
    const regions: Array<RegionCopies & { entry: number }> = [];
    entries.forEach((e, index) => {
      const region = concrete(e.region);
      if (e.container) {
        findings.push({ rule: 'ReleaseRingSetting', text: `Region ${region ?? e.region}: the distribution has container settings (addContainerRegion); a workflow distributes AMIs or container images, not both, and the rings distribute AMIs. Fix: distribute containers with another DistributionConfiguration` });
      }
      if (!e.ami) {
        return;
      }
      if (region === undefined) {
        findings.push({ rule: 'ReleaseRingToken', text: `a Region of the distribution (addRegion(${show(e.region)}, ...)) is known only at deploy time, so it cannot be split into rings. ${tokenFix}` });
        return;
      }
      const list = e.ami.targetAccounts ?? [];
      const targets = Array.isArray(list) && !Token.isUnresolved(list) ? list.map(t => concrete(t)) : undefined;
      if (targets === undefined || targets.some(t => t === undefined)) {
        findings.push({ rule: 'ReleaseRingToken', text: `Region ${region}: targetAccounts holds values known only at deploy time, so its copies cannot be split into rings. ${tokenFix}` });
        return;
      }
      for (const [what, accounts] of [
        ['launchTemplates', (e.ami.launchTemplates ?? []).map(t => t.accountId)],
        ['fastLaunch', (e.ami.fastLaunch ?? []).map(f => f.accountId)],
      ] as const) {
        const others = accounts.map(a => (a === undefined ? undefined : concrete(a) ?? a)).filter((a): a is string => a !== undefined && a !== owner);
        if (others.length > 0) {
          findings.push({ rule: 'ReleaseRingSetting', text: `Region ${region}: ${what} names account${others.length > 1 ? 's' : ''} ${listText(others)}; ApplyImageConfigurations applies ${what === 'launchTemplates' ? 'launch templates' : 'fast launch'} only in the distribution's own account (${owner}) (https://docs.aws.amazon.com/imagebuilder/latest/userguide/wfdoc-step-actions.html). Fix: leave the accountId out (the distribution's own account), or distribute without rings` });
        }
      }
      regions.push({ region, targets: [...new Set(targets as string[])], entry: index });
    });
    return { owner, regions, findings };
  }

  /** The rings concrete: values resolved at synth (tokens stay as they are; they are findings). */
  private concreteRings(): RingSpec[] {
    const concrete = concreteIn(Stack.of(this.distribution));
    return this.rings.map(r => ({
      ...r,
      regions: r.regions?.map(v => concrete(v) ?? v),
      accounts: r.accounts?.map(v => concrete(v) ?? v),
    }));
  }

  /** Findings as the library's errors: the rule, the construct, the text. */
  private errors(findings: RingFinding[]) {
    return findings.map(f => ({ rule: f.rule, level: 'error' as const, text: `[${f.rule}] ReleaseRings '${this.node.id}': ${f.text}.` }));
  }

  private findings(): RingFinding[] {
    const { owner, regions, findings } = this.model();
    const all = findings.length > 0 ? findings : partitionFindings(this.concreteRings(), owner, regions);
    if (all.length === 0) {
      // The document as written to the template: tokens count with their placeholders (deploy-time values may be longer).
      const size = JSON.stringify(this.document()).length;
      if (size > WORKFLOW_DATA_CHARS) {
        all.push({ rule: 'ReleaseRingDocumentSize', text: `the workflow document of the rings has about ${size} characters, over the ${WORKFLOW_DATA_CHARS} that AWS::ImageBuilder::Workflow's Data takes (account lists of many Regions add up). Each target-account copy takes about 15 characters, so about 900 copies (Regions times accounts) fit. Fix: split the target accounts across DistributionConfigurations, each with its pipeline and its rings` });
      }
    }
    return all;
  }

  /**
   * The workflow document: per ring, its part of each rendered entry of the distribution. Never throws: a
   * distribution that cannot be split renders what it can, and its findings fail synth.
   */
  private document(): unknown {
    const { owner, regions } = this.model();
    const rendered = renderedDistributionOf(this.distribution) ?? [];
    const rings = this.concreteRings();
    const steps: unknown[] = [];
    rings.forEach((ring, k) => {
      const distributions: unknown[] = [];
      const attributes: unknown[] = [];
      const configurations: unknown[] = [];
      for (const { region, targets, entry } of regions) {
        const e = rendered[entry] as any;
        const ami = (e?.amiDistributionConfiguration ?? {}) as Record<string, any>;
        const inRing = (account: string) => ringsOfCopy(rings, region, account).includes(k);
        const ownerIn = inRing(owner);
        const targetsIn = targets.filter(t => t !== owner && inRing(t));
        if (!ownerIn && targetsIn.length === 0) {
          continue;
        }
        // DistributeImage's documented inline fields: region, name, description, targetAccountIds, amiTags, kmsKeyId.
        distributions.push(compact({
          region,
          name: ami.Name,
          description: ami.Description,
          targetAccountIds: targetsIn.length > 0 ? (ownerIn ? [owner, ...targetsIn] : targetsIn) : undefined,
          amiTags: ami.AmiTags,
          kmsKeyId: ami.KmsKeyId,
        }));
        const permission = ami.LaunchPermissionConfiguration as Record<string, unknown> | undefined;
        if (ownerIn && permission) {
          attributes.push({
            region,
            launchPermission: compact({
              userIds: permission.UserIds,
              userGroups: permission.UserGroups,
              organizationArns: permission.OrganizationArns,
              organizationalUnitArns: permission.OrganizationalUnitArns,
            }),
          });
        }
        const accountIn = (account: unknown) => inRing(typeof account === 'string' ? concreteIn(Stack.of(this))(account) ?? account : owner);
        const configuration = compact({
          region,
          licenseConfigurationArns: ownerIn ? e?.licenseConfigurationArns : undefined,
          launchTemplateConfigurations: nonEmpty((e?.launchTemplateConfigurations ?? []).filter((t: any) => accountIn(t.accountId))),
          ssmParameterConfigurations: nonEmpty((e?.ssmParameterConfigurations ?? []).filter((p: any) => accountIn(p.amiAccountId))),
          // The documented fast launch inputs have no accountId: fast launch applies in the distribution's own account.
          fastLaunchConfigurations: ownerIn
            ? nonEmpty((e?.fastLaunchConfigurations ?? []).map(({ accountId: _a, ...f }: any) => compact(f)))
            : undefined,
        });
        if (Object.keys(configuration).length > 1) {
          configurations.push(configuration);
        }
      }
      const distributed = `$.stepOutputs.${stepName('Distribute', ring.name)}.distributedImages`;
      steps.push({ name: stepName('Distribute', ring.name), action: 'DistributeImage', onFailure: 'Abort', inputs: { distributions } });
      // Without `attributes` (or `configurations`), the step falls back to the whole attached configuration: a ring
      // without launch permissions (or configurations) gets no such step.
      if (attributes.length > 0) {
        steps.push({ name: stepName('Share', ring.name), action: 'ModifyImageAttributes', onFailure: 'Abort', inputs: { 'distributedImages.$': distributed, attributes } });
      }
      if (configurations.length > 0) {
        steps.push({ name: stepName('Configure', ring.name), action: 'ApplyImageConfigurations', onFailure: 'Abort', inputs: { 'distributedImages.$': distributed, configurations } });
      }
      if (k < rings.length - 1) {
        steps.push({
          name: `VerifyRing${k + 1}`,
          action: 'WaitForAction',
          onFailure: 'Abort',
          timeoutSeconds: this.gateSeconds,
          inputs: {
            snsTopicArn: this.gateTopic.topicArn,
            payload: JSON.stringify({ ring: ring.name, ringNumber: k + 1, rings: rings.length }),
          },
        });
      }
    });
    return {
      description: `Release rings: ${rings.map(r => r.name).join(', ')} (cdk-imagebuilder-distribution)`,
      // A string: the workflow document's schemaVersion is a String, currently 1.0 (JSON would print a number 1.0 as 1).
      schemaVersion: '1.0',
      steps,
    };
  }
}

/** A step of a ring: `<Action>_<ring>` (a `WorkflowStepName`). */
function stepName(action: 'Distribute' | 'Share' | 'Configure', ring: string): string {
  return `${action}_${ring}`;
}

function gateSecondsOf(timeout: Duration | undefined, fail: (text: string) => never): number {
  const duration = timeout ?? Duration.hours(2);
  if (Token.isUnresolved(duration.toSeconds({ integral: false }))) {
    fail('gateTimeout is known only at deploy time; it is written into the workflow document. Fix: pass a literal Duration');
  }
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_GATE_SECONDS) {
    fail(`gateTimeout is ${seconds} seconds; a WaitForAction step's timeoutSeconds is a whole number of seconds up to 7 days (${MAX_GATE_SECONDS}) (https://docs.aws.amazon.com/imagebuilder/latest/userguide/wfdoc-step-actions.html). Fix: pass a Duration of whole seconds, at most Duration.days(7)`);
  }
  return seconds;
}

/** A value's literal at synth (a Lazy or a pseudo parameter of an env-bound stack resolves), or undefined. */
function concreteIn(stack: Stack): (value: string) => string | undefined {
  return value => {
    if (!Token.isUnresolved(value)) {
      return value;
    }
    try {
      const resolved: unknown = stack.resolve(value);
      return typeof resolved === 'string' ? resolved : undefined;
    } catch {
      return undefined;
    }
  };
}

/**
 * Lambda's 4 KB for the environment: the rings' JSON with the other literal values of the function's environment
 * (values known only at deploy time count as nothing, so the check never fails a function that fits).
 */
function environmentFindings(fn: lambda.Function, rings: RingSpec[]): RingFinding[] {
  const stack = Stack.of(fn);
  let environment: Record<string, unknown> = {};
  try {
    const resolved = stack.resolve((fn.node.defaultChild as lambda.CfnFunction).environment) as { variables?: Record<string, unknown> } | undefined;
    environment = resolved?.variables ?? {};
  } catch {
    environment = {};
  }
  const ringsJson = JSON.stringify(stack.resolve(rings.map(r => compact({ ...r }))));
  const bytes = Object.entries(environment).reduce((sum, [key, value]) =>
    sum + Buffer.byteLength(key) + (key === VERIFICATION_ENV.rings ? Buffer.byteLength(ringsJson) : typeof value === 'string' ? Buffer.byteLength(value) : 0), 0);
  return bytes <= LAMBDA_ENVIRONMENT_BYTES ? [] : [{
    rule: 'ReleaseRingEnvironment',
    text: `the verification function ${fn.node.path} would have an environment of ${bytes} bytes with the rings (${VERIFICATION_ENV.rings}: ${Buffer.byteLength(ringsJson)} bytes), over Lambda's 4 KB for all its variables; the function would fail to deploy. Fix: describe the rings with fewer names: by Regions (regions: [...]) rather than by account, and end them with a rest ring (${restRingText()}) instead of listing the last accounts`,
  }];
}

/** Leaves out undefined values, empty lists and empty objects: the inputs Image Builder documents as optional. */
function compact(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined
    && !(Array.isArray(v) && v.length === 0)
    && !(typeof v === 'object' && v !== null && !Array.isArray(v) && !Token.isUnresolved(v) && Object.keys(v).length === 0)));
}

function nonEmpty<T>(values: T[]): T[] | undefined {
  return values.length > 0 ? values : undefined;
}
