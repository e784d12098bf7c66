import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, DefaultStackSynthesizer, Lazy, Names, Resource, Stack, Token, Validations, aws_cloudformation as cloudformation, aws_kms as kms, region_info as regionInfo } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { CrossAccountDistributionRole, CrossAccountDistributionRoleProps } from './cross-account-distribution-role';
import { DistributionError, constructionError, report } from './private/errors';
import { checkInput, propsNaming } from './private/input';
import { isListToken } from './private/key-policy';
import { concrete, crossEnvironmentAliasOf, describeKey, isAlias, resolveKey } from './private/key-reference';
import { renderList } from './private/launch-permission';
import { registerLifecycleStackSet } from './private/lifecycle-role';
import { RoleStackSetKey, RoleStackSetRecord, STACK_SET_METADATA } from './private/preflight-record';
import { RuleId } from './private/rules/catalog';
import { spell } from './private/rules/messages';
import { registerStackSetTargets, stackSetOverlapMessages } from './private/rules/stack-set-units';
import { missingRoleKeys } from './private/stack-set-keys';
import { VERIFICATION_ROLE_NAME, registerVerificationStackSet } from './private/verification-role';

/** Properties of a `CrossAccountDistributionRoleStackSet`: the role's, and where the StackSet deploys it. */
export interface CrossAccountDistributionRoleStackSetProps extends CrossAccountDistributionRoleProps {
  /**
   * The organizational units whose accounts get the role: OU IDs (`ou-ab12-cdefghij`), or the root ID
   * (`r-ab12`) for every account of the organization. Accounts in OUs below them are included. Accounts that
   * join these OUs later get the role automatically; accounts that leave them (moved or closed) lose it.
   *
   * The organization's management account never gets a stack instance of a service-managed StackSet, even
   * when it is in one of these OUs: if it is a target account, deploy a `CrossAccountDistributionRole` in it.
   * A list parameter (`CfnParameter.valueAsList`) works too; preflight then cannot say which accounts are covered.
   */
  readonly organizationalUnitIds: string[];

  /**
   * The one Region of the stack instances. IAM is global, so one stack instance per account deploys the role for
   * every Region the distribution copies to; a second Region would try to create the same role again and fail.
   * Choose a Region every target account has enabled (not an opt-in Region): an account that has not enabled it
   * gets no role.
   *
   * @default - the Region of the stack that holds the StackSet
   */
  readonly region?: string;

  /**
   * Whether the StackSet is deployed from a delegated administrator account of CloudFormation StackSets
   * (`CallAs: DELEGATED_ADMIN`) rather than from the organization's management account (`CallAs: SELF`).
   *
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-delegated-admin.html
   * @default false
   */
  readonly delegatedAdministrator?: boolean;

  /**
   * The StackSet's name, unique in the Region of the administrator account: a letter, then letters, digits and
   * hyphens, 128 at most.
   *
   * @default - a name made from the construct path
   */
  readonly stackSetName?: string;

  /**
   * The percentage of accounts the StackSet deploys to at once (1 to 100).
   *
   * @default 100
   */
  readonly maxConcurrentPercentage?: number;

  /**
   * The percentage of accounts whose stack instance may fail before an operation stops (0 to 100). An account
   * fails, for example, when it already has a role of that name (from an earlier stack per account): delete that
   * stack first.
   *
   * @default 10
   */
  readonly failureTolerancePercentage?: number;
}

/** CloudFormation's limit on a template passed in `TemplateBody`, in bytes. */
const TEMPLATE_BODY_LIMIT = 51_200;
const STACK_SET_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;
/** DeploymentTargets.OrganizationalUnitIds: an OU ID or the root ID. */
const OU_OR_ROOT_ID = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;

/** Which StackSet of an app deploys the role to an OU: one role per account. */
const stackSetsByUnit = new WeakMap<IConstruct, Map<string, string>>();

