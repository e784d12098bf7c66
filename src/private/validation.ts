import { Stack, Token, Tokenization, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { constructionError, report } from './errors';
import { CATALOG, RuleContext, checkDistributionConfiguration } from './rules';
import { Wording, render } from './rules/messages';
import { Obj } from './rules/shape';

/*
 * The flow of a check: the resource's properties as CloudFormation receives them -> the rules -> messages in
 * the user's terms -> errors that fail `cdk synth` (unless acknowledged) and acknowledgeable warnings.
 */

const validated = new WeakSet<imagebuilder.CfnDistributionConfiguration>();

/** Whether a resource is checked already (by its construct, or by an aspect visiting it again). */
export function isValidated(resource: imagebuilder.CfnDistributionConfiguration): boolean {
  return validated.has(resource);
}

/**
 * Checks `resource` when the app is validated (during `cdk synth`): errors fail the synthesis with the construct
 * path of `scope`; warnings are attached to the resource, with an id users can acknowledge on any construct
 * above it.
 */
export function addDistributionValidation(
  scope: IConstruct, resource: imagebuilder.CfnDistributionConfiguration, context: () => RuleContext, wording: Wording) {
  validated.add(resource);
  registerName(resource);
  scope.node.addValidation({
    validate: () => {
      let properties: Obj;
      try {
        properties = propertiesOf(resource);
      } catch (e) {
        // The L1 refuses to render properties of the wrong type (aws-cdk-lib's own type check): say so as a finding.
        return report(resource, [{ rule: 'ResourceProperties', level: CATALOG.ResourceProperties.level, text: propertiesError(e) }]);
      }
      const findings = checkDistributionConfiguration(properties, { ...context(), nameCollisions: collisionsOf(resource) });
      const messages = render(findings, wording).map(m => ({ ...m, level: CATALOG[m.rule].level }));
      return report(resource, messages);
    },
  });
}

/**
 * The resource's `Properties` as CloudFormation receives them: rendered by the L1 (which keeps only the keys
 * it types, and the JSON-typed objects as written), with escape-hatch overrides applied, tokens resolved to
 * intrinsic functions. `_toCloudFormation()` is how aws-cdk-lib renders every resource; should it ever be
 * missing, the typed properties are read instead (without overrides).
 */
export function propertiesOf(resource: imagebuilder.CfnDistributionConfiguration): Obj {
  const stack = Stack.of(resource);
  const toCloudFormation = (resource as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  if (typeof toCloudFormation === 'function') {
    const template = stack.resolve(toCloudFormation.call(resource)) as { Resources?: Record<string, { Properties?: Obj }> };
    const [rendered] = Object.values(template.Resources ?? {});
    if (rendered) {
      return rendered.Properties ?? {};
    }
  }
  return {
    Name: stack.resolve(resource.name),
    Description: stack.resolve(resource.description),
    Tags: stack.resolve(resource.tags),
    Distributions: stack.resolve(resource.distributions),
  };
}

function propertiesError(e: unknown): string {
  const reason = String(e instanceof Error ? e.message : e).replace(/^Resolution error: /, '').replace(/\s*\n\s*/g, '; ').replace(/[.;\s]+$/, '');
  return `[ResourceProperties] The resource's properties do not have the types of AWS::ImageBuilder::DistributionConfiguration, so its template cannot be written: ${reason}. Fix: give each property the type the resource takes (a string, a list or an object), or write an intrinsic function for a value known at deploy time.`;
}

/** Names of distribution configurations per account and Region, as Image Builder compares them (lowercase, spaces as '-'). */
const namesByApp = new WeakMap<IConstruct, Map<string, imagebuilder.CfnDistributionConfiguration[]>>();

function nameKey(resource: imagebuilder.CfnDistributionConfiguration): string | undefined {
  const stack = Stack.of(resource);
  const name: unknown = resource.name;
  // A name that is not a literal string (a token, or a value of the wrong type, which its own rule reports) collides with nothing known.
  if (typeof name !== 'string' || Token.isUnresolved(name)) {
    return undefined;
  }
  // Stacks without an explicit environment may deploy anywhere: only names in the same stack surely collide.
  const env = Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region) ? `stack ${stack.node.path}` : `${stack.account}/${stack.region}`;
  // The API model: Image Builder makes the ARN from a normalized name, so names that differ only in case, spaces or
  // underscores are one name.
  return `${env}/${name.toLowerCase().replace(/[ _]/g, '-')}`;
}

function registerName(resource: imagebuilder.CfnDistributionConfiguration) {
  const key = nameKey(resource);
  if (!key) {
    return;
  }
  const root = resource.node.root;
  let names = namesByApp.get(root);
  if (!names) {
    names = new Map();
    namesByApp.set(root, names);
  }
  names.set(key, [...(names.get(key) ?? []), resource]);
}

function collisionsOf(resource: imagebuilder.CfnDistributionConfiguration): string[] {
  const key = nameKey(resource);
  const others = key ? namesByApp.get(resource.node.root)?.get(key) ?? [] : [];
  return others.filter(other => other !== resource).map(other => {
    // A construct's own resource is named by the construct.
    const owner = other.node.scope;
    return owner && owner.node.defaultChild === other ? owner.node.path : other.node.path;
  });
}

/**
 * aws-cdk-lib reads a number whose bits match its encoding of number tokens as a token, and stops the synthesis
 * with "Encoded representation of unknown number Token found" (before any validation) when it registered no such
 * token. Such a literal (about -1.888e289) is found here first, while the app is prepared, and said in our terms.
 */
export function checkNumbersAreNotTokens(resource: imagebuilder.CfnDistributionConfiguration): void {
  const raw = resource as unknown as { rawOverrides?: unknown };
  const roots: Array<[string, unknown]> = [
    ['Name', resource.name], ['Description', resource.description], ['Distributions', resource.distributions],
    ['Tags', resource.tags], ['(escape-hatch overrides)', raw.rawOverrides],
  ];
  const seen = new Set<unknown>();
  const visit = (path: string, value: unknown): void => {
    if (typeof value === 'number') {
      if (isUnknownNumberToken(value)) {
        throw constructionError('ResourceProperties', `${path} is the number ${value}, which aws-cdk-lib takes for a number token it does not know, so the template cannot be written. Fix: write another number (this one is only the encoding of a token).`, resource);
      }
      return;
    }
    if (typeof value !== 'object' || value === null || seen.has(value) || Token.isUnresolved(value)) {
      return;
    }
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((v, i) => visit(`${path}[${i}]`, v));
    } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
      Object.entries(value as Record<string, unknown>).forEach(([k, v]) => visit(`${path}.${k}`, v));
    }
  };
  roots.forEach(([path, value]) => visit(path, value));
}

function isUnknownNumberToken(value: number): boolean {
  if (!Token.isUnresolved(value)) {
    return false;
  }
  try {
    Tokenization.reverseNumber(value);
    return false;
  } catch {
    return true;
  }
}
