/*
 * Reading values of a synthesized template without deploying it, for every verb: literals, and the pseudo
 * parameters of the stack's environment written in; ARNs taken apart.
 */

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The environment template values are read in: the stack's account and Region, the caller's partition. */
export type Env = { account?: string; region?: string; partition: string };

/**
 * A template value as a string, with the pseudo parameters of the stack's environment written in
 * (`Ref AWS::AccountId`, `AWS::Region`, `AWS::Partition`, `AWS::URLSuffix`, in `Fn::Join` and `Fn::Sub` too);
 * undefined for anything else known only at deploy time.
 */
export function literal(value: unknown, env: Env): string | undefined {
  const pseudo: Record<string, string | undefined> = {
    'AWS::AccountId': env.account,
    'AWS::Region': env.region,
    'AWS::Partition': env.partition,
    'AWS::URLSuffix': env.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
  };
  if (typeof value === 'string') {
    return value;
  }
  if (!isObj(value)) {
    return undefined;
  }
  if (typeof value.Ref === 'string') {
    return pseudo[value.Ref];
  }
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1].map(p => literal(p, env));
    return parts.every(p => p !== undefined) ? parts.join(join[0]) : undefined;
  }
  const sub = value['Fn::Sub'];
  if (typeof sub === 'string') {
    let complete = true;
    const text = sub.replace(/\$\{([^}!]+)\}/g, (_, name: string) => pseudo[name] ?? ((complete = false), ''));
    return complete ? text : undefined;
  }
  return undefined;
}

/** A `KmsKeyId` as an ARN: ARNs as they are, key IDs and alias names of the Region's account in that Region. */
export function kmsArnOf(keyId: string, partition: string, region: string, account: string): string {
  return keyId.startsWith('arn:') ? keyId : `arn:${partition}:kms:${region}:${account}:${keyId.startsWith('alias/') ? keyId : `key/${keyId}`}`;
}

/** The account in an ARN (`arn:<partition>:<service>:<region>:<account>:...`). */
export function arnAccount(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return /^[0-9]{12}$/.test(account ?? '') ? account : undefined;
}

/** The Region in an ARN, if it has one. */
export function arnRegion(arn: string): string | undefined {
  return arn.startsWith('arn:') ? arn.split(':')[3] || undefined : undefined;
}
