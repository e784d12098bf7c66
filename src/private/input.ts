import { Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { constructionError } from './errors';
import { ORGANIZATION_ARN, OU_ARN } from './identifiers';
import { isListToken } from './key-policy';
import { AmiDistributionSettings, ContainerDistributionOptions, RegionDistributionOptions } from '../region-options';
import { TargetAccountKeyAccess } from '../target-account-key-access';
import { callText, spell, spellPath } from './rules/messages';
import { show } from './rules/shape';

/*
 * The types of the public API, checked when a call is made. TypeScript and the jsii runtimes of other
 * languages check them already; a JavaScript caller (or a cast) can pass anything: `null` inside a list, `NaN`,
 * an object where a string goes. Such a value would otherwise crash a check with a TypeError or end up in a
 * key policy as `arn:aws:iam::null:root`. Tokens are values of the type they stand for (a string token is a
 * string, a list token an array), so they always pass.
 */

/** What a value must be, and how the message says it. */
export type Expected =
  | 'string' | 'string list' | 'boolean' | 'number' | 'string map' | 'object' | 'object list' | 'construct' | 'construct list';

const WHAT: Record<Expected, string> = {
  'string': 'a string',
  'string list': 'a list of strings',
  'boolean': 'true or false',
  'number': 'a finite number',
  'string map': 'an object whose values are strings',
  'object': 'an object (a construct or a struct)',
  'object list': 'a list of objects',
  'construct': 'a construct',
  'construct list': 'a list of constructs',
};

/** The first part of `value` that is not of the `expected` type: its path below `value` and its description. */
function mismatch(value: unknown, expected: Expected): { at: string; what: string } | undefined {
  switch (expected) {
    case 'string':
      return typeof value === 'string' ? undefined : { at: '', what: WHAT.string };
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { at: '', what: WHAT.boolean };
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : { at: '', what: WHAT.number };
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : { at: '', what: WHAT.object };
    case 'construct':
      return Construct.isConstruct(value) ? undefined : { at: '', what: WHAT.construct };
    case 'string list':
    case 'object list':
    case 'construct list': {
      if (!Array.isArray(value)) {
        return { at: '', what: WHAT[expected] };
      }
      const item = expected === 'string list' ? 'string' : expected === 'object list' ? 'object' : 'construct';
      const bad = value.findIndex(v => mismatch(v, item) !== undefined);
      return bad < 0 ? undefined : { at: `[${bad}]`, what: WHAT[item] };
    }
    case 'string map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { at: '', what: WHAT['string map'] };
      }
      const bad = Object.entries(value).find(([, v]) => typeof v !== 'string');
      return bad ? { at: `.${bad[0]}`, what: WHAT.string } : undefined;
    }
  }
}

/** Whether `value` is of the expected type. */
export function isOfType(value: unknown, expected: Expected): boolean {
  return mismatch(value, expected) === undefined;
}

/**
 * Throws `InvalidInput` when `value` is not of the expected type (undefined is fine unless `required`).
 * `where` names the argument as the user wrote it (`addRegion('eu-west-1', ...) targetAccounts`).
 */
export function checkInput(scope: IConstruct, where: string | (() => string), value: unknown, expected: Expected, required = false): void {
  if (value === undefined && !required) {
    return;
  }
  const problem = mismatch(value, expected);
  if (problem) {
    // Named only when there is something to say: spelling a prop costs more than checking it.
    where = typeof where === 'function' ? where() : where;
    const part = problem.at === '' ? value : partAt(value, problem.at);
    throw constructionError('InvalidInput',
      `${where}${problem.at} is ${describe(part)}, but it must be ${problem.what}. Fix: pass ${problem.what}${problem.at === '' ? '' : ', or leave the value out'}.`, scope);
  }
}

function partAt(value: unknown, at: string): unknown {
  const index = /^\[(\d+)\]$/.exec(at);
  if (index) {
    return (value as unknown[])[Number(index[1])];
  }
  return (value as Record<string, unknown>)[at.slice(1)];
}

function describe(value: unknown): string {
  if (value === undefined) {
    return 'undefined';
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return String(value);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const name = value.constructor?.name;
    return name && name !== 'Object' ? `an object of class ${name}` : `the object ${short(show(value))}`;
  }
  return short(show(value));
}

