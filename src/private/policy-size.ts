import * as fs from 'fs';
import * as path from 'path';
import { ISynthesisSession, Stack } from 'aws-cdk-lib';
import { DistributionError, acknowledgement, report } from './errors';
import { ackId } from './rules/catalog';
import { spell } from './rules/messages';

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

/*
 * CloudFormation's limit on a template: 1 MB for a template in S3 (the CDK CLI uploads every template larger
 * than 50 KB there), counted in bytes of the file as CloudFormation receives it, which is the file aws-cdk-lib
 * writes into the cloud assembly. aws-cdk-lib warns above 80 % (`@aws-cdk/core:Stack.templateSize`) but lets
 * a template over the limit through to the deployment; the library stops there with the fix that applies to
 * distributions.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 */

/** 1 MB, as aws-cdk-lib counts it (the smaller reading: 10^6 bytes). */
export const TEMPLATE_MAX_BYTES = 1_000_000;
/** Above this share of the limit, a warning. */
export const TEMPLATE_WARNING_SHARE = 0.8;

/** What a template over (or near) the limit should change, in the caller's words. */
export type TemplateFix = (stack: Stack) => string;

interface Synthesizing {
  _synthesizeTemplate?: (session: ISynthesisSession, ...rest: unknown[]) => unknown;
}

const watched = new WeakSet<Stack>();

/**
 * Measures the template of `stack` as aws-cdk-lib writes it: the size of the written file, read after
 * aws-cdk-lib's own `_synthesizeTemplate` (which every stack synthesizer calls), so that nothing is resolved
 * or serialized twice. Above the limit the synthesis stops with `TemplateSize`; above 80 % a warning
 * (`TemplateSizeNearLimit`) users can acknowledge. Once per stack, whatever the number of callers.
 */
export function watchTemplateSize(stack: Stack, fix: TemplateFix): void {
  if (watched.has(stack)) {
    return;
  }
  watched.add(stack);
  const target = stack as unknown as Synthesizing;
  const original = target._synthesizeTemplate;
  if (typeof original !== 'function') {
    // An aws-cdk-lib without the method: measure the template before it is written (resolved a second time).
    const written = () => JSON.stringify(stack.resolve((stack as unknown as { _toCloudFormation(): unknown })._toCloudFormation()), undefined, 1);
    stack.node.addValidation({ validate: () => templateSizeErrors(stack, Buffer.byteLength(written()), fix) });
    return;
  }
  target._synthesizeTemplate = function (this: Stack, session: ISynthesisSession, ...rest: unknown[]) {
    const result = original.call(this, session, ...rest);
    const file = path.join(session.assembly.outdir, stack.templateFile);
    if (fs.existsSync(file)) {
      const errors = templateSizeErrors(stack, fs.statSync(file).size, fix);
      if (errors.length > 0) {
        throw new DistributionError('TemplateSize', errors.join('\n').replace(/^\[TemplateSize\] /, ''), stack);
      }
    }
    return result;
  };
}

function templateSizeErrors(stack: Stack, bytes: number, fix: TemplateFix): string[] {
  if (bytes <= TEMPLATE_MAX_BYTES * TEMPLATE_WARNING_SHARE) {
    return [];
  }
  const over = bytes > TEMPLATE_MAX_BYTES;
  const rule = over ? 'TemplateSize' : 'TemplateSizeNearLimit';
  if (!over && acknowledgement(stack, rule) !== undefined) {
    // aws-cdk-lib applies `Validations.acknowledge()` to warnings before it writes templates; this one comes after.
    return [];
  }
  const what = over
    ? `is ${bytes} bytes, over CloudFormation's limit of ${TEMPLATE_MAX_BYTES} bytes for a template, so the stack fails to deploy`
    : `is ${bytes} bytes, ${Math.round((bytes / TEMPLATE_MAX_BYTES) * 100)} % of CloudFormation's limit of ${TEMPLATE_MAX_BYTES} bytes for a template; a few more accounts or Regions and the stack fails to deploy`;
  return report(stack, [{
    rule,
    level: over ? 'error' : 'warning',
    text: `[${rule}] The template of stack ${stack.node.path} (${stack.templateFile}) ${what}. Fix: ${fix(stack)}.${over ? '' : ` Acknowledge ${ackId('TemplateSizeNearLimit')} to keep it.`}`,
  }]);
}

/** The fix for a template of distributions and keys: fewer account lists, or more stacks. */
export const distributionTemplateFix: TemplateFix = stack => {
  const indented = (stack as unknown as { _suppressTemplateIndentation?: boolean })._suppressTemplateIndentation !== true;
  return [
    `reach target accounts as their organization's Image Builder role (${spell('targetAccountKeyAccess')}: TargetAccountKeyAccess.${spell('organization')}(...)), so that key policies name no account`,
    `share launch permission with organizations or OUs (${spell('launchPermission')}.${spell('organizations')} or ${spell('organizationalUnits')}) instead of account lists`,
    'or spread the Regions or distributions over more stacks (each stack has its own limit)',
    ...(indented ? [`or write the template without indentation (${spell('suppressTemplateIndentation')}: true on the stack)`] : []),
  ].join('; ');
};
