import { FoundDistribution } from '../common/assembly';
import { literal } from '../common/template';

/*
 * The deployed distribution configuration (GetDistributionConfiguration) against the app's (the cloud assembly),
 * before DistributeImage changes anything (pure: no AWS calls). DistributeImage distributes with the deployed one,
 * whatever the app says: a configuration changed in the console, or an app changed and not deployed, would copy and
 * share the AMI where nobody asked (an extra launch-permission account, a public AMI). Every field of every Region
 * entry is compared; values the template knows only at deploy time (a key of the app by `Fn::GetAtt`) are taken as
 * deployed, and listed.
 */

type Json = Record<string, any>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One field that differs, where. */
export interface Difference {
  /** The Region entry, or undefined for a Region entry of the app whose Region is known only at deploy time. */
  readonly region?: string;
  /** The configuration's account (the account that distributes). */
  readonly account: string;
  /** The field as the API names it, e.g. `amiDistributionConfiguration.launchPermission.userIds`. */
  readonly field: string;
  readonly message: string;
}

export interface Comparison {
  readonly differences: Difference[];
  /** Fields of the app known only at deploy time, taken as deployed (`<Region> <field>`). */
  readonly deployTime: string[];
}

/** Keys whose values are user data (tag maps): their keys keep their case. */
const USER_MAPS = new Set(['AmiTags', 'Tags']);

/**
 * A template value in the API's shape (camelCase; `LaunchPermissionConfiguration` is `launchPermission`), with
 * intrinsics that are literals written in; `DEPLOY_TIME` for what is known only at deploy time.
 */
const DEPLOY_TIME = Symbol('deploy time');
function apiValue(value: unknown, env: { account: string; region: string; partition: string }, userMap = false): unknown {
  if (Array.isArray(value)) {
    return value.map(v => apiValue(v, env));
  }
  if (!isObj(value)) {
    return value;
  }
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return literal(value, env) ?? DEPLOY_TIME;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => {
    const name = userMap ? k : k === 'LaunchPermissionConfiguration' ? 'launchPermission' : k.charAt(0).toLowerCase() + k.slice(1);
    return [name, apiValue(v, env, !userMap && USER_MAPS.has(k))];
  }));
}

/** What the service writes in when a field is left out (so that leaving it out and writing the default compare equal). */
function withDefaults(field: string, item: Json, owner: string): Json {
  switch (field) {
    case 'launchTemplateConfigurations':
      return { accountId: owner, setDefaultVersion: false, ...item };
    case 'ssmParameterConfigurations':
      return { amiAccountId: owner, dataType: 'text', ...item };
    case 'fastLaunchConfigurations':
      return { accountId: owner, ...item };
    default:
      return item;
  }
}

const hasDeployTime = (v: unknown): boolean => v === DEPLOY_TIME
  || (Array.isArray(v) ? v.some(hasDeployTime) : isObj(v) && Object.values(v).some(hasDeployTime));

/** Empty lists, empty objects and absent values say the same: nothing. */
const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);

