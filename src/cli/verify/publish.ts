import { VerificationRun } from './run';
import { METRICS } from '../../private/verification-names';
import { Result, formatText } from '../common/report';

/*
 * What the verification function publishes of a run (issue #28's contract, read by the construct's dashboard and
 * alarms): one JSON line per copy (the AMI of one Region and account), which also carries the copy's metrics in
 * CloudWatch's embedded metric format, one JSON line per run, and, when the run did not pass, the finding for SNS.
 * Pure: the handler writes the lines and sends the finding.
 */

/** What started a run. */
export type Trigger = 'image-available' | 'schedule' | 'release-gate';

export type CopyVerdict = 'present' | 'failing' | 'unchecked';
export type RunVerdict = 'pass' | 'fail' | 'unchecked';

/** One copy of the image and what the run found about it. */
export interface Copy {
  readonly region: string;
  readonly account: string;
  readonly ami: string | null;
  readonly verdict: CopyVerdict;
  /** The checks of the copy that did not pass. */
  readonly findings: Array<{ check: string; status: string; message: string; fix?: string }>;
}

/** A run as the handler publishes it: a report, or one that could not run (with its configuration when known). */
export interface Published {
  readonly trigger: Trigger;
  readonly ring?: string;
  readonly configuration: string | null;
  readonly image: string | null;
  readonly verdict: RunVerdict;
  readonly copies: Copy[];
  readonly results: Result[];
  readonly notices: string[];
}

const AMI_ID = /^ami-[0-9a-f]+$/;

/**
 * The copies of a run and their verdicts: the owner's and each target account's AMI in each Region of the intent.
 * A copy is failing when a check of its Region and account failed, else unchecked when one could not run or none
 * ran at all, else present. A run that stopped before it knew its copies (the image unreadable, still building)
 * has one copy it knows of, the image's own Region and account, unchecked: unknown is never success.
 */
export function copiesOf(run: VerificationRun & { kind: 'report' }, where: { region: string; account: string }): Copy[] {
  // A result about the whole image that could not be checked leaves every copy unknown.
  const everywhere = run.results.filter(r => r.check === 'image' && r.status === 'unchecked');
  const pairs = run.intent
    ? run.intent.regions.flatMap(r => [...new Set([r.owner, ...r.targets])].map(account => ({ region: r.region, account })))
    : [where];
  return pairs.map(({ region, account }) => {
    const own = run.results.filter(r => r.region === region && r.account === account);
    const relevant = [...own, ...everywhere.filter(r => !own.includes(r))];
    const ami = own.find(r => r.check === 'ami' && AMI_ID.test(r.resource))?.resource ?? null;
    const findings = relevant.filter(r => r.status === 'fail' || r.status === 'unchecked')
      .map(r => ({ check: r.check, status: r.status, message: r.message, ...(r.fix ? { fix: r.fix } : {}) }));
    const verdict: CopyVerdict = relevant.some(r => r.status === 'fail') ? 'failing'
      : relevant.length === 0 || relevant.some(r => r.status !== 'pass') ? 'unchecked' : 'present';
    if (relevant.length === 0) {
      findings.push({ check: 'ami', status: 'unchecked', message: `no check of the copy in ${account} and ${region} ran`, fix: 'see the run\'s record and notices' });
    }
    return { region, account, ami, verdict, findings };
  });
}

/** The verdict of a run: fail on any failed check, else unchecked on anything unknown, else pass. */
export function runVerdict(results: Result[], copies: Copy[]): RunVerdict {
  if (results.some(r => r.status === 'fail') || copies.some(c => c.verdict === 'failing')) {
    return 'fail';
  }
  if (copies.length === 0 || results.some(r => r.status !== 'pass') || copies.some(c => c.verdict !== 'present')) {
    return 'unchecked';
  }
  return 'pass';
}

