import { Annotations, IAspect, Stack, Token, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { DistributionConfigurationShape, Finding, RuleContext, checkDistributionConfiguration } from './rules';

/** Prefix of the ids of the library's warnings, for `Annotations.acknowledgeWarning`. */
export const WARNING_PREFIX = 'cdk-imagebuilder-distribution:';

/** The fields of `Distribution` that stay JSON-typed in CloudFormation: their keys are kept as written. */
const JSON_TYPED = new Set(['amiDistributionConfiguration', 'containerDistributionConfiguration']);

/**
 * The resource's properties in their CloudFormation shape: tokens resolved to intrinsic functions,
 * the L1's camelCase keys turned to PascalCase, and the JSON-typed objects left as written.
 */
export function cloudFormationShapeOf(resource: imagebuilder.CfnDistributionConfiguration): DistributionConfigurationShape {
  const stack = Stack.of(resource);
  return {
    Name: stack.resolve(resource.name),
    Description: stack.resolve(resource.description),
    Distributions: pascalCase(stack.resolve(resource.distributions)),
  };
}

function pascalCase(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(pascalCase);
  }
  if (typeof value !== 'object' || value === null || Object.keys(value).some(k => k.startsWith('Fn::') || k === 'Ref')) {
    return value;
  }
  return Object.fromEntries(Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), JSON_TYPED.has(k) ? v : pascalCase(v)]));
}

const validated = new WeakSet<imagebuilder.CfnDistributionConfiguration>();

/**
 * Runs every rule on `resource` when the app is validated (during `cdk synth`): errors fail the
 * synthesis with the construct path of `scope`; warnings are attached to the resource, with an id users can
 * acknowledge on any construct above it (aws-cdk-lib looks for acknowledgements on the parents of the warning's construct).
 */
export function addDistributionValidation(scope: IConstruct, resource: imagebuilder.CfnDistributionConfiguration, context: () => RuleContext) {
  validated.add(resource);
  scope.node.addValidation({
    validate: () => report(resource, checkDistributionConfiguration(cloudFormationShapeOf(resource), context())),
  });
}

function report(resource: IConstruct, findings: Finding[]): string[] {
  for (const f of findings.filter(x => x.severity === 'warning')) {
    Annotations.of(resource).addWarningV2(`${WARNING_PREFIX}${f.rule}`, f.message);
  }
  return findings.filter(f => f.severity === 'error').map(f => `[${f.rule}] ${f.message}`);
}

/** The concrete account of the construct's stack, if any. */
export function concreteAccountOf(scope: IConstruct): string | undefined {
  const account = Stack.of(scope).account;
  return Token.isUnresolved(account) ? undefined : account;
}

/**
 * An Aspect that checks every `CfnDistributionConfiguration` in its scope (hand-written, or made by the
 * Image Builder alpha module) with the same rules as `DistributionConfiguration`:
 *
 * ```ts
 * declare const app: App;
 * Aspects.of(app).add(new DistributionChecks());
 * ```
 *
 * Errors fail `cdk synth` with the resource's path; warnings can be acknowledged by id
 * (`cdk-imagebuilder-distribution:<Rule>`). Resources of `DistributionConfiguration` are already checked
 * and are not checked twice.
 */
export class DistributionChecks implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof imagebuilder.CfnDistributionConfiguration && !validated.has(node)) {
      addDistributionValidation(node, node, () => ({ ownerAccount: concreteAccountOf(node) }));
    }
  }
}