/**
 * `CrossAccountDistributionRole` on every account of organizational units, now and later: a service-managed
 * CloudFormation StackSet with automatic deployment. Accounts that join the OUs get the role; accounts that
 * leave them (moved or closed) lose it. Deploy it from the organization's management account, or from a
 * delegated administrator of CloudFormation StackSets (`delegatedAdministrator: true`); trusted access for
 * StackSets must be activated in the organization.
 *
 * The role's template is synthesized here, as `CrossAccountDistributionRole` writes it (the same props, the same
 * checks), and passed to the StackSet as its `TemplateBody`: one text, deployed as it is to every account. So it
 * holds no values of the app's stacks: source accounts and SSM parameter names are literals, keys are imported
 * by literal ARN or are keys of this app in stacks with an explicit account and Region (named by alias).
 *
 * ```ts
 * new CrossAccountDistributionRoleStackSet(this, 'DistributionRoles', {
 *   organizationalUnitIds: ['ou-ab12-cdefghij'],
 *   sourceAccounts: ['111111111111'],
 *   keys: [kms.Key.fromKeyArn(this, 'SourceKey', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab')],
 * });
 * ```
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html
 */
export class CrossAccountDistributionRoleStackSet extends Construct {
  /** The StackSet. */
  public readonly stackSet: cloudformation.CfnStackSet;

  /** The StackSet's name. */
  public readonly stackSetName: string;

  /** The role's template (JSON), as the StackSet deploys it to every account. */
  public readonly roleTemplate: string;

  /** The Region of the stack instances. */
  public readonly region: string;

  /** The role of the template, in the app this construct synthesizes it in: for its checks only. */
  private readonly templateRole: CrossAccountDistributionRole;
  private acknowledgementsForwarded = false;
  /** What the role's keys are checked against at synth: the distributions of the app that copy into the OUs. */
  private readonly roleInput: { units: string[]; sourceAccounts: string[]; keys: kms.IKey[] };

