import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildBasicApp } from '../examples/basic/app';
import { buildMultiAccountApp } from '../examples/multi-account/app';

/** cdk-nag's AwsSolutions pack: no finding without a written reason (suppressions live next to the code). */
describe.each([
  ['basic', buildBasicApp],
  ['multi-account', buildMultiAccountApp],
] as const)('the %s example', (_name, build) => {
  const app = new App();
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  build(app);
  const stacks = app.node.children.filter(Stack.isStack);

  test.each(stacks.map(s => [s.stackName, s] as const))('%s has no unsuppressed AwsSolutions error or warning', (_stackName, stack) => {
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ].map(f => `${f.id}: ${String(f.entry.data).split('\n')[0]}`);
    expect(findings).toEqual([]);
  });
});
