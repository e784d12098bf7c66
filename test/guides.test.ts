import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthError, warningsOf } from './helpers';
import { buildAfterTheBuildApp } from '../examples/guides/after-the-build/app';
import { CONTAINER_REGIONS, buildContainerApp } from '../examples/guides/containers/app';
import { buildInheritanceApp } from '../examples/guides/inheritance/app';
import { buildKeysApp } from '../examples/guides/keys/app';
import { buildRetireApp } from '../examples/guides/retire/app';
import { buildVerificationApp } from '../examples/guides/verification/app';
import { DistributionConfiguration } from '../src';
import { INHERITED_SETTINGS } from '../src/private/region-distribution';

/*
 * The guides of docs/guides: every TypeScript block is a region of a file that a named test builds (so a guide cannot
 * show code that does not compile or synthesize); every Python block runs in the Python suite
 * (python-tests/test_guides.py), and one marked as a region of a file is that region; the README links every guide,
 * and what each guide says its app synthesizes is what the app synthesizes.
 */

const ROOT = path.join(__dirname, '..');
const GUIDES_DIR = path.join(ROOT, 'docs', 'guides');
const GUIDES = fs.readdirSync(GUIDES_DIR).filter(f => f.endsWith('.md')).sort();

interface Block {
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** `<!-- code: <file>#<region>; built by <test> -->` right before the block. */
  readonly marker?: { file: string; region: string; test: string };
}

function blocksOf(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)/.exec(lines[i]);
    if (!open) {
      continue;
    }
    const end = lines.indexOf('```', i + 1);
    const previous = lines.slice(0, i).reverse().find(l => l.trim() !== '') ?? '';
    const marker = /^<!-- code: (\S+)#(\S+); built by (\S+) -->$/.exec(previous);
    blocks.push({
      line: i + 1,
      lang: open[1],
      code: lines.slice(i + 1, end).join('\n'),
      marker: marker ? { file: marker[1], region: marker[2], test: marker[3] } : undefined,
    });
    i = end;
  }
  return blocks;
}

