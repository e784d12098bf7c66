import * as fs from 'fs';
import * as path from 'path';
import { arnAccount, literal } from './template';
import { LIFECYCLE_METADATA, LibraryRecord, LifecycleRecord, PREFLIGHT_METADATA, RoleStackSetRecord, STACK_SET_METADATA } from '../../private/preflight-record';

/*
 * Reading a synthesized cloud assembly (`cdk.out`) without aws-cdk-lib, so that the command also runs from a
 * Python project: the manifest, its stacks (and those of nested assemblies, i.e. stages), their templates and
 * the metadata the library writes for each distribution configuration.
 */

/** A distribution configuration found in the assembly. */
export interface FoundDistribution {
  /** The stack's display name (its construct path). */
  readonly stack: string;
  readonly logicalId: string;
  /** The construct path of the resource, when the assembly records it. */
  readonly constructPath?: string;
  /** The stack's account and Region, when the stack has an explicit environment. */
  readonly account?: string;
  readonly region?: string;
  readonly properties: Record<string, unknown>;
  /** What the library recorded; absent for hand-written `CfnDistributionConfiguration` resources. */
  readonly library?: LibraryRecord;
  /**
   * The resource of this app a template value names (`Ref`, `Fn::GetAtt` in the stack's template, or a cross-stack
   * reference to another stack of the assembly: `Fn::ImportValue`, `Fn::GetStackOutput`, a cross-Region export
   * reader), if any.
   */
  readonly appResource?: (value: unknown) => AppResource | undefined;
  /** The image pipelines of the app that distribute with this configuration and name an `ExecutionRole`. */
  readonly pipelines?: PipelineExecution[];
  /** The lifecycle policies of the app (`DistributionLifecycle`) that retire this configuration's AMIs, by construct path. */
  readonly lifecyclePolicies?: string[];
}

/**
 * An image pipeline of the app and its `ExecutionRole` as the template writes it; when that names an IAM role of
 * the app (`Ref`, `Fn::GetAtt`, a cross-stack reference), that role's `RoleName` and `Path` as written, and its stack's
 * account.
 */
export interface PipelineExecution {
  /** The pipeline's construct path, or `<stack>/<logical ID>`. */
  readonly name: string;
  readonly executionRole: unknown;
  readonly role?: { readonly roleName: unknown; readonly path: unknown; readonly account?: string };
}

/** A resource of this app: its stack, logical ID and type. */
export interface AppResource {
  /** The stack's display name. */
  readonly stack: string;
  /** The stack's name in CloudFormation. */
  readonly stackName: string;
  readonly logicalId: string;
  /** Its CloudFormation type, e.g. `AWS::KMS::Key`. */
  readonly type: string;
  /** The stack's account and Region, when the stack has an explicit environment. */
  readonly account?: string;
  readonly region?: string;
}

/** A problem with the assembly itself: the command cannot run (exit code 2). */
export class AssemblyError extends Error {}

type Json = Record<string, any>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JSON object from `file`; anything else is the assembly's fault, said in one line that never quotes the file
 * (JSON.parse's message shows its first bytes, which may be anything the path points at).
 */
function readJson(file: string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const position = /at position ([0-9]+)/.exec(String((e as Error).message))?.[1];
    const why = typeof code === 'string' ? code : `not JSON${position ? ` (at position ${position})` : ''}`;
    throw new AssemblyError(`cannot read ${what} ${file}: ${why}. Fix: run 'cdk synth' again`);
  }
  if (!isObj(value)) {
    throw new AssemblyError(`${what} ${file} is not a JSON object. Fix: run 'cdk synth' again`);
  }
  return value;
}

/**
 * A relative file name of the manifest, checked: the assembly's files are read only inside its directory (a
 * manifest naming `../x` or `/etc/x`, or a link out of it, is refused), as `cdk synth` writes them.
 */
function fileIn(dir: string, name: unknown, what: string): string {
  if (typeof name !== 'string' || name === '') {
    throw new AssemblyError(`the manifest in ${dir} names no file for ${what}. Fix: run 'cdk synth' again`);
  }
  const file = path.join(dir, name);
  const real = (p: string) => (fs.existsSync(p) ? fs.realpathSync(p) : path.resolve(p));
  const inside = path.relative(real(dir), real(file));
  if (path.isAbsolute(name) || inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    throw new AssemblyError(`the manifest in ${dir} names ${JSON.stringify(name.slice(0, 200))} for ${what}, which is not inside the cloud assembly: only its own files are read. Fix: run 'cdk synth' again`);
  }
  return file;
}

