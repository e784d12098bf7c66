import { App, Stack, Validations, aws_kms as kms, cx_api as cxapi } from 'aws-cdk-lib';

/*
 * The benchmark app's shape, shared by the variants: N distribution configurations x 8 Regions, each Region
 * with its own kms.Key in a key stack of that Region (the distributions in us-east-1), and two
 * launch-permission accounts.
 */

export const ACCOUNT = '111111111111';
export const HOME = 'us-east-1';
export const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
export const LAUNCH_ACCOUNTS = ['222222222222', '333333333333'];
/**
 * The context of an app as `cdk init` creates it (cdk.json holds aws-cdk-lib's recommended feature flags), with
 * the stack resource limit off: N=400 puts 800 keys in a stack. BENCH_CONTEXT=bare leaves the flags out (an app
 * without cdk.json context).
 */
export const CONTEXT = {
  ...(process.env.BENCH_CONTEXT === 'bare' ? {} : cxapi.CURRENTLY_RECOMMENDED_FLAGS),
  '@aws-cdk/core:stackResourceLimit': 0,
};

export type Variant = 'l1' | 'alpha' | 'library';
export const VARIANTS: Variant[] = ['l1', 'library', 'alpha'];

/** What a variant adds to the app: distribution `i`, whose Region r uses `keys[r]`. */
export interface VariantWriter {
  /** Whether the distribution stack needs aws-cdk-lib's cross-region references. */
  readonly crossRegionReferences?: boolean;
  /** Called once, before the distributions. */
  prepare?(stack: Stack, keyStacks: Stack[]): void;
  addDistribution(stack: Stack, i: number, keys: kms.Key[]): void;
}

/** The app: a key stack per Region other than the home Region, and the distribution stack. */
export function buildApp(writer: VariantWriter, n: number, outdir: string): App {
  const app = new App({ context: CONTEXT, outdir });
  const keyStacks = new Map(REGIONS.map(region => [region, region === HOME ? undefined : new Stack(app, `Keys-${region}`, { env: { account: ACCOUNT, region } })]));
  const stack = new Stack(app, 'Distributions', { env: { account: ACCOUNT, region: HOME }, crossRegionReferences: writer.crossRegionReferences });
  // At N=400 each stack holds 800 resources (and, with the alpha module's cross-region references, 400 outputs):
  // over CloudFormation's limits of 500 and 200, which the template validation reports; the distribution stack's
  // template is then about 1.8 MB, over CloudFormation's 1 MB, which the library reports (TemplateSize).
  for (const s of [stack, ...keyStacks.values()]) {
    for (const id of ['CloudFormation-Validate::F0007', 'CloudFormation-Validate::F0004', 'cdk-imagebuilder-distribution:TemplateSize']) {
      s && Validations.of(s).acknowledge({ id, reason: 'a benchmark, not deployed' });
    }
  }
  writer.prepare?.(stack, [...keyStacks.values()].filter((s): s is Stack => s !== undefined));
  for (let i = 0; i < n; i++) {
    writer.addDistribution(stack, i, REGIONS.map(region => new kms.Key(keyStacks.get(region) ?? stack, `Key${i}`)));
  }
  return app;
}