/** A region of a file (`// #region name` ... `// #endregion`, `# region name` ... `# endregion`), dedented. */
function regionOf(file: string, name: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf-8');
  if (file === 'README.md') {
    // The README's marked blocks: `<!-- quick-start:python -->` and the fence after it.
    const match = new RegExp(`<!-- ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(text);
    if (!match) {
      throw new Error(`README.md has no block after <!-- ${name} -->`);
    }
    return match[1];
  }
  const lines = text.split('\n');
  const start = lines.findIndex(l => new RegExp(`^\\s*(//|#) #?region ${name}$`).test(l));
  const end = lines.findIndex((l, k) => k > start && /^\s*(\/\/|#) #?endregion$/.test(l));
  if (start < 0 || end < 0) {
    throw new Error(`${file} has no region ${name}`);
  }
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter(l => l.trim() !== '').map(l => /^ */.exec(l)![0].length));
  return body.map(l => l.slice(indent)).join('\n');
}

describe.each(GUIDES)('docs/guides/%s', guide => {
  const markdown = fs.readFileSync(path.join(GUIDES_DIR, guide), 'utf-8');

  test('is task-shaped: a title and a goal', () => {
    expect(markdown).toMatch(/^# .+\n\n\*\*Goal\*\*: /);
  });

  test('every TypeScript block, and every marked Python block, is code that a named test builds', () => {
    const code = blocksOf(markdown).filter(b => ['ts', 'typescript', 'python'].includes(b.lang));
    expect(code.length).toBeGreaterThan(0);
    for (const block of code) {
      if (block.lang === 'python' && !block.marker) {
        // python-tests/test_guides.py runs every Python block of docs/guides.
        continue;
      }
      expect({ line: block.line, marker: block.marker }).toEqual({ line: block.line, marker: expect.objectContaining({ file: expect.any(String) }) });
      const { file, region, test } = block.marker!;
      expect({ line: block.line, code: block.code }).toEqual({ line: block.line, code: regionOf(file, region) });
      // The named test builds the file: it exists and names it.
      const testSource = fs.readFileSync(path.join(ROOT, test), 'utf-8');
      expect(testSource).toContain(file === 'README.md' ? 'README.md' : path.basename(file).replace(/\.(ts|py)$/, ''));
    }
  });

  test('its Python blocks are run by the Python suite', () => {
    if (blocksOf(markdown).some(b => b.lang === 'python')) {
      expect(fs.readFileSync(path.join(ROOT, 'python-tests', 'test_guides.py'), 'utf-8')).toContain('ROOT / "docs" / "guides").glob("*.md")');
    }
  });

  test('the README links it', () => {
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8')).toContain(`(docs/guides/${guide})`);
  });
});

describe('keys guide', () => {
  const app = buildKeysApp(new App());
  app.synth();
  const stack = (name: string) => app.node.findChild(name) as Stack;

  test('keys rotate yearly, outlive their stack, and wait 30 days before deletion', () => {
    for (const name of ['AmiKeys-us-east-1', 'AmiKeys-eu-west-1']) {
      Template.fromStack(stack(name)).hasResource('AWS::KMS::Key', {
        Properties: { EnableKeyRotation: true, RotationPeriodInDays: 365, PendingWindowInDays: 30 },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  test('eu-west-1 names its key by alias ARN; ap-southeast-2 has no key', () => {
    const [dist] = Object.values<any>(Template.fromStack(stack('GoldenAmi')).findResources('AWS::ImageBuilder::DistributionConfiguration'));
    const byRegion = Object.fromEntries(dist.Properties.Distributions.map((e: any) => [e.Region, e.AmiDistributionConfiguration]));
    expect(byRegion['eu-west-1'].KmsKeyId).toMatch(/^arn:aws:kms:eu-west-1:111111111111:alias\/imagebuilder-distribution\//);
    expect(byRegion['ap-southeast-2'].KmsKeyId).toBeUndefined();
  });

  test('sharing the copy of a Region without a key is the warning the guide names', () => {
    const shared = new App();
    const sharedStack = new Stack(shared, 'GoldenAmi', { env: { account: '111111111111', region: 'us-east-1' } });
    const sourceKey = new kms.Key(sharedStack, 'AmiKey');
    new DistributionConfiguration(sharedStack, 'Distribution', { sourceKey, amiName: 'golden-{{ imagebuilder:buildDate }}' })
      .addRegion('us-east-1', { kmsKey: sourceKey })
      .addRegion('ap-southeast-2', { launchPermission: { accounts: ['222222222222'] } });
    expect(synthError(sharedStack)).toBe('');
    expect(warningsOf(sharedStack)).toEqual([expect.stringMatching(/^\[SourceKeyDefaultEncryption\] addRegion\('ap-southeast-2', ...\) kmsKey is not set/)]);
  });
});

describe('settings inheritance guide', () => {
  const markdown = fs.readFileSync(path.join(GUIDES_DIR, 'settings-inheritance.md'), 'utf-8');

  test('the table lists every setting a Region inherits, and nothing else', () => {
    const table = markdown.slice(markdown.indexOf('| Setting (`AmiDistributionSettings`)'), markdown.indexOf('\n\n', markdown.indexOf('| Setting')));
    const rows = [...table.matchAll(/^\| `(\w+)` \|/gm)].map(m => m[1]);
    expect(rows.sort()).toEqual([...INHERITED_SETTINGS].sort());
  });

  test('each Region renders what the guide says', () => {
    const app = buildInheritanceApp(new App());
    const [dist] = Object.values<any>(Template.fromStack(app.node.findChild('GoldenAmi') as Stack)
      .findResources('AWS::ImageBuilder::DistributionConfiguration'));
    const rendered = Object.fromEntries(dist.Properties.Distributions.map((e: any) => [e.Region, {
      tags: Object.keys(e.AmiDistributionConfiguration.AmiTags ?? {}).sort(),
      launch: e.AmiDistributionConfiguration.LaunchPermissionConfiguration?.UserIds,
      targets: e.AmiDistributionConfiguration.TargetAccountIds,
    }]));
    expect(rendered).toEqual({
      'us-east-1': { tags: ['os', 'team'], launch: ['222222222222'], targets: ['333333333333'] },
      'eu-west-1': { tags: ['region'], launch: ['222222222222'], targets: ['333333333333'] },
      'eu-central-1': { tags: ['os', 'region', 'team'], launch: ['222222222222'], targets: ['333333333333'] },
      'ap-southeast-2': { tags: ['os', 'team'], launch: ['444444444444'], targets: ['333333333333'] },
      'sa-east-1': { tags: ['os', 'team'], launch: ['222222222222'], targets: undefined },
    });
  });
});

describe('container images guide', () => {
  const app = buildContainerApp(new App());
  app.synth();
  const distributionStack = app.node.findChild('GoldenContainer') as Stack;

  test('one container entry per Region; other Regions\' repositories by name, with a stack dependency', () => {
    const [dist] = Object.values<any>(Template.fromStack(distributionStack).findResources('AWS::ImageBuilder::DistributionConfiguration'));
    expect(dist.Properties.Distributions.map((e: any) => e.Region)).toEqual(CONTAINER_REGIONS);
    for (const entry of dist.Properties.Distributions) {
      expect(entry.ContainerDistributionConfiguration.ContainerTags).toEqual(['latest']);
      expect(entry.ContainerDistributionConfiguration.TargetRepository.Service).toBe('ECR');
    }
    const names = dist.Properties.Distributions.map((e: any) => e.ContainerDistributionConfiguration.TargetRepository.RepositoryName);
    expect(names.slice(1)).toEqual(['golden/app', 'golden/app']);
    expect(names[0]).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^Repository-us-east-1:/) });
    expect(distributionStack.dependencies.map(s => s.stackName).sort()).toEqual(['Repository-ap-southeast-2', 'Repository-eu-west-1', 'Repository-us-east-1']);
  });
});

describe('after the build guide', () => {
  const app = buildAfterTheBuildApp(new App());
  const template = Template.fromStack(app.node.findChild('GoldenAmi') as Stack);

  test('the execution role trusts Image Builder and has the distribution\'s statements', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'ImageBuilderDistribution',
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'imagebuilder.amazonaws.com' } }] },
    });
    const statements = Object.values<any>(template.findResources('AWS::IAM::Policy')).flatMap(p => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap(s => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['ec2:CopyImage', 'ec2:ModifyImageAttribute', 'sts:AssumeRole', 'ssm:PutParameter', 'kms:Decrypt']));
    // The target account's role, and no other.
    const assume = statements.filter(s => s.Action === 'sts:AssumeRole');
    expect(assume.map(s => s.Resource)).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:role/EC2ImageBuilderDistributionCrossAccountRole']] }]);
  });

  test('the rule sends the ARN of every AVAILABLE image to the topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.imagebuilder'], 'detail-type': ['EC2 Image Builder Image State Change'], 'detail': { state: { status: ['AVAILABLE'] } } },
      Targets: [Match.objectLike({ InputTransformer: Match.objectLike({ InputPathsMap: { 'resources-0-': '$.resources[0]' } }) })],
    });
  });
});

