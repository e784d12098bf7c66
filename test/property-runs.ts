/**
 * How many cases each property test tries. One environment variable sets them all: `PROPERTY_RUNS`, the
 * number of random configurations of the largest property (default 200, a quick local loop); the others
 * scale with it by their cost. `.ci/run` sets 1000.
 */
export const PROPERTY_RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

if (!Number.isInteger(PROPERTY_RUNS) || PROPERTY_RUNS < 1) {
  throw new Error(`PROPERTY_RUNS must be a whole number of at least 1, not ${JSON.stringify(process.env.PROPERTY_RUNS)}`);
}

/** The run count of a property that costs `1 / share` of the largest one per case. */
export function propertyRuns(share = 1): number {
  return Math.max(1, Math.round(PROPERTY_RUNS * share));
}