function short(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Names a prop of a call in the caller's spelling: `addRegion('eu-west-1', ...) launchPermission.accounts`. */
export type Naming = (prop: string) => string;

/** How messages name a prop of a construct's props: `DistributionConfiguration 'Dist' props launchPermission.accounts`. */
export function propsNaming(construct: string, id: string): Naming {
  return prop => `${construct} '${id}' props ${spellPath(prop)}`;
}

/** How messages name an option of a call for a Region: `addRegion('eu-west-1', ...) targetAccounts`. */
export function callNaming(call: 'addRegion' | 'addContainerRegion', region: string): Naming {
  return prop => `${callText(call, region)} ${spellPath(prop)}`;
}

/** The settings every Region inherits (construct props, or `addRegion()` options). */
export function checkAmiSettings(scope: IConstruct, name: Naming, s: AmiDistributionSettings): void {
  checkInput(scope, () => name('amiName'), s.amiName, 'string');
  checkInput(scope, () => name('amiDescription'), s.amiDescription, 'string');
  checkInput(scope, () => name('amiTags'), s.amiTags, 'string map');
  checkInput(scope, () => name('targetAccounts'), s.targetAccounts, 'string list');
  checkInput(scope, () => name('autoScalingGrants'), s.autoScalingGrants, 'boolean');
  checkInput(scope, () => name('launchPermission'), s.launchPermission, 'object');
  const permission = s.launchPermission ?? {};
  checkInput(scope, () => name('launchPermission.accounts'), permission.accounts, 'string list');
  checkInput(scope, () => name('launchPermission.organizations'), permission.organizations, 'string list');
  checkInput(scope, () => name('launchPermission.organizationalUnits'), permission.organizationalUnits, 'string list');
  checkInput(scope, () => name('launchPermission.publicAccess'), permission.publicAccess, 'boolean');
  checkTargetAccountKeyAccess(scope, () => name('targetAccountKeyAccess'), s.targetAccountKeyAccess);
}

/**
 * A `TargetAccountKeyAccess` made by its factories, with a valid organization ARN and OU ARNs of that
 * organization. Tokens pass: they are checked when the app is synthesized (`targetAccessProblems`).
 */
function checkTargetAccountKeyAccess(scope: IConstruct, where: () => string, access: unknown): void {
  if (access === undefined) {
    return;
  }
  if (!(access instanceof TargetAccountKeyAccess)) {
    throw constructionError('InvalidInput', `${where()} is ${describe(access)}, but it must be made by TargetAccountKeyAccess.${spell('accounts')}() or TargetAccountKeyAccess.${spell('organization')}(...). Fix: pass one of them.`, scope);
  }
  if (access._kind !== 'organization') {
    return;
  }
  const call = `${where()} (TargetAccountKeyAccess.${spell('organization')}())`;
  checkInput(scope, () => `${call} ${spell('organizationArn')}`, access._organizationArn, 'string', true);
  checkInput(scope, () => `${call} ${spell('organizationalUnitArns')}`, access._organizationalUnitArns, 'string list');
  for (const problem of targetAccessProblems(access, v => (Token.isUnresolved(v) || isListToken(v) ? undefined : v))) {
    throw constructionError('InvalidInput', `${call} ${problem.text}`, scope);
  }
}

/**
 * What is wrong with the ARNs of an organization-scoped `TargetAccountKeyAccess`, for the values `concrete`
 * knows (undefined: known only at deploy time): each problem with its fix.
 */
export function targetAccessProblems(access: TargetAccountKeyAccess, concrete: (value: string) => string | undefined): Array<{ rule: 'OrganizationArn' | 'OrganizationalUnitArn'; text: string }> {
  const problems: Array<{ rule: 'OrganizationArn' | 'OrganizationalUnitArn'; text: string }> = [];
  const organization = typeof access._organizationArn === 'string' ? concrete(access._organizationArn) : undefined;
  if (organization !== undefined && !ORGANIZATION_ARN.test(organization)) {
    problems.push({ rule: 'OrganizationArn', text: `${spell('organizationArn')} is ${JSON.stringify(organization)}, which is not an organization ARN (API model \`OrganizationArn\`: arn:aws:organizations::<management account>:organization/o-<10 to 32 letters and digits>). Fix: pass the organization's ARN, e.g. 'arn:aws:organizations::111122223333:organization/o-exampleorgid' (aws organizations describe-organization), not its ID.` });
  }
  const orgId = organization !== undefined && ORGANIZATION_ARN.test(organization) ? organization.split('/')[1] : undefined;
  (access._organizationalUnitArns ?? []).forEach((ou, i) => {
    const value = typeof ou === 'string' ? concrete(ou) : undefined;
    if (value === undefined) {
      return;
    }
    if (!OU_ARN.test(value)) {
      problems.push({ rule: 'OrganizationalUnitArn', text: `${spell('organizationalUnitArns')}[${i}] is ${JSON.stringify(value)}, which is not an OU ARN (API model \`OrganizationalUnitArn\`: arn:aws:organizations::<management account>:ou/o-<id>/ou-<id>). Fix: pass the OU's ARN, e.g. 'arn:aws:organizations::111122223333:ou/o-exampleorgid/ou-exam-exampleouid', not its ID.` });
    } else if (orgId !== undefined && value.split('/')[1] !== orgId) {
      problems.push({ rule: 'OrganizationalUnitArn', text: `${spell('organizationalUnitArns')}[${i}] is ${JSON.stringify(value)}, an OU of organization ${value.split('/')[1]}, not of ${orgId} (${spell('organizationArn')}): the key policies would allow no account. Fix: pass OUs of the organization given as ${spell('organizationArn')}.` });
    }
  });
  return problems;
}

/** The options of `addRegion()`. */
export function checkRegionOptions(scope: IConstruct, name: Naming, o: RegionDistributionOptions): void {
  checkInput(scope, () => name('options'), o, 'object');
  checkAmiSettings(scope, name, o);
  checkInput(scope, () => name('kmsKey'), o.kmsKey, 'construct');
  checkInput(scope, () => name('licenseConfigurationArns'), o.licenseConfigurationArns, 'string list');
  checkInput(scope, () => name('launchTemplates'), o.launchTemplates, 'object list');
  (o.launchTemplates ?? []).forEach((lt, i) => {
    checkInput(scope, () => name(`launchTemplates[${i}].launchTemplate`), lt.launchTemplate, 'construct', true);
    checkInput(scope, () => name(`launchTemplates[${i}].accountId`), lt.accountId, 'string');
    checkInput(scope, () => name(`launchTemplates[${i}].setDefaultVersion`), lt.setDefaultVersion, 'boolean');
  });
  checkInput(scope, () => name('ssmParameters'), o.ssmParameters, 'object list');
  (o.ssmParameters ?? []).forEach((p, i) => {
    checkInput(scope, () => name(`ssmParameters[${i}].parameterName`), p.parameterName, 'string', true);
    checkInput(scope, () => name(`ssmParameters[${i}].amiAccount`), p.amiAccount, 'string');
    checkInput(scope, () => name(`ssmParameters[${i}].dataType`), p.dataType, 'string');
  });
  checkInput(scope, () => name('fastLaunch'), o.fastLaunch, 'object list');
  (o.fastLaunch ?? []).forEach((f, i) => {
    checkInput(scope, () => name(`fastLaunch[${i}].enabled`), f.enabled, 'boolean');
    checkInput(scope, () => name(`fastLaunch[${i}].maxParallelLaunches`), f.maxParallelLaunches, 'number');
    checkInput(scope, () => name(`fastLaunch[${i}].targetSnapshotCount`), f.targetSnapshotCount, 'number');
    checkInput(scope, () => name(`fastLaunch[${i}].launchTemplate`), f.launchTemplate, 'construct');
    checkInput(scope, () => name(`fastLaunch[${i}].accountId`), f.accountId, 'string');
  });
}

/** The options of `addContainerRegion()`. */
export function checkContainerOptions(scope: IConstruct, name: Naming, o: ContainerDistributionOptions): void {
  checkInput(scope, () => name('options'), o, 'object', true);
  checkInput(scope, () => name('repository'), o.repository, 'construct', true);
  checkInput(scope, () => name('tags'), o.tags, 'string list');
  checkInput(scope, () => name('description'), o.description, 'string');
}