describe('retire guide', () => {
  const app = buildRetireApp(new App());
  const stack = (name: string) => app.node.findChild(name) as Stack;

  test('the lifecycle policy deprecates at 30 days and deletes at 90 with the AMIs and snapshots, keeping 3', () => {
    Template.fromStack(stack('GoldenAmi')).hasResourceProperties('AWS::ImageBuilder::LifecyclePolicy', {
      ResourceSelection: { Recipes: [{ Name: 'golden-ami', SemanticVersion: 'x.x.x' }] },
      PolicyDetails: [
        { Action: { Type: 'DEPRECATE', IncludeResources: { Amis: true } }, Filter: { Type: 'AGE', Value: 30, Unit: 'DAYS' } },
        { Action: { Type: 'DELETE', IncludeResources: { Amis: true, Snapshots: true } }, Filter: { Type: 'AGE', Value: 90, Unit: 'DAYS', RetainAtLeast: 3 } },
      ],
    });
  });

  test('the target account gets the lifecycle role, so synth warns about nothing', () => {
    const roles = Object.values<any>(Template.fromStack(stack('TargetAccountRoles')).findResources('AWS::IAM::Role')).map(r => r.Properties.RoleName);
    expect(roles.sort()).toEqual(['EC2ImageBuilderDistributionCrossAccountRole', 'Ec2ImageBuilderCrossAccountLifecycleAccess']);
    expect(synthError(stack('GoldenAmi'))).toBe('');
    expect(warningsOf(stack('GoldenAmi'))).toEqual([]);
  });
});

describe('verify continuously guide', () => {
  const app = buildVerificationApp(new App());
  const stack = (name: string) => app.node.findChild(name) as Stack;
  const golden = Template.fromStack(stack('GoldenAmi'));

  test('each image that becomes AVAILABLE and a daily schedule start the verification function', () => {
    golden.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.imagebuilder'], 'detail-type': ['EC2 Image Builder Image State Change'], 'detail': { state: { status: ['AVAILABLE'] } } },
    });
    golden.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    golden.hasResourceProperties('AWS::IAM::Role', { RoleName: 'ImageBuilderDistributionVerifier-us-east-1' });
  });

  test('the pipeline runs Amazon\'s build and test workflows, then the rings\' distribution workflow with its gate', () => {
    const [pipeline] = Object.values<any>(golden.findResources('AWS::ImageBuilder::ImagePipeline'));
    const arns = pipeline.Properties.Workflows.map((w: any) => JSON.stringify(w.WorkflowArn));
    expect(arns).toHaveLength(3);
    expect(arns[0]).toMatch(/workflow\/build\/build-image/);
    expect(arns[1]).toMatch(/workflow\/test\/test-image/);
    const [workflow] = Object.values<any>(golden.findResources('AWS::ImageBuilder::Workflow'));
    expect(workflow.Properties.Type).toBe('DISTRIBUTION');
    // The document is a JSON string joined with the gate topic's ARN (a reference, written here as a placeholder).
    const data = workflow.Properties.Data;
    const text = typeof data === 'string' ? data : data['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : 'TOPIC')).join('');
    const steps = JSON.parse(text).steps.map((s: any) => `${s.action}:${s.name}`);
    // The canary ring, its gate, then everyone.
    expect(steps.filter((s: string) => /^(DistributeImage|WaitForAction):/.test(s))).toEqual([
      'DistributeImage:Distribute_canary', 'WaitForAction:VerifyRing1', 'DistributeImage:Distribute_everyone',
    ]);
  });

  test('each target account gets the read-only verification role, and synth reports nothing', () => {
    for (const account of ['222222222222', '333333333333']) {
      const roles = Object.values<any>(Template.fromStack(stack(`TargetAccountRoles-${account}`)).findResources('AWS::IAM::Role')).map(r => r.Properties.RoleName);
      expect(roles.sort()).toEqual(['EC2ImageBuilderDistributionCrossAccountRole', 'ImageBuilderDistributionVerification']);
    }
    expect(synthError(stack('GoldenAmi'))).toBe('');
    expect(warningsOf(stack('GoldenAmi'))).toEqual([]);
  });
});