  constructor(scope: Construct, id: string, props: CrossAccountDistributionRoleStackSetProps) {
    super(scope, id);
    const named = propsNaming('CrossAccountDistributionRoleStackSet', id);
    checkInput(this, named('props'), props, 'object', true);
    checkInput(this, named('organizationalUnitIds'), props.organizationalUnitIds, 'string list', true);
    checkInput(this, named('sourceAccounts'), props.sourceAccounts, 'string list', true);
    checkInput(this, named('keys'), props.keys, 'construct list');
    checkInput(this, named('launchTemplateUpdates'), props.launchTemplateUpdates, 'boolean');
    checkInput(this, named('ssmParameterNames'), props.ssmParameterNames, 'string list');
    checkInput(this, named('lifecycle'), props.lifecycle, 'boolean');
    checkInput(this, named('verification'), props.verification, 'boolean');
    checkInput(this, named('verificationRoleName'), props.verificationRoleName, 'string');
    checkInput(this, named('executionRoles'), props.executionRoles, 'construct list');
    checkInput(this, named('trustEntireSourceAccount'), props.trustEntireSourceAccount, 'boolean');
    checkInput(this, named('region'), props.region, 'string');
    checkInput(this, named('delegatedAdministrator'), props.delegatedAdministrator, 'boolean');
    checkInput(this, named('stackSetName'), props.stackSetName, 'string');
    checkInput(this, named('maxConcurrentPercentage'), props.maxConcurrentPercentage, 'number');
    checkInput(this, named('failureTolerancePercentage'), props.failureTolerancePercentage, 'number');
    const stack = Stack.of(this);

    this.stackSetName = props.stackSetName ?? defaultName(this);
    if (!Token.isUnresolved(this.stackSetName) && !STACK_SET_NAME.test(this.stackSetName)) {
      this.fail('StackSetName', `${spell('stackSetName')} is ${JSON.stringify(this.stackSetName)}, which CloudFormation does not accept as a StackSet name. Fix: start with a letter and use letters, digits and hyphens only, 128 at most.`);
    }
    const units = this.checkUnits(props.organizationalUnitIds);
    this.roleInput = { units, sourceAccounts: [...props.sourceAccounts], keys: [...(props.keys ?? [])] };
    this.region = props.region ?? stack.region;
    if (!Token.isUnresolved(this.region) && !REGION.test(this.region)) {
      this.fail('StackSetRegion', `${spell('region')} is ${JSON.stringify(this.region)}, which is not a Region name. Fix: give one Region every target account has enabled, e.g. 'us-east-1'; the role is global, so one Region deploys it for all.`);
    }
    const maxConcurrent = this.percentage('maxConcurrentPercentage', props.maxConcurrentPercentage, 100, 1);
    const failureTolerance = this.percentage('failureTolerancePercentage', props.failureTolerancePercentage, 10, 0);

    const { template, role } = this.synthesizeRole(props);
    this.templateRole = role;
    this.roleTemplate = template;
    if (props.lifecycle) {
      // The accounts of its OUs get the lifecycle role too: DistributionLifecycle does not warn about their copies.
      registerLifecycleStackSet(this);
    }
    if (props.verification) {
      // The accounts of its OUs get the verification role: DistributionVerification can tell which it can read.
      registerVerificationStackSet(this, props.verificationRoleName ?? VERIFICATION_ROLE_NAME);
    }
    const size = Buffer.byteLength(template, 'utf-8');
    if (size > TEMPLATE_BODY_LIMIT) {
      this.fail('StackSetTemplateSize', `the role's template has ${size} bytes, over CloudFormation's limit of ${TEMPLATE_BODY_LIMIT} bytes for a StackSet's TemplateBody. Fix: pass fewer ${spell('keys')} or ${spell('ssmParameterNames')}.`);
    }

    this.stackSet = new cloudformation.CfnStackSet(this, 'Resource', {
      stackSetName: this.stackSetName,
      description: `${CrossAccountDistributionRole.ROLE_NAME} for EC2 Image Builder's cross-account distribution, in every account of the organizational units`,
      permissionModel: 'SERVICE_MANAGED',
      callAs: props.delegatedAdministrator ? 'DELEGATED_ADMIN' : 'SELF',
      // New accounts of the OUs get the role; accounts that leave them lose it.
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      // The role has a name of its own.
      capabilities: ['CAPABILITY_NAMED_IAM'],
      // Operations of automatic deployments queue instead of failing while another one runs.
      managedExecution: { Active: true },
      operationPreferences: {
        maxConcurrentPercentage: maxConcurrent,
        failureTolerancePercentage: failureTolerance,
        // Without it, CloudFormation deploys to at most failure tolerance + 1 accounts at once.
        concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        regionConcurrencyType: 'PARALLEL',
      },
      stackInstancesGroup: [{ deploymentTargets: { organizationalUnitIds: renderList(props.organizationalUnitIds) }, regions: [this.region] }],
      templateBody: template,
    });

    this.node.addValidation({ validate: () => this.templateErrors() });
    // What `cdk-imagebuilder-distribution preflight` reads from the cloud assembly.
    this.stackSet.node.addMetadata(STACK_SET_METADATA, Lazy.any({
      produce: (): RoleStackSetRecord => ({
        version: 1,
        logicalId: stack.resolve(this.stackSet.logicalId),
        stackSetName: stack.resolve(this.stackSetName),
        roleName: CrossAccountDistributionRole.ROLE_NAME,
        organizationalUnitIds: stack.resolve(renderList(props.organizationalUnitIds)),
        region: stack.resolve(this.region),
        callAs: props.delegatedAdministrator ? 'DELEGATED_ADMIN' : 'SELF',
        sourceAccounts: props.sourceAccounts,
        keys: this.recordKeys(props.keys ?? []),
      }),
    }));
    this.claimUnits(units);
    registerStackSetTargets(this, props.organizationalUnitIds);
  }