/** The copy's log line: its record with the CloudWatch embedded metric format directive and values. */
export function copyLine(p: Published, copy: Copy, namespace: string, timestamp: number, byAccount = true): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{
        Namespace: namespace,
        // By account only when asked (VERIFY_METRICS_BY_ACCOUNT): each account is 4 more custom metrics.
        Dimensions: byAccount ? [[], ['Region'], ['Account']] : [[], ['Region']],
        Metrics: Object.values(METRICS).map(Name => ({ Name, Unit: 'Count' })),
      }],
    },
    record: 'copy',
    trigger: p.trigger,
    ...(p.ring !== undefined ? { ring: p.ring } : {}),
    configuration: p.configuration,
    image: p.image,
    region: copy.region,
    account: copy.account,
    ami: copy.ami,
    verdict: copy.verdict,
    findings: copy.findings,
    Region: copy.region,
    Account: copy.account,
    [METRICS.expected]: 1,
    [METRICS.present]: copy.verdict === 'present' ? 1 : 0,
    [METRICS.failing]: copy.verdict === 'failing' ? 1 : 0,
    [METRICS.unchecked]: copy.verdict === 'unchecked' ? 1 : 0,
  };
}

/**
 * CloudWatch Logs takes events of at most 256 KB
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html): beyond this, the
 * run's line keeps its findings and counts the passes it leaves out (each copy's line has them).
 */
const MAX_LINE = 200_000;

/** The run's log line. */
export function runLine(p: Published): Record<string, unknown> {
  const count = (v: CopyVerdict) => p.copies.filter(c => c.verdict === v).length;
  const line: Record<string, unknown> = {
    record: 'verification',
    trigger: p.trigger,
    ...(p.ring !== undefined ? { ring: p.ring } : {}),
    configuration: p.configuration,
    image: p.image,
    verdict: p.verdict,
    expected: p.copies.length,
    present: count('present'),
    failing: count('failing'),
    unchecked: count('unchecked'),
    notices: p.notices,
    results: p.results,
  };
  if (JSON.stringify(line).length > MAX_LINE) {
    const findings = p.results.filter(r => r.status !== 'pass');
    return { ...line, results: findings.slice(0, 500), resultsLeftOut: p.results.length - Math.min(findings.length, 500) };
  }
  return line;
}

/** SNS takes a subject of less than 100 characters and a message of at most 256 KB (sns:Publish). */
const MAX_SUBJECT = 99;
const MAX_MESSAGE = 250_000;

/** The finding for SNS of a run that did not pass: a subject and the text report naming each copy not present. */
export function finding(p: Published): { subject: string; message: string } | undefined {
  if (p.verdict === 'pass') {
    return undefined;
  }
  const failing = p.copies.filter(c => c.verdict === 'failing');
  const unchecked = p.copies.filter(c => c.verdict === 'unchecked');
  const name = (p.image ?? p.configuration ?? 'an image').split('/').slice(1).join('/') || (p.image ?? p.configuration ?? 'an image');
  // ASCII without line breaks (sns:Publish refuses others in a subject).
  const subject = `Image verification ${p.verdict === 'fail' ? 'FAILED' : 'UNCHECKED'}: ${failing.length} failing, ${unchecked.length} unchecked copies of ${name}`
    .replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_SUBJECT);
  const copyLines = [...failing, ...unchecked].map(c => [
    `${c.verdict.toUpperCase().padEnd(9)} ${c.region}  ${c.account}  ${c.ami ?? 'no AMI'}`,
    ...c.findings.map(f => `    ${f.check}: ${f.message}${f.fix ? ` Fix: ${f.fix}.` : ''}`),
  ].join('\n'));
  const head = [
    `Verification of ${p.image ?? 'no image'} (${p.trigger}${p.ring !== undefined ? `, ring ${p.ring}` : ''}): ${p.verdict.toUpperCase()}`,
    `Configuration: ${p.configuration ?? 'unknown'}`,
    `Copies: ${p.copies.length} expected, ${p.copies.filter(c => c.verdict === 'present').length} present, ${failing.length} failing, ${unchecked.length} unchecked`,
    '',
    ...copyLines,
    '',
    formatText(p.results.filter(r => r.status !== 'pass'), 'Checks that did not pass:', p.notices),
  ].join('\n');
  if (head.length <= MAX_MESSAGE) {
    return { subject, message: head };
  }
  const cut = head.slice(0, MAX_MESSAGE);
  return { subject, message: `${cut.slice(0, cut.lastIndexOf('\n'))}\n... (cut at ${MAX_MESSAGE} characters: the function's log has every copy's record)` };
}
