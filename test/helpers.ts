import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';

/** A stack of the test account in a Region. */
export function newStack(region = 'us-east-1', app = new App()) {
  return new Stack(app, 'Stack', { env: { account: '111111111111', region } });
}

/** The synth error message, or '' when synthesis succeeds. */
export function synthError(stack: Stack): string {
  try {
    (stack.node.root as App).synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/** Every warning of a stack. */
export const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => w.entry.data as string);