/** `aws://123456789012/eu-west-1`, with `unknown-account` / `unknown-region` for environment-agnostic stacks. */
function environmentOf(environment: unknown): { account?: string; region?: string } {
  const match = /^aws:\/\/([^/]+)\/(.+)$/.exec(String(environment ?? ''));
  return {
    account: match && /^[0-9]{12}$/.test(match[1]) ? match[1] : undefined,
    region: match && match[2] !== 'unknown-region' ? match[2] : undefined,
  };
}

/** Something this app deploys with a literal name, that a check looks for by that name. */
export interface OwnedResource extends AppResource {
  readonly kind: 'role' | 'repository' | 'alias' | 'role-stack-set';
  /** The role name, the repository name, the alias name (`alias/...`), or the StackSet's name, as the template writes it. */
  readonly name: string;
  /** For a StackSet that deploys the target-account role to OUs: what `CrossAccountDistributionRoleStackSet` recorded. */
  readonly stackSet?: RoleStackSetRecord;
}

/** A stack of the assembly, read. */
interface StackInfo {
  readonly dir: string;
  readonly id: string;
  readonly artifact: Json;
  readonly template: Json;
  readonly resources: Json;
  /** Display name and name in CloudFormation. */
  readonly stack: string;
  readonly stackName: string;
  readonly account?: string;
  readonly region?: string;
}

function stackInfo(dir: string, id: string, artifact: Json, properties: Json): StackInfo {
  const template = readJson(fileIn(dir, properties.templateFile, `the template of stack ${id}`), `the template of stack ${id}`);
  return {
    dir,
    id,
    artifact,
    template,
    resources: isObj(template.Resources) ? template.Resources : {},
    stack: String(artifact.displayName ?? properties.stackName ?? id),
    stackName: String(properties.stackName ?? id),
    ...environmentOf(artifact.environment),
  };
}

function readStacks(dir: string): StackInfo[] {
  const stacks: StackInfo[] = [];
  walkAssembly(dir, (d, id, artifact, properties) => stacks.push(stackInfo(d, id, artifact, properties)));
  return stacks;
}

/**
 * Resolves a template value of `stack` to the app's resource it names: `Ref` and `Fn::GetAtt` of a resource of
 * the same template, and every cross-stack reference aws-cdk-lib writes, followed to the resource the producing
 * stack's output names:
 * - `Fn::ImportValue` of an export of another stack in the same environment (strong references, the default);
 * - `Fn::GetStackOutput` of an output of the stack named by `StackName`, `Region` (and, across accounts, the account of
 *   `RoleArn`): weak references, which the feature flag `@aws-cdk/core:defaultCrossStackReferences: weak` that
 *   `cdk init` sets writes, and `both`;
 * - `Fn::GetAtt` of a `Custom::CrossRegionExportReader` (strong references across Regions), whose value the producing
 *   stack's `Custom::CrossRegionExportWriter` writes.
 */
