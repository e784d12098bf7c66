import { chooseKept, worstExit } from '../src/cli/retire/keep';
import { CopyState, RETAIN_TAG, exitCodeOf, planCopy } from '../src/cli/retire/plan';

/*
 * retire's verdict for one copy (pure): what keeps it, what is due, and the exit code of a run. The calls that
 * produce a CopyState are tested against moto in retire.test.ts.
 */

const NOW = new Date('2026-12-06T12:00:30.000Z');

const copy = (over: Partial<CopyState> = {}): CopyState => ({
  account: '111111111111',
  region: 'eu-west-1',
  imageId: 'ami-0123456789abcdef0',
  state: 'available',
  snapshotIds: ['snap-0a1b2c3d4e5f67890'],
  references: [],
  gaps: [],
  source: 'image',
  ...over,
});

const GAP = { what: 'the Auto Scaling groups of 111111111111/eu-west-1', reason: 'access denied', fix: 'allow it' };
const TEMPLATE = { kind: 'launch-template', id: 'lt-0abc', detail: 'version 3' };

test('an unused copy gets the change of the step', () => {
  expect(planCopy(copy(), 'deprecate', NOW)).toMatchObject({ verdict: 'retire', change: 'EnableImageDeprecation', why: 'nothing uses it: deprecate ami-0123456789abcdef0 now' });
  expect(planCopy(copy(), 'disable', NOW)).toMatchObject({ verdict: 'retire', change: 'DisableImage' });
  expect(planCopy(copy(), 'deregister', NOW)).toMatchObject({
    verdict: 'retire', change: 'DeregisterImage', why: 'nothing uses it: deregister ami-0123456789abcdef0 and delete its snapshot snap-0a1b2c3d4e5f67890',
  });
});

test('a gap keeps the copy even when it would be unused, and wins over references (both named)', () => {
  expect(planCopy(copy({ gaps: [GAP] }), 'deregister', NOW)).toMatchObject({ verdict: 'unchecked', why: 'kept: could not check what uses it: the Auto Scaling groups of 111111111111/eu-west-1: access denied' });
  expect(planCopy(copy({ gaps: [GAP], references: [TEMPLATE] }), 'deregister', NOW).why).toMatch(/; it is used by launch template lt-0abc \(version 3\)$/);
  expect(planCopy(copy({ references: [TEMPLATE, { kind: 'consumer-account', id: '222222222222', detail: '1 ec2:Instance' }] }), 'deprecate', NOW)).toMatchObject({
    verdict: 'in-use', why: 'kept: used by launch template lt-0abc (version 3); consumer account 222222222222 (1 ec2:Instance)',
  });
});

test('the retain tag keeps a copy, whatever else is true', () => {
  expect(planCopy(copy({ retain: '' }), 'deregister', NOW)).toMatchObject({ verdict: 'retained', why: `kept: the AMI has the tag ${RETAIN_TAG}` });
});

test('a copy already at the step is done: deprecated by the next minute, disabled, or deregistered (for every step)', () => {
  expect(planCopy(copy({ deprecationTime: '2026-12-01T00:00:00.000Z' }), 'deprecate', NOW).verdict).toBe('done');
  expect(planCopy(copy({ deprecationTime: '2026-12-06T12:01:00.000Z' }), 'deprecate', NOW).verdict).toBe('done');
  // Deprecated only later than the next minute: deprecated now.
  expect(planCopy(copy({ deprecationTime: '2027-06-01T00:00:00.000Z' }), 'deprecate', NOW).verdict).toBe('retire');
  expect(planCopy(copy({ deprecationTime: '2026-12-01T00:00:00.000Z' }), 'disable', NOW).verdict).toBe('retire');
  expect(planCopy(copy({ state: 'disabled' }), 'disable', NOW).verdict).toBe('done');
  expect(planCopy(copy({ state: 'disabled' }), 'deregister', NOW).verdict).toBe('retire');
  for (const step of ['deprecate', 'disable', 'deregister'] as const) {
    // Already gone: done, even if the reads about it had gaps (there is nothing left to use).
    expect(planCopy(copy({ state: 'deregistered', gaps: [GAP] }), step, NOW)).toMatchObject({ verdict: 'done', why: 'ami-0123456789abcdef0 is already deregistered' });
  }
});

