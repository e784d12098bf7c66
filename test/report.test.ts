import { Result, formatJson, formatText, groupResults } from '../src/cli/common/report';

/*
 * The report every verb prints (src/cli/common/report.ts): findings that share a cause are one line with the
 * accounts counted, and one group in JSON that lists them; a cause of one result keeps its own line.
 */

const missingRole = (account: string): Result => ({
  check: 'cross-account-role',
  status: 'fail',
  account,
  resource: 'EC2ImageBuilderDistributionCrossAccountRole',
  message: `does not exist in target account ${account}.`,
  fix: `deploy CrossAccountDistributionRole in account ${account}`,
  distributions: ['Golden/Dist'],
});

test('a cause shared by five accounts is one line naming three and counting the rest; the JSON group lists all five', () => {
  const accounts = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'];
  const other: Result = { check: 'key', status: 'fail', account: '123456789012', region: 'us-east-1', resource: 'alias/golden', message: 'is Disabled.', fix: 'enable it', distributions: [] };
  const results = [...accounts.map(missingRole), other, { ...other, status: 'pass' as const, resource: 'alias/other', message: 'enabled' }];

  const lines = formatText(results, 'verify: header').split('\n');

  expect(lines).toEqual([
    'verify: header',
    'FAIL      cross-account-role  5 accounts  global  EC2ImageBuilderDistributionCrossAccountRole: does not exist in target account <account>. Fix: deploy CrossAccountDistributionRole in account <account>. Accounts (5): 111111111111, 222222222222, 333333333333, and 2 more (--json lists them all).',
    'FAIL      key                 123456789012  us-east-1  alias/golden: is Disabled. Fix: enable it.',
    'PASS      key                 123456789012  us-east-1  alias/other: enabled',
    '7 checks: 1 passed, 6 failed, 0 unchecked, 0 deployed by this app',
  ]);
  const json = JSON.parse(formatJson(results, {}));
  expect(json.groups).toEqual([
    expect.objectContaining({ check: 'cross-account-role', status: 'fail', count: 5, accounts, message: 'does not exist in target account <account>.' }),
    expect.objectContaining({ check: 'key', status: 'fail', count: 1, accounts: ['123456789012'], message: 'is Disabled.' }),
  ]);
  expect(json.checks).toHaveLength(7);
});

test('results of other checks, Regions or messages are other causes', () => {
  const a = missingRole('111111111111');
  expect(groupResults([a, { ...a, region: 'eu-west-1' }, { ...a, check: 'key' }, { ...a, message: 'other' }, missingRole('222222222222')]).map(g => g.count))
    .toEqual([2, 1, 1, 1]);
});
