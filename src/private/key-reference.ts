import { Arn, Aws, Names, Resource, Stack, Token, aws_kms as kms, region_info as regionInfo } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/*
 * How the library names a KMS key: which key an alias stands for, which account and Region a key
 * lives in, and the string a template in another stack, Region or account writes for it.
 */

/** An alias (`kms.Alias`, `key.addAlias()`, `Alias.fromAliasName`) rather than a key. */
export function isAlias(key: kms.IKey): key is kms.IAlias {
  return typeof (key as kms.IAlias).aliasName === 'string';
}

/**
 * The key a key or alias stands for: an alias made in this app stands for its target key, so that a key
 * and its aliases share one key policy, one set of statements and one cross-Region alias.
 */
export function resolveKey(key: kms.IKey): kms.IKey {
  return key instanceof kms.Alias ? resolveKey(key.aliasTargetKey) : key;
}

/** True for keys whose policy this app writes: a `kms.Key`, or an alias made in the app for one. */
export function canEditPolicy(key: kms.IKey): key is kms.Key {
  return resolveKey(key) instanceof kms.Key;
}

/** True for AWS managed keys (`alias/aws/...`), which cannot be shared with other accounts. */
export function isAwsManagedKeyId(keyId: string): boolean {
  return /(^|:)alias\/aws\//.test(keyId);
}

const partitions = new Map<string, string | undefined>();

/** The partition of a concrete, known Region; otherwise the `AWS::Partition` pseudo parameter. */
export function partitionOf(region: string | undefined): string {
  if (region === undefined || Token.isUnresolved(region)) {
    return Aws.PARTITION;
  }
  // Looked up once per Region: RegionInfo builds its facts on every call.
  if (!partitions.has(region)) {
    partitions.set(region, regionInfo.RegionInfo.get(region).partition);
  }
  return partitions.get(region) ?? Aws.PARTITION;
}

/** The concrete value, or undefined for a token. */
export function concrete(value: string | undefined): string | undefined {
  return value === undefined || Token.isUnresolved(value) ? undefined : value;
}

/** Both concrete and different. */
export function differs(a: string, b: string): boolean {
  return !Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b;
}

/** Account and Region of a key, where known at synth time. */
export interface KeyEnvironment {
  readonly account?: string;
  readonly region?: string;
}

/**
 * Where a key lives: the stack of a key (or alias) of this app, the ARN of an imported key. An imported
 * alias (`Alias.fromAliasName`) has the account of its stack and is used in each entry's own Region.
 */
export function keyEnvironment(key: kms.IKey): KeyEnvironment {
  const resolved = resolveKey(key);
  if (Resource.isOwnedResource(resolved)) {
    const stack = Stack.of(resolved);
    return { account: concrete(stack.account), region: concrete(stack.region) };
  }
  if (isAlias(resolved)) {
    return { account: concrete(Stack.of(resolved).account) };
  }
  return arnEnvironment(resolved.keyArn);
}

/**
 * Account and Region of an ARN, each where it is written literally: `arn:${AWS::Partition}:kms:eu-west-1:...`
 * (as `Key.fromLookup` and `Stack.formatArn` write them) still names its Region. Encoded tokens hold no ':'.
 */
export function arnEnvironment(arn: string): KeyEnvironment {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') {
    return {};
  }
  return { account: concrete(parts[4]) || undefined, region: concrete(parts[3]) || undefined };
}

/** A name for a key in messages: its construct path for keys of this app, else its alias name or ARN. */
export function describeKey(key: kms.IKey): string {
  const resolved = resolveKey(key);
  if (Resource.isOwnedResource(resolved)) {
    return resolved.node.path;
  }
  if (isAlias(resolved) && !Token.isUnresolved(resolved.aliasName)) {
    return resolved.aliasName;
  }
  return Token.isUnresolved(resolved.keyArn) ? resolved.node.path : resolved.keyArn;
}

/** The id of the alias the library gives a key used from another Region or account. */
const CROSS_ENVIRONMENT_ALIAS_ID = 'ImageBuilderDistributionAlias';

/**
 * The alias name that stands for an owned key in other stacks: the literal name of the owned alias the
 * user passed, or the library's own alias of the key (one per key, made on first use).
 */
export function crossEnvironmentAliasOf(key: kms.IKey): string {
  if (key instanceof kms.Alias) {
    const literal = (key.node.defaultChild as kms.CfnAlias).aliasName;
    if (!Token.isUnresolved(literal)) {
      return literal;
    }
  }
  const target = resolveKey(key) as kms.Key;
  const existing = target.node.tryFindChild(CROSS_ENVIRONMENT_ALIAS_ID) as kms.Alias | undefined;
  if (existing) {
    return (existing.node.defaultChild as kms.CfnAlias).aliasName;
  }
  const aliasName = `alias/imagebuilder-distribution/${Names.uniqueResourceName(target, { maxLength: 200 })}`;
  new kms.Alias(target, CROSS_ENVIRONMENT_ALIAS_ID, { aliasName, targetKey: target });
  return aliasName;
}

/** The ARN of a KMS resource of an account and Region: `alias/<name>`, `key/<id>`, or `key/*` for all its keys. */
export function kmsArn(region: string, account: string, resource: string): string {
  return Arn.format({ partition: partitionOf(region), service: 'kms', region, account, resource });
}

/**
 * True when a key of this app lives in another Region or account than `scope`'s stack: its ARN is not
 * known there at synth time, so that stack names it by alias.
 */
export function inOtherEnvironment(scope: IConstruct, key: kms.IKey): boolean {
  const resolved = resolveKey(key);
  if (!Resource.isOwnedResource(resolved)) {
    return false;
  }
  const keyStack = Stack.of(resolved);
  const here = Stack.of(scope);
  return keyStack !== here && (differs(keyStack.region, here.region) || differs(keyStack.account, here.account));
}

/**
 * How an IAM policy in `scope`'s stack names `key`: its ARN; or, for a key of this app in another account
 * or Region (whose key ID is not known at synth time), that environment's key ARNs restricted to the
 * key's alias with `kms:ResourceAliases`.
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases
 */
export function keyReferenceFrom(scope: IConstruct, key: kms.IKey): { resource: string; aliasName?: string } {
  if (inOtherEnvironment(scope, key)) {
    const keyStack = Stack.of(resolveKey(key));
    return { resource: kmsArn(keyStack.region, keyStack.account, 'key/*'), aliasName: crossEnvironmentAliasOf(key) };
  }
  return { resource: resolveKey(key).keyArn };
}
