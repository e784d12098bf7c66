/*
 * Reading a distribution configuration in its CloudFormation shape. Any intrinsic function (`Ref`,
 * `Fn::If`, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::ImportValue`, ...) is a value known only at deploy
 * time, wherever it stands: never a finding. Its literal parts are still read where they can be (the
 * Region inside an ARN built with `Fn::Join` or `Fn::Sub`).
 */

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStr = (v: unknown): v is string => typeof v === 'string';
export const isNum = (v: unknown): v is number => typeof v === 'number';
/** A value as messages quote it: JSON, or (for what JSON cannot write: undefined, functions) its text. */
export function show(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** `{ "Ref": ... }`, `{ "Fn::...": ... }` or `{ "Condition": ... }`: a value computed at deploy time. */
export function isIntrinsic(v: unknown): boolean {
  if (!isObj(v)) {
    return false;
  }
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
}

/** Placeholder for the parts of a text computed at deploy time. */
export const UNKNOWN = '\u0000';

/**
 * The values of CloudFormation's pseudo parameters (`AWS::Region`, `AWS::AccountId`, `AWS::Partition`) in the
 * resource's stack, where they are concrete: `Aws.REGION` (`{ "Ref": "AWS::Region" }`) and `${AWS::Region}` in
 * `Fn::Sub` are the stack's Region, whatever entry they stand in.
 */
export type PseudoParameters = Readonly<Partial<Record<'AWS::Region' | 'AWS::AccountId' | 'AWS::Partition', string>>>;

const NO_PSEUDO: PseudoParameters = {};

function pseudoValue(pseudo: PseudoParameters, name: string): string | undefined {
  const value = Object.prototype.hasOwnProperty.call(pseudo, name) ? (pseudo as Record<string, unknown>)[name] : undefined;
  return isStr(value) ? value : undefined;
}

/**
 * The text of a value with its deploy-time parts replaced by a placeholder: a string as it is, an
 * `Fn::Join` of its parts, an `Fn::Sub` template with its variables (literal ones written in), and pseudo
 * parameters (`Ref`, or `${...}` in `Fn::Sub`) by their values in `pseudo` when known.
 */
export function literalText(v: unknown, pseudo: PseudoParameters = NO_PSEUDO): string | undefined {
  if (isStr(v)) {
    return v;
  }
  if (!isObj(v)) {
    return undefined;
  }
  const ref = v.Ref;
  if (isStr(ref)) {
    return Object.keys(v).length === 1 ? pseudoValue(pseudo, ref) : undefined;
  }
  const join = v['Fn::Join'];
  if (Array.isArray(join) && isStr(join[0]) && Array.isArray(join[1])) {
    return join[1].map(part => literalText(part, pseudo) ?? UNKNOWN).join(join[0]);
  }
  const sub = v['Fn::Sub'];
  const [template, variables] = Array.isArray(sub) ? sub : [sub, {}];
  if (isStr(template)) {
    return template.replace(/\$\{([^}!]*)\}/g, (_, name: string) => {
      const own = isObj(variables) && Object.prototype.hasOwnProperty.call(variables, name);
      const value = own ? literalText(variables[name], pseudo) : pseudoValue(pseudo, name);
      return value ?? UNKNOWN;
    });
  }
  return undefined;
}

/** A literal text without deploy-time parts. */
export function fullyLiteral(v: unknown): string | undefined {
  const text = literalText(v);
  return text !== undefined && !text.includes(UNKNOWN) ? text : undefined;
}

/** The items of a list, and whether the list (or some of its items) is known only at deploy time. */
export interface Items {
  readonly values: unknown[];
  /** The whole list is an intrinsic: its items are unknown. */
  readonly deployTime: boolean;
}

export function items(v: unknown): Items {
  if (Array.isArray(v)) {
    return { values: v, deployTime: false };
  }
  return { values: [], deployTime: isIntrinsic(v) };
}

/** An object's fields, or none when it is missing or known only at deploy time. */
export function fields(v: unknown): Obj {
  return isObj(v) && !isIntrinsic(v) ? v : {};
}

/** One entry of `Distributions`, with its parts as the rules read them. */
export interface Entry {
  readonly index: number;
  /** The Region when written literally. */
  readonly region?: string;
  /** How messages name the entry: its Region, or its position. */
  readonly label: string;
  readonly d: Obj;
  readonly ami: Obj;
  readonly permission: Obj;
  /** The AMI settings, or their launch permission, are a deploy-time value as a whole: what they hold is unknown. */
  readonly amiDeployTime: boolean;
  readonly permissionDeployTime: boolean;
  readonly container: Obj;
}

const entriesCache = new WeakMap<Obj, { entries: Entry[]; deployTime: boolean }>();

/** The entries of a configuration (read once for all rules); deploy-time entries (`Fn::If`) and a deploy-time list are skipped. */
export function entriesOf(config: Obj): { entries: Entry[]; deployTime: boolean } {
  let cached = entriesCache.get(config);
  if (!cached) {
    cached = readEntries(config);
    entriesCache.set(config, cached);
  }
  return cached;
}

function readEntries(config: Obj): { entries: Entry[]; deployTime: boolean } {
  const list = items(config.Distributions);
  const entries: Entry[] = [];
  list.values.forEach((raw, index) => {
    if (!isObj(raw) || isIntrinsic(raw)) {
      return;
    }
    const region = isStr(raw.Region) ? raw.Region : undefined;
    const ami = fields(raw.AmiDistributionConfiguration);
    entries.push({
      index,
      region,
      label: `Region ${region ?? `#${index}`}`,
      d: raw,
      ami,
      permission: fields(ami.LaunchPermissionConfiguration),
      amiDeployTime: isIntrinsic(raw.AmiDistributionConfiguration),
      permissionDeployTime: isIntrinsic(raw.AmiDistributionConfiguration) || isIntrinsic(ami.LaunchPermissionConfiguration),
      container: fields(raw.ContainerDistributionConfiguration),
    });
  });
  return { entries, deployTime: list.deployTime || list.values.some(isIntrinsic) };
}
