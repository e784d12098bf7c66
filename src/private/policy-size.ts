/*
 * The size IAM counts for a policy document: its characters without white space, as the document is sent
 * (JSON). For a document resolved by CloudFormation, deploy-time values count what is known of them (a pseudo
 * parameter its shortest value, anything else nothing), so the size is a lower bound: never over the real one.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */

/** The shortest values of the pseudo parameters CDK writes into ARNs. */
const PSEUDO_MIN: Record<string, number> = { 'AWS::Partition': 3, 'AWS::AccountId': 12, 'AWS::Region': 9, 'AWS::URLSuffix': 13 };

const nonWhiteSpace = (s: string) => s.replace(/\s/g, '').length;

/** The fewest characters (without white space) the JSON of `value` has once CloudFormation resolves it. */
export function minPolicySize(value: unknown): number {
  if (typeof value === 'string') {
    return nonWhiteSpace(JSON.stringify(value));
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value).length;
  }
  if (value === null || value === undefined) {
    return value === null ? 4 : 0;
  }
  if (Array.isArray(value)) {
    const present = value.filter(v => v !== undefined);
    return 2 + present.reduce((n: number, v) => n + minPolicySize(v), 0) + Math.max(0, present.length - 1);
  }
  if (typeof value === 'object') {
    const inner = stringContent(value as Record<string, unknown>);
    if (inner !== undefined) {
      return inner + 2; // a deploy-time string, with its quotes
    }
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return 2 + entries.reduce((n, [k, v]) => n + nonWhiteSpace(JSON.stringify(k)) + 1 + minPolicySize(v), 0) + Math.max(0, entries.length - 1);
  }
  return 0;
}

/** For an intrinsic function that yields a string: the fewest characters of that string; otherwise undefined. */
function stringContent(value: Record<string, unknown>): number | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1 || !(keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return undefined;
  }
  const ref = value.Ref;
  if (typeof ref === 'string') {
    return Object.prototype.hasOwnProperty.call(PSEUDO_MIN, ref) ? PSEUDO_MIN[ref] : 0;
  }
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1] as unknown[];
    return parts.reduce((n: number, part) => n + partContent(part), 0) + nonWhiteSpace(join[0]) * Math.max(0, parts.length - 1);
  }
  return 0;
}

function partContent(part: unknown): number {
  if (typeof part === 'string') {
    // Inside a string, quotes and backslashes are escaped in the JSON.
    return nonWhiteSpace(JSON.stringify(part)) - 2;
  }
  return typeof part === 'object' && part !== null && !Array.isArray(part) ? stringContent(part as Record<string, unknown>) ?? 0 : 0;
}
