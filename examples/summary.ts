import * as fs from 'fs';
import * as path from 'path';

/**
 * Prints what a synthesized cloud assembly distributes: stacks, Regions, keys and accounts.
 * Usage: ts-node examples/summary.ts <cdk.out directory>
 */
function summarize(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf-8'));
  const lines: string[] = [];
  const stacks = Object.entries<any>(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  lines.push(`${stacks.length} stacks synthesized in ${outdir}`);
  for (const [name, artifact] of stacks) {
    const template = JSON.parse(fs.readFileSync(path.join(outdir, artifact.properties.templateFile), 'utf-8'));
    const resources = Object.values<any>(template.Resources ?? {});
    const count = (type: string) => resources.filter(r => r.Type === type).length;
    lines.push(`- ${name} (${artifact.environment.replace('aws://', '')}): ${resources.length} resources, ${count('AWS::KMS::Key')} KMS keys, ${count('AWS::KMS::Alias')} aliases, ${count('AWS::IAM::Role')} roles`);
    const dependencies = (artifact.dependencies ?? []).filter((d: string) => !d.endsWith('.assets'));
    if (dependencies.length > 0) {
      lines.push(`    deploys after: ${dependencies.join(', ')}`);
    }
    for (const [logicalId, key] of Object.entries<any>(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::KMS::Key')) {
      const sids = (key.Properties.KeyPolicy?.Statement ?? []).map((s: any) => s.Sid).filter((sid: string | undefined) => sid?.startsWith('ImageBuilder'));
      lines.push(`    key ${logicalId}: ${sids.length > 0 ? `policy grants ${sids.join(', ')}` : 'no Image Builder consumers'}`);
    }
    for (const dist of resources.filter(r => r.Type === 'AWS::ImageBuilder::DistributionConfiguration')) {
      lines.push(`    distribution ${dist.Properties.Name}:`);
      for (const d of dist.Properties.Distributions) {
        const ami = d.AmiDistributionConfiguration ?? {};
        const permission = ami.LaunchPermissionConfiguration ?? {};
        const key = typeof ami.KmsKeyId === 'string' ? ami.KmsKeyId : ami.KmsKeyId ? `${JSON.stringify(ami.KmsKeyId)} (resolved at deploy time)` : 'none';
        const launchers = ['UserIds', 'OrganizationArns', 'OrganizationalUnitArns', 'UserGroups'].flatMap(k => permission[k] ?? []);
        const copies = (ami.TargetAccountIds ?? []).join(', ') || 'no account';
        lines.push(`      ${d.Region}: key ${key}; copies to ${copies}; launch permission for ${launchers.join(', ') || 'the owner only'}`);
      }
    }
    for (const role of resources.filter(r => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName)) {
      lines.push(`    role ${role.Properties.RoleName}`);
    }
    const custom = resources.filter(r => r.Type.startsWith('Custom::') || r.Type === 'AWS::Lambda::Function').length;
    if (custom > 0) {
      lines.push(`    ${custom} custom resources or Lambda functions`);
    }
  }
  return lines;
}

console.log(summarize(process.argv[2] ?? 'cdk.out').join('\n'));