  private fail(rule: RuleId, text: string): never {
    throw constructionError(rule, `CrossAccountDistributionRoleStackSet: ${text}`, this);
  }

  /** The literal OU IDs, checked; tokens are left to CloudFormation. */
  private checkUnits(ids: string[]): string[] {
    if (ids.length === 0) {
      this.fail('StackSetOrganizationalUnits', `${spell('organizationalUnitIds')} is empty, so the StackSet deploys the role to no account. Fix: pass the IDs of the OUs of the target accounts ('ou-...'), or the root ID ('r-...') for the whole organization.`);
    }
    const literal = ids.filter(id => !Token.isUnresolved(id) && !isListToken(id));
    literal.forEach(id => {
      if (!OU_OR_ROOT_ID.test(id)) {
        const fromArn = /:ou\/o-[a-z0-9]+\/(ou-[a-z0-9]+-[a-z0-9]+)$/.exec(id)?.[1] ?? /:root\/o-[a-z0-9]+\/(r-[a-z0-9]+)$/.exec(id)?.[1];
        this.fail('StackSetOrganizationalUnits', `${spell('organizationalUnitIds')}[${ids.indexOf(id)}] is ${JSON.stringify(id)}, which is not the ID of an OU or root. Fix: ${fromArn ? `pass its ID, '${fromArn}'` : 'pass an OU ID (\'ou-\' and two groups of letters and digits) or the root ID (\'r-...\')'}.`);
      }
    });
    return literal;
  }

