import { Annotations, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { CATALOG, RuleDefinition, RuleId, ackId, leftOutId } from './rules/catalog';

/*
 * The library's errors. aws-cdk-lib's `ValidationError` is internal to aws-cdk-lib and its constructor has
 * changed before, so the library throws its own error, which carries the markers aws-cdk-lib's public
 * `Errors.isValidationError()` looks for (tested on the oldest and the newest aws-cdk-lib 2.x). jsii cannot
 * export a subclass of `Error`, so the class stays internal; users test errors with `Errors.isValidationError`
 * and read the rule ID at the start of the message.
 */

const CONSTRUCT_ERROR = Symbol.for('@aws-cdk/core.SynthesisError');
const VALIDATION_ERROR = Symbol.for('@aws-cdk/core.ValidationError');

export class DistributionError extends Error {
  /** The rule of the catalog the error belongs to. */
  public readonly rule: RuleId;
  /** The path of the construct the error is thrown from. */
  public readonly constructPath: string;

  constructor(rule: RuleId, message: string, scope: IConstruct) {
    super(`[${rule}] ${message}`);
    Object.setPrototypeOf(this, DistributionError.prototype);
    Object.defineProperty(this, CONSTRUCT_ERROR, { value: true });
    Object.defineProperty(this, VALIDATION_ERROR, { value: true });
    this.name = 'ValidationError';
    this.rule = rule;
    this.constructPath = scope.node.path;
  }

  /** As aws-cdk-lib's construct errors: the kind of error. */
  public get type(): 'validation' {
    return 'validation';
  }

  /** As aws-cdk-lib's construct errors: always `error`. */
  public get level(): 'error' {
    return 'error';
  }
}

/** The error a call throws when it makes a mistake of the catalog. */
export function constructionError(rule: RuleId, message: string, scope: IConstruct): Error {
  return new DistributionError(rule, `${message} (at ${scope.node.path})`, scope);
}

/**
 * The reason an error was acknowledged with `Validations.of(scope).acknowledge({ id, reason })` on the construct
 * or any construct above it: aws-cdk-lib records acknowledgements as construct metadata, as cdk-nag reads them.
 * The id is `cdk-imagebuilder-distribution:<RuleId>`; aws-cdk-lib stores it with its `Annotation::` namespace.
 */
export function acknowledgement(scope: IConstruct, rule: RuleId): string | undefined {
  const id = ackId(rule);
  const key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;
  for (let node: IConstruct | undefined = scope; node; node = node.node.scope) {
    for (const entry of node.node.metadata) {
      if (entry.type !== key || typeof entry.data !== 'object' || entry.data === null) {
        continue;
      }
      for (const [acknowledged, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        // aws-cdk-lib qualifies ids with the namespace of construct annotations (`Annotation::<id>`).
        if (acknowledged === id || acknowledged.replace(/^annotation::/i, '') === id) {
          return typeof reason === 'string' ? reason : '';
        }
      }
    }
  }
  return undefined;
}

/**
 * Reports findings of the catalog on `scope`: warnings as acknowledgeable warnings; errors are returned for
 * `cdk synth` to fail, unless acknowledged, in which case they are recorded as info with the reason. An
 * acknowledged error of a rule that guards key access is a warning instead: its value got no access.
 */
export function report(scope: IConstruct, messages: Array<{ rule: RuleId; text: string; level: 'error' | 'warning' }>): string[] {
  const errors: string[] = [];
  for (const m of messages) {
    if (m.level === 'warning') {
      Annotations.of(scope).addWarningV2(ackId(m.rule), m.text);
      continue;
    }
    const reason = acknowledgement(scope, m.rule);
    if (reason === undefined) {
      errors.push(m.text);
    } else if ((CATALOG[m.rule] as RuleDefinition).guardsKeyAccess) {
      // The key statements take valid values only (key-statements.ts): acknowledged, the value still gets no access.
      Annotations.of(scope).addWarningV2(leftOutId(m.rule), `Acknowledged ${ackId(m.rule)}: ${reason}. ${m.text} The value is left out of every key policy and role this library writes: it gets no access to the keys.`);
    } else {
      Annotations.of(scope).addInfo(`Acknowledged ${ackId(m.rule)}: ${reason}. ${m.text}`);
    }
  }
  return errors;
}
