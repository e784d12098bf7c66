import { format } from 'util';

/**
 * Jest's setup of every test file: a test that writes to console.warn or console.error fails, with what it wrote,
 * instead of jest printing it with a stack trace that reads like a failure. aws-cdk-lib writes warnings there (its
 * template validation report, for one); a test that expects one captures and asserts it:
 *
 *   const error = jest.spyOn(console, 'error').mockImplementation(() => {});
 *   ...
 *   expect(error).toHaveBeenCalledWith(expect.stringContaining('...'));
 *   error.mockRestore();
 *
 * (the mock stands in for this guard until restored). Output outside a test (beforeAll, afterAll) is printed as
 * usual.
 */
const written: string[] = [];
for (const level of ['warn', 'error'] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    if (expect.getState().currentTestName === undefined) {
      original(...args);
    } else {
      written.push(`console.${level}: ${format(...args)}`);
    }
  };
}

beforeEach(() => {
  written.length = 0;
});

afterEach(() => {
  if (written.length > 0) {
    const text = written.splice(0).join('\n\n');
    throw new Error(`The test wrote to the console; capture and assert what it expects (test/console.setup.ts):\n\n${text}`);
  }
});