const canonical = (v: unknown): string => JSON.stringify(v, (_, x) =>
  (isObj(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

const show = (v: unknown) => (typeof v === 'string' ? v : canonical(v));

/** Compares one field (recursively), pushing what differs. */
function compareValue(app: unknown, deployed: unknown, field: string, where: { region: string; account: string },
  out: Comparison): void {
  const push = (message: string) => out.differences.push({ ...where, field, message: `Region ${where.region}, account ${where.account}: ${field}: ${message}` });
  if (app === DEPLOY_TIME) {
    out.deployTime.push(`${where.region} ${field}: ${deployed === undefined ? 'not in the deployed configuration either' : show(deployed)}`);
    return;
  }
  if (empty(app) && empty(deployed)) {
    return;
  }
  if (Array.isArray(app) || Array.isArray(deployed)) {
    const leaf = field.split('.').pop()!;
    const items = (v: unknown) => (Array.isArray(v) ? v : empty(v) ? [] : [v]).map(x => (isObj(x) ? withDefaults(leaf, x, where.account) : x));
    const a = items(app);
    const d = items(deployed);
    if (a.some(hasDeployTime)) {
      // A list with a deploy-time item (or an item with one) cannot be compared item by item: taken as deployed.
      out.deployTime.push(`${where.region} ${field}: ${show(deployed)}`);
      return;
    }
    const aKeys = new Set(a.map(canonical));
    const dKeys = new Set(d.map(canonical));
    const extra = d.filter(x => !aKeys.has(canonical(x)));
    const missing = a.filter(x => !dKeys.has(canonical(x)));
    if (extra.length > 0) {
      push(`the deployed configuration has ${extra.map(show).join(', ')}, which the app does not`);
    }
    if (missing.length > 0) {
      push(`the app has ${missing.map(show).join(', ')}, which the deployed configuration does not`);
    }
    return;
  }
  if (isObj(app) || isObj(deployed)) {
    const a = isObj(app) ? app : {};
    const d = isObj(deployed) ? deployed : {};
    if (!isObj(app) && !empty(app)) {
      push(`the app has ${show(app)}, the deployed configuration ${show(deployed)}`);
      return;
    }
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(d)])].sort()) {
      if (field.endsWith('amiTags') || field.endsWith('.tags')) {
        // A tag map: compared value by value under its own keys.
        if (String(a[key] ?? '') !== String(d[key] ?? '')) {
          push(`tag ${key}: the app has ${JSON.stringify(a[key])}, the deployed configuration ${JSON.stringify(d[key])}`);
        }
        continue;
      }
      compareValue(a[key], d[key], `${field}.${key}`, where, out);
    }
    return;
  }
  if (String(app) !== String(deployed)) {
    push(`the app has ${JSON.stringify(app)}, the deployed configuration ${JSON.stringify(deployed)}`);
  }
}

/** Compares the app's configuration `app` with the deployed one (GetDistributionConfiguration's), Region by Region. */
export function compareConfigurations(app: FoundDistribution, deployed: Json,
  where: { account: string; region: string; partition: string }): Comparison {
  const out: Comparison = { differences: [], deployTime: [] };
  const env = { account: app.account ?? where.account, region: app.region ?? where.region, partition: where.partition };
  const deployedByRegion = new Map<string, Json>();
  for (const entry of (Array.isArray(deployed.distributions) ? deployed.distributions : []).filter(isObj)) {
    deployedByRegion.set(String(entry.region), entry);
  }
  const appEntries = (Array.isArray(app.properties.Distributions) ? app.properties.Distributions : []).filter(isObj);
  const seen = new Set<string>();
  for (const entry of appEntries) {
    const region = literal(entry.Region, env);
    if (region === undefined) {
      out.differences.push({ account: where.account, field: 'region', message: `account ${where.account}: a Region entry of the app has its Region ${JSON.stringify(entry.Region)} known only at deploy time, so it cannot be compared` });
      continue;
    }
    seen.add(region);
    const mine = apiValue(entry, { ...env, region }) as Json;
    const theirs = deployedByRegion.get(region);
    if (!theirs) {
      out.differences.push({ region, account: where.account, field: 'distributions', message: `Region ${region}, account ${where.account}: the app distributes to Region ${region}, the deployed configuration does not` });
      continue;
    }
    for (const key of [...new Set([...Object.keys(mine), ...Object.keys(theirs)])].sort()) {
      if (key !== 'region') {
        compareValue(mine[key], theirs[key], key, { region, account: where.account }, out);
      }
    }
  }
  for (const region of deployedByRegion.keys()) {
    if (!seen.has(region)) {
      out.differences.push({ region, account: where.account, field: 'distributions', message: `Region ${region}, account ${where.account}: the deployed configuration distributes to Region ${region}, the app does not` });
    }
  }
  return out;
}