function resolverOf(stacks: StackInfo[]): (stack: StackInfo) => (value: unknown) => AppResource | undefined {
  const exports = new Map<string, Array<{ stack: StackInfo; value: unknown }>>();
  const writers = new Map<string, Array<{ stack: StackInfo; value: unknown; region?: unknown }>>();
  for (const stack of stacks) {
    for (const output of Object.values<unknown>(isObj(stack.template.Outputs) ? stack.template.Outputs : {})) {
      const name = isObj(output) && isObj(output.Export) ? output.Export.Name : undefined;
      if (typeof name === 'string' && isObj(output)) {
        exports.set(name, [...(exports.get(name) ?? []), { stack, value: output.Value }]);
      }
    }
    for (const resource of Object.values<unknown>(stack.resources)) {
      const props = isObj(resource) && resource.Type === 'Custom::CrossRegionExportWriter' && isObj(resource.Properties) ? resource.Properties.WriterProps : undefined;
      if (isObj(props) && isObj(props.exports)) {
        for (const [name, value] of Object.entries(props.exports)) {
          writers.set(name, [...(writers.get(name) ?? []), { stack, value, region: props.region }]);
        }
      }
    }
  }
  const same = (a?: string, b?: string) => a === undefined || b === undefined || a === b;
  const resolve = (stack: StackInfo, value: unknown, depth: number): AppResource | undefined => {
    if (!isObj(value) || depth > 3) {
      return undefined;
    }
    const getAtt = value['Fn::GetAtt'];
    const logicalId = typeof value.Ref === 'string' ? value.Ref
      : Array.isArray(getAtt) ? getAtt[0]
        : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
    if (typeof logicalId === 'string') {
      const resource = stack.resources[logicalId];
      if (isObj(resource) && resource.Type === 'Custom::CrossRegionExportReader' && Array.isArray(getAtt) && typeof getAtt[1] === 'string') {
        const producers = (writers.get(getAtt[1]) ?? []).filter(w => w.stack !== stack && same(w.stack.account, stack.account)
          && (typeof w.region !== 'string' || same(w.region, stack.region)));
        return producers.length === 1 ? resolve(producers[0].stack, producers[0].value, depth + 1) : undefined;
      }
      return isObj(resource) && typeof resource.Type === 'string'
        ? { stack: stack.stack, stackName: stack.stackName, logicalId, type: resource.Type, account: stack.account, region: stack.region }
        : undefined;
    }
    const imported = value['Fn::ImportValue'];
    if (typeof imported === 'string') {
      const exporters = (exports.get(imported) ?? []).filter(e => same(e.stack.account, stack.account) && same(e.stack.region, stack.region));
      return exporters.length === 1 ? resolve(exporters[0].stack, exporters[0].value, depth + 1) : undefined;
    }
    const output = value['Fn::GetStackOutput'];
    if (isObj(output) && typeof output.StackName === 'string' && typeof output.OutputName === 'string') {
      const outputName = output.OutputName;
      // Without a Region or role, the consumer's Region and account (CloudFormation's defaults).
      const region = output.Region === undefined ? stack.region : typeof output.Region === 'string' ? output.Region : null;
      // aws-cdk-lib writes the role's ARN with `Ref AWS::Partition`: its account is a literal.
      const roleArn = literal(output.RoleArn, { ...stack, partition: 'aws' });
      const roleAccount = roleArn === undefined ? undefined : arnAccount(roleArn);
      const account = output.RoleArn === undefined ? stack.account : roleAccount ?? null;
      if (region === null || account === null) {
        return undefined;
      }
      const producers = stacks.filter(s => s.stackName === output.StackName && same(s.region, region) && same(s.account, account)
        && isObj(s.template.Outputs) && isObj(s.template.Outputs[outputName]));
      return producers.length === 1 ? resolve(producers[0], (producers[0].template.Outputs as Json)[outputName].Value, depth + 1) : undefined;
    }
    return undefined;
  };
  return stack => value => resolve(stack, value, 0);
}

type StackVisitor = (dir: string, id: string, artifact: Json, properties: Json) => void;

/** Calls `visit` for every stack of the assembly in `dir`, stages included. */
function walkAssembly(dir: string, visit: StackVisitor, seen = new Set<string>()) {
  // A manifest that names its own directory (or an ancestor) as a stage would never end.
  const real = fs.existsSync(dir) ? fs.realpathSync(dir) : dir;
  if (seen.has(real)) {
    throw new AssemblyError(`the cloud assembly ${dir} contains itself as a nested assembly. Fix: run 'cdk synth' again`);
  }
  seen.add(real);
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new AssemblyError(`${dir} is not a cloud assembly (no manifest.json): run 'cdk synth' first, or pass --app <cdk.out directory>`);
  }
  const manifest = readJson(manifestFile, 'the manifest');
  if (manifest.artifacts !== undefined && !isObj(manifest.artifacts)) {
    throw new AssemblyError(`the manifest ${manifestFile} has no valid "artifacts" object. Fix: run 'cdk synth' again`);
  }
  for (const [id, artifact] of Object.entries<unknown>(manifest.artifacts ?? {})) {
    if (!isObj(artifact)) {
      throw new AssemblyError(`the manifest ${manifestFile} has an artifact ${id} that is not an object. Fix: run 'cdk synth' again`);
    }
    const properties = isObj(artifact.properties) ? artifact.properties : {};
    if (artifact.type === 'cdk:cloud-assembly') {
      // A stage: its own assembly in a subdirectory.
      walkAssembly(fileIn(dir, properties.directoryName, `the nested assembly ${id}`), visit, seen);
    } else if (artifact.type === 'aws:cloudformation:stack') {
      visit(dir, id, artifact, properties);
    }
  }
}

