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

function readJson(file: string): Json {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch (e) {
    throw new AssemblyError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** `aws://123456789012/eu-west-1`, with `unknown-account` / `unknown-region` for environment-agnostic stacks. */
function environmentOf(environment: unknown): { account?: string; region?: string } {
  const match = /^aws:\/\/([^/]+)\/(.+)$/.exec(String(environment ?? ''));
  return {
    account: match && /^[0-9]{12}$/.test(match[1]) ? match[1] : undefined,
    region: match && match[2] !== 'unknown-region' ? match[2] : undefined,
  };
}

/** Every distribution configuration of the assembly in `dir`, stages included. */
export function readAssembly(dir: string): FoundDistribution[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new AssemblyError(`${dir} is not a cloud assembly (no manifest.json): run 'cdk synth' first, or pass --app <cdk.out directory>`);
  }
  const manifest = readJson(manifestFile);
  const found: FoundDistribution[] = [];
  for (const artifact of Object.values<Json>(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly') {
      found.push(...readAssembly(path.join(dir, artifact.properties.directoryName)));
    } else if (artifact.type === 'aws:cloudformation:stack') {
      found.push(...distributionsOfStack(dir, artifact));
    }
  }
  return found;
}

function distributionsOfStack(dir: string, artifact: Json): FoundDistribution[] {
  const template = readJson(path.join(dir, artifact.properties.templateFile));
  const metadata: Record<string, Json[]> = {
    ...artifact.metadata,
    ...(artifact.additionalMetadataFile ? readJson(path.join(dir, artifact.additionalMetadataFile)) : {}),
  };
  const records = new Map<string, LibraryRecord>();
  const paths = new Map<string, string>();
  for (const [constructPath, entries] of Object.entries(metadata)) {
    for (const entry of entries ?? []) {
      if (entry.type === PREFLIGHT_METADATA && entry.data?.logicalId) {
        records.set(entry.data.logicalId, entry.data as LibraryRecord);
      } else if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') {
        paths.set(entry.data, constructPath.replace(/^\//, ''));
      }
    }
  }
  const env = environmentOf(artifact.environment);
  return Object.entries<Json>(template.Resources ?? {})
    .filter(([, resource]) => resource.Type === 'AWS::ImageBuilder::DistributionConfiguration')
    .map(([logicalId, resource]) => ({
      stack: artifact.displayName ?? artifact.properties.stackName ?? logicalId,
      logicalId,
      constructPath: paths.get(logicalId) ?? resource.Metadata?.['aws:cdk:path'],
      ...env,
      properties: resource.Properties ?? {},
      library: records.get(logicalId),
    }));
}