  /** A whole percentage within CloudFormation's bounds, or the default. */
  private percentage(prop: string, value: number | undefined, fallback: number, min: number): number {
    if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < min || value > 100)) {
      this.fail('StackSetOperationPreferences', `${spell(prop)} is ${value}, but CloudFormation takes a whole percentage from ${min} to 100. Fix: pass a whole number from ${min} to 100.`);
    }
    return value ?? fallback;
  }

  /** One StackSet of the role per OU in an app: two would deploy the same role name twice to its accounts. */
  private claimUnits(units: string[]) {
    const root = this.node.root;
    let claimed = stackSetsByUnit.get(root);
    if (!claimed) {
      claimed = new Map();
      stackSetsByUnit.set(root, claimed);
    }
    for (const unit of units) {
      const existing = claimed.get(unit);
      if (existing && existing !== this.node.path) {
        throw constructionError('DuplicateCrossAccountRole', `CrossAccountDistributionRoleStackSet: ${unit} is already a target of ${existing}; IAM role names are global to an account, so ${CrossAccountDistributionRole.ROLE_NAME} exists once per account. Fix: deploy one StackSet of the role per OU, and list every source account and key in it.`, this);
      }
      claimed.set(unit, this.node.path);
    }
  }

  /**
   * The role's template, synthesized in an app of its own (a StackSet's template is plain text: no assets,
   * parameters, bootstrap rule or metadata), and the role, whose checks this construct runs at synth.
   */
  private synthesizeRole(props: CrossAccountDistributionRoleProps): { template: string; role: CrossAccountDistributionRole } {
    const verificationRoleName = props.verificationRoleName === undefined ? [] : [props.verificationRoleName];
    for (const [prop, values] of [['sourceAccounts', props.sourceAccounts], ['ssmParameterNames', props.ssmParameterNames ?? []], ['verificationRoleName', verificationRoleName]] as const) {
      values.forEach((value, i) => {
        if (Token.isUnresolved(value) || isListToken(value)) {
          this.fail('StackSetTemplateValue', `${spell(prop)}${prop === 'verificationRoleName' ? '' : `[${i}]`} is known only at deploy time (${value}), but the StackSet deploys one template, written at synth, to every account. Fix: pass the literal value.`);
        }
      });
    }
    (props.executionRoles ?? []).forEach((role, i) => {
      if (Token.isUnresolved(role.roleArn)) {
        this.fail('StackSetTemplateValue', `${spell('executionRoles')}[${i}] has an ARN known only at deploy time (${role.roleArn}), but the StackSet deploys one template, written at synth, to every account. Fix: pass the role by its literal ARN (iam.Role.fromRoleArn(this, 'ExecutionRole', 'arn:aws:iam::<source account>:role/<name>')).`);
      }
    });
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'imagebuilder-role-stack-set-'));
    try {
      const app = new App({
        outdir,
        // Not synthesized again when the process ends, and none of the CLI's metadata in the template.
        autoSynth: false,
        analyticsReporting: false,
        postCliContext: { 'aws:cdk:enable-path-metadata': false },
      });
      const synthesizer = () => new DefaultStackSynthesizer({ generateBootstrapVersionRule: false });
      const stack = new Stack(app, 'CrossAccountDistributionRole', { synthesizer: synthesizer(), analyticsReporting: false });
      // Stacks of the keys' environments, to import their aliases in: in an app that is never synthesized.
      const keysApp = new App({ outdir, autoSynth: false });
      const environments = new Map<string, Stack>();
      const environment = (account: string, region: string) => {
        const key = `${account}-${region}`;
        if (!environments.has(key)) {
          environments.set(key, new Stack(keysApp, `Keys${environments.size}`, { env: { account, region } }));
        }
        return environments.get(key)!;
      };
      const keys = (props.keys ?? []).map((key, i) => this.templateKey(stack, environment, key, i));
      let role: CrossAccountDistributionRole;
      try {
        role = new CrossAccountDistributionRole(stack, 'Distribution', { ...props, keys });
      } catch (e) {
        if (e instanceof DistributionError) {
          // The same mistake, said of this construct.
          const text = e.message.replace(/^\[[A-Za-z]+\] /, '').replace(/ \(at [^)]*\)$/, '').replace(/^CrossAccountDistributionRole:/, 'CrossAccountDistributionRoleStackSet:');
          throw constructionError(e.rule, text, this);
        }
        throw e;
      }
      const assembly = app.synth({ skipValidation: true });
      return { template: JSON.stringify(assembly.getStackByName(stack.stackName).template), role };
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }

  /**
   * A key as the role's template names it: by its literal ARN, or (a key or alias of this app, an imported
   * alias) by alias in the key's account and Region, as `CrossAccountDistributionRole` does across environments.
   */
  private templateKey(stack: Stack, environment: (account: string, region: string) => Stack, key: kms.IKey, index: number): kms.IKey {
    if (!Construct.isConstruct(key)) {
      return key; // CrossAccountDistributionRole's own input check says what is wrong.
    }
    const resolved = resolveKey(key);
    const name = `${spell('keys')}[${index}]`;
    if (Resource.isOwnedResource(resolved) || isAlias(resolved)) {
      const keyStack = Stack.of(resolved);
      const account = concrete(keyStack.account);
      const region = concrete(keyStack.region);
      if (!account || !region) {
        this.fail('StackSetTemplateValue', `${name} is ${describeKey(key)} of stack ${keyStack.node.path}, which has no explicit account and Region, so the role's template cannot name it. Fix: give that stack an env with account and region, or pass the key by its ARN (kms.Key.fromKeyArn).`);
      }
      const aliasName = Resource.isOwnedResource(resolved) ? crossEnvironmentAliasOf(key) : (resolved as kms.IAlias).aliasName;
      if (Token.isUnresolved(aliasName)) {
        this.fail('StackSetTemplateValue', `${name} is an alias whose name is known only at deploy time, so the role's template cannot name it. Fix: give the alias a literal name, or pass the key by its ARN.`);
      }
      return kms.Alias.fromAliasName(environment(account, region), `Key${index}`, aliasName);
    }
    if (Token.isUnresolved(resolved.keyArn)) {
      this.fail('StackSetTemplateValue', `${name} has an ARN known only at deploy time (${resolved.keyArn}), but the StackSet deploys one template, written at synth, to every account. Fix: pass the key by its literal ARN, or a kms.Key of this app in a stack with an explicit account and Region.`);
    }
    return kms.Key.fromKeyArn(stack, `Key${index}`, resolved.keyArn);
  }

  /** The role's keys as its template names them (templateKey), for preflight: by literal ARN, or by alias. */
  private recordKeys(keys: kms.IKey[]): RoleStackSetKey[] {
    return keys.filter(k => Construct.isConstruct(k)).map((key): RoleStackSetKey => {
      const resolved = resolveKey(key);
      if (Resource.isOwnedResource(resolved) || isAlias(resolved)) {
        const keyStack = Stack.of(resolved);
        const aliasName = Resource.isOwnedResource(resolved) ? crossEnvironmentAliasOf(key) : (resolved as kms.IAlias).aliasName;
        return { account: concrete(keyStack.account), region: concrete(keyStack.region), aliasName: concrete(aliasName) };
      }
      const arn = concrete(resolved.keyArn);
      return { arn, region: arn?.split(':')[3] || undefined, account: arn?.split(':')[4] || undefined };
    });
  }

  /**
   * The keys the distributions of this app copy with into accounts of the OUs, that the role lacks: every such copy
   * fails with AccessDenied on the key (the role re-encrypts the copy with the Region's key, and reads the source key).
   */
  private missingKeyErrors(): string[] {
    const { units, sourceAccounts, keys } = this.roleInput;
    const seen = new Set<string>();
    const missing = missingRoleKeys(this, units, sourceAccounts, keys).filter(m => {
      const id = `${m.distribution} ${m.use}`;
      return !seen.has(id) && seen.add(id);
    });
    return report(this, missing.map(m => ({
      rule: 'StackSetKeyRegion' as const,
      level: 'error' as const,
      text: `[StackSetKeyRegion] CrossAccountDistributionRoleStackSet: DistributionConfiguration ${m.distribution} copies into the accounts of ${m.unit} in Region ${m.region} with ${m.use} (${describeKey(m.key)}), but ${spell('keys')} leaves it out, so the role the StackSet deploys there cannot use it and every copy into ${m.region} fails with AccessDenied on the key. Fix: add ${describeKey(m.key)} to ${spell('keys')}.`,
    })));
  }

  /**
   * The role's checks (its policy sizes), with the acknowledgements made on this construct or above it, and the
   * Region's warning.
   */
  private templateErrors(): string[] {
    if (!this.acknowledgementsForwarded) {
      this.acknowledgementsForwarded = true;
      for (let node: IConstruct | undefined = this; node; node = node.node.scope) {
        node.node.metadata.filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .forEach(m => this.templateRole.node.addMetadata(m.type, m.data));
      }
    }
    const errors = this.templateRole.node.findAll().flatMap(c => c.node.validate())
      .map(e => e.replace('CrossAccountDistributionRole:', 'CrossAccountDistributionRoleStackSet:'));
    errors.push(...report(this, stackSetOverlapMessages(this, this.region)));
    errors.push(...this.missingKeyErrors());
    const region = concrete(this.region);
    if (region && regionInfo.RegionInfo.get(region).isOptInRegion) {
      errors.push(...report(this, [{
        rule: 'StackSetOptInRegion',
        level: 'warning',
        text: `CrossAccountDistributionRoleStackSet: the stack instances are in ${region}, an opt-in Region: an account that has not enabled it gets no role, and distributions into it fail. Fix: set ${spell('region')} to a Region enabled by default, such as us-east-1 (the role is global, so any Region deploys it for all).`,
      }]));
    }
    return errors;
  }
}

/** A StackSet name from the construct path: a letter first, then letters, digits and hyphens. */
function defaultName(scope: IConstruct): string {
  const name = Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' }).replace(/[^-a-zA-Z0-9]/g, '');
  return /^[a-zA-Z]/.test(name) ? name : `R${name}`.slice(0, 128);
}
