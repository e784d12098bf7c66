import * as fs from 'fs';
import * as path from 'path';
import { LibraryRecord, PREFLIGHT_METADATA } from '../private/preflight-record';

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
}

/** A problem with the assembly itself: the command cannot run (exit code 2). */
export class AssemblyError extends Error {}

type Json = Record<string, any>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON object from `file`; anything else is the assembly's fault, said in one line. */
function readJson(file: string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch (e) {
    throw new AssemblyError(`cannot read ${what} ${file}: ${String((e as Error).message).split('\n')[0]}. Fix: run 'cdk synth' again`);
  }
  if (!isObj(value)) {
    throw new AssemblyError(`${what} ${file} is not a JSON object. Fix: run 'cdk synth' again`);
  }
  return value;
}

/** A relative file name of the manifest, checked. */
function fileIn(dir: string, name: unknown, what: string): string {
  if (typeof name !== 'string' || name === '') {
    throw new AssemblyError(`the manifest in ${dir} names no file for ${what}. Fix: run 'cdk synth' again`);
  }
  return path.join(dir, name);
}

/** `aws://123456789012/eu-west-1`, with `unknown-account` / `unknown-region` for environment-agnostic stacks. */
function environmentOf(environment: unknown): { account?: string; region?: string } {
  const match = /^aws:\/\/([^/]+)\/(.+)$/.exec(String(environment ?? ''));
  return {
    account: match && /^[0-9]{12}$/.test(match[1]) ? match[1] : undefined,
    region: match && match[2] !== 'unknown-region' ? match[2] : undefined,
  };
}

/** Something this app deploys that a check may find missing before the first deploy. */
export interface OwnedResource {
  readonly kind: 'role' | 'repository' | 'alias';
  /** The role name, the repository name, or the alias name (`alias/...`), as the template writes it. */
  readonly name: string;
  /** The stack's display name. */
  readonly stack: string;
  /** The stack's account and Region, when the stack has an explicit environment. */
  readonly account?: string;
  readonly region?: string;
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
  const found: FoundDistribution[] = [];
  walkAssembly(dir, (d, id, artifact, properties) => found.push(...distributionsOfStack(d, id, artifact, properties)));
  return found;
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
  walkAssembly(dir, (d, id, artifact, properties) => {
    const template = readJson(fileIn(d, properties.templateFile, `the template of stack ${id}`), `the template of stack ${id}`);
    const stack = String(artifact.displayName ?? properties.stackName ?? id);
    for (const resource of Object.values<unknown>(isObj(template.Resources) ? template.Resources : {})) {
      const kind = isObj(resource) && typeof resource.Type === 'string' ? kinds[resource.Type] : undefined;
      const name = kind && isObj(resource) && isObj(resource.Properties) ? resource.Properties[kind[1]] : undefined;
      if (kind && typeof name === 'string') {
        owned.push({ kind: kind[0], name, stack, ...environmentOf(artifact.environment) });
      }
    }
  });
  return owned;
}

function distributionsOfStack(dir: string, id: string, artifact: Json, properties: Json): FoundDistribution[] {
  const template = readJson(fileIn(dir, properties.templateFile, `the template of stack ${id}`), `the template of stack ${id}`);
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
  const env = environmentOf(artifact.environment);
  return Object.entries<unknown>(isObj(template.Resources) ? template.Resources : {})
    .filter((e): e is [string, Json] => isObj(e[1]) && e[1].Type === 'AWS::ImageBuilder::DistributionConfiguration')
    .map(([logicalId, resource]) => ({
      stack: String(artifact.displayName ?? properties.stackName ?? id),
      logicalId,
      constructPath: paths.get(logicalId) ?? (isObj(resource.Metadata) && typeof resource.Metadata['aws:cdk:path'] === 'string' ? resource.Metadata['aws:cdk:path'] : undefined),
      ...env,
      properties: isObj(resource.Properties) ? resource.Properties : {},
      library: records.get(logicalId),
    }));
}