/** Every distribution configuration of the assembly in `dir`, stages included. */
export function readAssembly(dir: string): FoundDistribution[] {
  const stacks = readStacks(dir);
  const resolver = resolverOf(stacks);
  const distributions = stacks.flatMap(stack => distributionsOfStack(stack, resolver(stack)));
  // The pipelines that name an execution role, by the distribution configuration their DistributionConfigurationArn names.
  const pipelines = new Map<string, PipelineExecution[]>();
  const keyOf = (r: { stackName?: string; stack: string; logicalId: string }) => `${r.stack}\u0000${r.logicalId}`;
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries<unknown>(stack.resources)) {
      const props = isObj(resource) && resource.Type === 'AWS::ImageBuilder::ImagePipeline' && isObj(resource.Properties) ? resource.Properties : undefined;
      const distribution = props && props.ExecutionRole !== undefined ? resolver(stack)(props.DistributionConfigurationArn) : undefined;
      if (!props || distribution?.type !== 'AWS::ImageBuilder::DistributionConfiguration') {
        continue;
      }
      const role = resolver(stack)(props.ExecutionRole);
      const roleStack = role?.type === 'AWS::IAM::Role' ? stacks.find(s => s.stack === role.stack && s.stackName === role.stackName) : undefined;
      const roleProps = roleStack && isObj(roleStack.resources[role!.logicalId]) ? roleStack.resources[role!.logicalId].Properties : undefined;
      const metadata = isObj(resource) && isObj(resource.Metadata) ? resource.Metadata['aws:cdk:path'] : undefined;
      const found: PipelineExecution = {
        name: typeof metadata === 'string' ? metadata : `${stack.stack}/${logicalId}`,
        executionRole: props.ExecutionRole,
        ...(roleStack ? {
          role: {
            roleName: isObj(roleProps) ? roleProps.RoleName : undefined,
            path: isObj(roleProps) ? roleProps.Path : undefined,
            account: roleStack.account,
          },
        } : {}),
      };
      pipelines.set(keyOf(distribution), [...(pipelines.get(keyOf(distribution)) ?? []), found]);
    }
  }
  // The AMI lifecycle policies a DistributionLifecycle recorded, by the distribution configurations they govern.
  const lifecycles = new Map<string, string[]>();
  for (const stack of stacks) {
    for (const [constructPath, entries] of Object.entries(stackMetadata(stack))) {
      for (const entry of Array.isArray(entries) ? entries.filter(isObj) : []) {
        const data = entry.data as LifecycleRecord | undefined;
        if (entry.type !== LIFECYCLE_METADATA || !isObj(data) || data.amis !== true || !Array.isArray(data.distributions)) {
          continue;
        }
        for (const d of data.distributions.filter(isObj)) {
          const key = keyOf({ stack: String(d.stack), logicalId: String(d.logicalId) });
          lifecycles.set(key, [...(lifecycles.get(key) ?? []), constructPath.replace(/^\//, '')]);
        }
      }
    }
  }
  return distributions.map(d => ({
    ...d,
    ...(pipelines.has(keyOf(d)) ? { pipelines: pipelines.get(keyOf(d)) } : {}),
    ...(lifecycles.has(keyOf(d)) ? { lifecyclePolicies: lifecycles.get(keyOf(d)) } : {}),
  }));
}

/** The construct metadata of a stack: its manifest entry's and the additional metadata file's. */
function stackMetadata(stack: StackInfo): Record<string, unknown> {
  const { dir, id, artifact } = stack;
  return {
    ...(isObj(artifact.metadata) ? artifact.metadata : {}),
    ...(artifact.additionalMetadataFile ? readJson(fileIn(dir, artifact.additionalMetadataFile, `the metadata of stack ${id}`), `the metadata of stack ${id}`) : {}),
  };
}

/**
 * What the app deploys that the checks look for: IAM roles, ECR repositories and KMS aliases with a literal name,
 * each with its stack. Before the first deploy they do not exist, and that is no finding.
 */
export function readOwnedResources(dir: string): OwnedResource[] {
  const owned: OwnedResource[] = [];
  const kinds: Record<string, [OwnedResource['kind'], string]> = {
    'AWS::IAM::Role': ['role', 'RoleName'],
    'AWS::ECR::Repository': ['repository', 'RepositoryName'],
    'AWS::KMS::Alias': ['alias', 'AliasName'],
  };
  for (const stack of readStacks(dir)) {
    for (const [logicalId, resource] of Object.entries<unknown>(stack.resources)) {
      const kind = isObj(resource) && typeof resource.Type === 'string' ? kinds[resource.Type] : undefined;
      const name = kind && isObj(resource) && isObj(resource.Properties) ? resource.Properties[kind[1]] : undefined;
      if (kind && typeof name === 'string') {
        const type = String((resource as Json).Type);
        const { account, region, stackName } = stack;
        owned.push({ kind: kind[0], name, stack: stack.stack, stackName, logicalId, type, account, region });
      }
    }
    owned.push(...roleStackSetsOf(stack));
  }
  return owned;
}

/** The StackSets of the target-account role a `CrossAccountDistributionRoleStackSet` recorded in a stack. */
function roleStackSetsOf(stack: StackInfo): OwnedResource[] {
  const { dir, id, artifact } = stack;
  const metadata: Record<string, unknown> = {
    ...(isObj(artifact.metadata) ? artifact.metadata : {}),
    ...(artifact.additionalMetadataFile ? readJson(fileIn(dir, artifact.additionalMetadataFile, `the metadata of stack ${id}`), `the metadata of stack ${id}`) : {}),
  };
  const found: OwnedResource[] = [];
  for (const entries of Object.values(metadata)) {
    for (const entry of Array.isArray(entries) ? entries.filter(isObj) : []) {
      const data = entry.data;
      if (entry.type === STACK_SET_METADATA && isObj(data) && typeof data.logicalId === 'string' && Array.isArray(data.sourceAccounts)) {
        const resource = stack.resources[data.logicalId];
        const name = typeof data.stackSetName === 'string' ? data.stackSetName : `${data.logicalId} of stack ${stack.stack}`;
        found.push({
          kind: 'role-stack-set',
          name,
          stack: stack.stack,
          stackName: stack.stackName,
          logicalId: data.logicalId,
          type: isObj(resource) && typeof resource.Type === 'string' ? resource.Type : 'AWS::CloudFormation::StackSet',
          account: stack.account,
          region: stack.region,
          stackSet: data as unknown as RoleStackSetRecord,
        });
      }
    }
  }
  return found;
}

function distributionsOfStack(stack: StackInfo, appResource: (value: unknown) => AppResource | undefined): FoundDistribution[] {
  const { dir, id, artifact } = stack;
  const metadata: Record<string, unknown> = {
    ...(isObj(artifact.metadata) ? artifact.metadata : {}),
    ...(artifact.additionalMetadataFile ? readJson(fileIn(dir, artifact.additionalMetadataFile, `the metadata of stack ${id}`), `the metadata of stack ${id}`) : {}),
  };
  const records = new Map<string, LibraryRecord>();
  const paths = new Map<string, string>();
  for (const [constructPath, entries] of Object.entries(metadata)) {
    for (const entry of Array.isArray(entries) ? entries.filter(isObj) : []) {
      if (entry.type === PREFLIGHT_METADATA && isObj(entry.data) && typeof entry.data.logicalId === 'string' && Array.isArray(entry.data.keys)) {
        records.set(entry.data.logicalId, entry.data as LibraryRecord);
      } else if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') {
        paths.set(entry.data, constructPath.replace(/^\//, ''));
      }
    }
  }
  const env = { account: stack.account, region: stack.region };
  return Object.entries<unknown>(stack.resources)
    .filter((e): e is [string, Json] => isObj(e[1]) && e[1].Type === 'AWS::ImageBuilder::DistributionConfiguration')
    .map(([logicalId, resource]) => ({
      stack: stack.stack,
      logicalId,
      constructPath: paths.get(logicalId) ?? (isObj(resource.Metadata) && typeof resource.Metadata['aws:cdk:path'] === 'string' ? resource.Metadata['aws:cdk:path'] : undefined),
      ...env,
      properties: isObj(resource.Properties) ? resource.Properties : {},
      library: records.get(logicalId),
      appResource,
    }));
}