test('an expected copy: none found is no copy; a failed lookup is unchecked', () => {
  expect(planCopy(copy({ imageId: undefined, state: undefined, source: 'configuration' }), 'deregister', NOW).verdict).toBe('absent');
  expect(planCopy(copy({ imageId: undefined, state: undefined, source: 'configuration', gaps: [GAP] }), 'deregister', NOW).verdict).toBe('unchecked');
});

test('exit codes: 3 wins (the run is incomplete), then 1 for copies in use, else 0', () => {
  expect(exitCodeOf(['retire', 'done', 'retained', 'absent'], 0)).toBe(0);
  expect(exitCodeOf(['retire', 'in-use'], 0)).toBe(1);
  expect(exitCodeOf(['in-use', 'unchecked'], 0)).toBe(3);
  expect(exitCodeOf(['retire', 'in-use'], 1)).toBe(3);
});

describe('--keep N: which images of a pipeline stay (chooseKept) and the run\'s exit code (worstExit)', () => {
  const image = (version: string, dateCreated: string, status = 'AVAILABLE') => ({ arn: `arn:aws:imagebuilder:us-east-1:111111111111:image/golden/${version}`, version, status, dateCreated });

  test('newest by version and build, not by date; the date breaks ties', () => {
    const images = [
      image('1.0.0/1', '2026-11-01T00:00:00.000Z'),
      image('1.10.0/1', '2026-11-02T00:00:00.000Z'),
      // Rebuilt from an older recipe version after 1.10.0: the newest date, not the newest version.
      image('1.9.0/7', '2026-11-09T00:00:00.000Z'),
      image('1.10.0/2', '2026-11-03T00:00:00.000Z'),
    ];
    const { kept, retire } = chooseKept(images, 2);
    expect(kept.map(k => [k.version, k.why])).toEqual([['1.10.0/2', 'newest available image 1 of 2'], ['1.10.0/1', 'newest available image 2 of 2']]);
    expect(retire.map(r => r.version)).toEqual(['1.9.0/7', '1.0.0/1']);
    const tie = chooseKept([image('2.0.0/1', '2026-11-01T00:00:00.000Z'), { ...image('2.0.0/1', '2026-11-02T00:00:00.000Z'), arn: 'later' }], 1);
    expect(tie.kept.map(k => k.arn)).toEqual(['later']);
  });

  test('only AVAILABLE images count; a newer build that is not available is kept too; an unreadable version is kept', () => {
    const { kept, retire } = chooseKept([
      image('1.0.0/1', '2026-11-01T00:00:00.000Z'),
      image('1.0.0/2', '2026-11-02T00:00:00.000Z'),
      image('1.0.0/3', '2026-11-03T00:00:00.000Z', 'BUILDING'),
      image('1.0.0/4', '2026-11-04T00:00:00.000Z', 'FAILED'),
      { arn: 'no-version', status: 'AVAILABLE' },
    ], 1);
    expect(kept.map(k => k.arn.split('/').slice(-2).join('/'))).toEqual(['no-version', '1.0.0/4', '1.0.0/3', '1.0.0/2']);
    expect(kept[0].why).toBe('its version null is not x.y.z/build: it cannot be ordered');
    expect(kept[1].why).toBe('newer than the newest 1 available image and FAILED: not counted, not retired');
    expect(retire.map(r => r.version)).toEqual(['1.0.0/1']);
    expect(chooseKept([image('1.0.0/1', 'x')], 3)).toEqual({ kept: [expect.objectContaining({ version: '1.0.0/1' })], retire: [] });
  });

  test('the exit code: 3 over 1 over 0; an image that could not be read (2) counts as 3', () => {
    expect(worstExit([])).toBe(0);
    expect(worstExit([0, 0])).toBe(0);
    expect(worstExit([0, 1, 0])).toBe(1);
    expect(worstExit([1, 3, 0])).toBe(3);
    expect(worstExit([0, 2])).toBe(3);
  });
});
