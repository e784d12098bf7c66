import { RuleId } from './catalog';

/*
 * A finding is structured: which rule, where (an entry of `Distributions` and a field, in CloudFormation
 * terms), the problem and the fix. Text that names a field or a call of the construct holds tokens, so that
 * messages.ts can word it in the user's terms: the prop they wrote, in TypeScript or Python spelling, or the
 * CloudFormation path for hand-written resources.
 */

/** A path in the CloudFormation shape: inside an entry of `Distributions`, or at the top level. */
export type Path = ReadonlyArray<string | number>;

/** A field of the same entry (or, with `top`, of the configuration), named in the user's terms. */
export interface FieldToken {
  readonly field: Path;
  readonly top?: boolean;
}

/** A method of the construct (`addRegion`), spelled in the user's language. */
export interface CallToken {
  readonly call: 'addRegion' | 'addContainerRegion';
}

export type Token = string | FieldToken | CallToken;
export type Text = ReadonlyArray<Token>;

export interface Finding {
  readonly rule: RuleId;
  /** The index of the entry in `Distributions`; undefined for the configuration's own fields. */
  readonly entry?: number;
  /** The entry's Region, when it is written literally. */
  readonly region?: string;
  /** The field the finding is about; empty for the entry (or configuration) as a whole. */
  readonly path: Path;
  readonly problem: Text;
  readonly fix: Text;
}

/** A field of the entry the finding is about. */
export function field(...path: Path): FieldToken {
  return { field: path };
}

/** A field of the configuration itself. */
export function topField(name: string): FieldToken {
  return { field: [name], top: true };
}

export function call(name: CallToken['call']): CallToken {
  return { call: name };
}

/** Text from a template literal, keeping tokens: t`add ${account} to ${field('TargetAccountIds')}`. */
export function t(strings: TemplateStringsArray, ...values: Array<Token | number>): Text {
  const text: Token[] = [];
  strings.forEach((s, i) => {
    if (s) {
      text.push(s);
    }
    if (i < values.length) {
      const value = values[i];
      text.push(typeof value === 'number' ? String(value) : value);
    }
  });
  return text;
}
