import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_kms as kms, cx_api as cxapi } from 'aws-cdk-lib';
import { ACCOUNT, CONTEXT } from './app';

/*
 * The organization case of issue 19: one distribution to 10 Regions, each Region with its own kms.Key in a key
 * stack of that Region, a source key in the distribution's stack, and N target accounts (1,000 by default)
 * whose copies use the keys through organization-scoped key access. Written two ways (bench/variants/org-*.ts):
 * hand-written L1 with the same key-policy statements, and the library.
 */

export const ORG_HOME = 'us-east-1';
export const ORG_REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
export const ORGANIZATION_ARN = 'arn:aws:organizations::999999999999:organization/o-exampleorg1';
export const ORGANIZATION_ID = 'o-exampleorg1';

export type OrganizationVariant = 'org-l1' | 'org-library';
export const ORGANIZATION_VARIANTS: OrganizationVariant[] = ['org-l1', 'org-library'];

/** The target accounts: `n` 12-digit IDs. */
export const targetAccounts = (n: number) => Array.from({ length: n }, (_, i) => String(200000000000 + i));

export interface OrganizationWriter {
  /** Adds the distribution of `accounts` to `stack`; Region r copies with `keys[r]`; the build makes the AMI with `sourceKey`. */
  addDistribution(stack: Stack, accounts: string[], keys: kms.Key[], sourceKey: kms.Key): void;
}

export function buildOrganizationApp(writer: OrganizationWriter, n: number, outdir: string): App {
  const app = new App({ context: CONTEXT, outdir });
  const stack = new Stack(app, 'Distribution', { env: { account: ACCOUNT, region: ORG_HOME } });
  const keys = ORG_REGIONS.map(region => new kms.Key(region === ORG_HOME ? stack : new Stack(app, `Keys-${region}`, { env: { account: ACCOUNT, region } }), 'Key'));
  writer.addDistribution(stack, targetAccounts(n), keys, new kms.Key(stack, 'SourceKey'));
  return app;
}

/**
 * What the case must hold (issue 19, "Done when"): every key policy under KMS's 32,768 bytes and every template
 * file under CloudFormation's 1,000,000 bytes. The problems, if any.
 */
export function sizeProblems(assembly: cxapi.CloudAssembly): string[] {
  const problems: string[] = [];
  for (const stack of assembly.stacks) {
    const bytes = fs.statSync(path.join(assembly.directory, stack.templateFile)).size;
    if (bytes >= 1_000_000) {
      problems.push(`template ${stack.templateFile}: ${bytes} bytes`);
    }
    for (const [id, resource] of Object.entries<any>(stack.template.Resources ?? {})) {
      const policy = resource.Type === 'AWS::KMS::Key' ? Buffer.byteLength(JSON.stringify(resource.Properties.KeyPolicy)) : 0;
      if (policy >= 32_768) {
        problems.push(`key policy ${stack.stackName}/${id}: ${policy} bytes`);
      }
    }
  }
  return problems;
}
