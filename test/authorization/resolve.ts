import { createHash } from 'crypto';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { MANAGED_POLICIES } from './aws-managed-policies';

/*
 * Turns a synthesized cloud assembly into what AWS would hold after deployment: every intrinsic function
 * resolved to a concrete value (pseudo parameters, parameters given as values, references to keys and roles,
 * joins, splits, selects and imports), then the key policies, aliases and roles the authorization suite
 * evaluates.
 */

/** Values of the templates' parameters: a string, or a list for `CommaDelimitedList` parameters. */
export type ParameterValues = Record<string, string | string[]>;

export interface DeployedKey {
  readonly stack: string;
  readonly logicalId: string;
  readonly account: string;
  readonly region: string;
  readonly arn: string;
  readonly policy: any;
  /** Names of the aliases that point at the key (`kms:ResourceAliases`). */
  readonly aliases: string[];
}

export interface DeployedRole {
  readonly stack: string;
  readonly account: string;
  readonly name: string;
  readonly arn: string;
  readonly trustPolicy: any;
  /** Inline and managed policies attached to the role. */
  readonly identityPolicies: Array<{ name: string; policy: any }>;
}

export interface Deployment {
  readonly keys: DeployedKey[];
  readonly roles: DeployedRole[];
  /** Resolves any value of a stack's template, as deployed. */
  resolve(stackName: string, value: unknown): any;
}

interface StackInfo {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /** The partition of the stack's Region (`aws-cn` in cn-north-1, `aws-us-gov` in us-gov-west-1). */
  readonly partition: string;
  readonly template: any;
}

/** A key's deterministic ID: the same app deploys to the same IDs. */
export function keyIdOf(stack: string, logicalId: string): string {
  const h = createHash('sha256').update(`${stack}/${logicalId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function deploy(assembly: cxapi.CloudAssembly, parameters: ParameterValues = {}): Deployment {
  const stacks: StackInfo[] = assembly.stacks.map(s => ({
    name: s.stackName,
    account: s.environment.account,
    region: s.environment.region,
    partition: RegionInfo.get(s.environment.region).partition ?? 'aws',
    template: s.template,
  }));
  const byName = new Map(stacks.map(s => [s.name, s]));

  const exportsByName = new Map<string, { stack: StackInfo; value: unknown }>();
  for (const stack of stacks) {
    for (const output of Object.values<any>(stack.template.Outputs ?? {})) {
      if (output.Export?.Name) {
        exportsByName.set(output.Export.Name, { stack, value: output.Value });
      }
    }
  }

  function physicalId(stack: StackInfo, logicalId: string): string {
    const resource = stack.template.Resources?.[logicalId];
    if (resource?.Type === 'AWS::KMS::Key') {
      return keyIdOf(stack.name, logicalId);
    }
    if (resource?.Type === 'AWS::IAM::Role') {
      return resource.Properties?.RoleName ?? `${stack.name}-${logicalId}`;
    }
    if (resource?.Type === 'AWS::KMS::Alias') {
      return resolveIn(stack, resource.Properties.AliasName);
    }
    if (resource?.Type === 'AWS::SNS::Topic') {
      // A topic's Ref is its ARN.
      return `arn:${stack.partition}:sns:${stack.region}:${stack.account}:${resource.Properties?.TopicName ?? `${stack.name}-${logicalId}`}`;
    }
    if (resource?.Type === 'AWS::Logs::LogGroup') {
      return resource.Properties?.LogGroupName ?? `${stack.name}-${logicalId}`;
    }
    return logicalId;
  }

  function arnOf(stack: StackInfo, logicalId: string): string {
    const type = stack.template.Resources?.[logicalId]?.Type;
    if (type === 'AWS::KMS::Key') {
      return `arn:${stack.partition}:kms:${stack.region}:${stack.account}:key/${keyIdOf(stack.name, logicalId)}`;
    }
    if (type === 'AWS::IAM::Role') {
      return `arn:${stack.partition}:iam::${stack.account}:role/${physicalId(stack, logicalId)}`;
    }
    if (type === 'AWS::Logs::LogGroup') {
      // The log group's Arn attribute ends with ':*' (its streams).
      return `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${physicalId(stack, logicalId)}:*`;
    }
    throw new Error(`${stack.name}: no ARN known for ${logicalId} (${type})`);
  }

  function resolveIn(stack: StackInfo, value: unknown): any {
    if (Array.isArray(value)) {
      return value.map(v => resolveIn(stack, v));
    }
    if (typeof value !== 'object' || value === null) {
      return value;
    }
    const obj = value as Record<string, any>;
    const [fn] = Object.keys(obj);
    if (Object.keys(obj).length === 1 && (fn === 'Ref' || fn.startsWith('Fn::'))) {
      const arg = obj[fn];
      switch (fn) {
        case 'Ref': {
          const pseudo: Record<string, string> = { 'AWS::Partition': stack.partition, 'AWS::AccountId': stack.account, 'AWS::Region': stack.region, 'AWS::URLSuffix': 'amazonaws.com' };
          if (pseudo[arg]) {
            return pseudo[arg];
          }
          if (stack.template.Parameters?.[arg]) {
            if (!(arg in parameters)) {
              throw new Error(`${stack.name}: no value given for parameter ${arg}`);
            }
            return parameters[arg];
          }
          return physicalId(stack, arg);
        }
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = typeof arg === 'string' ? arg.split('.') : arg;
          if (attribute !== 'Arn') {
            throw new Error(`${stack.name}: Fn::GetAtt ${logicalId}.${attribute} is not modelled`);
          }
          return arnOf(stack, logicalId);
        }
        case 'Fn::Join':
          return resolveIn(stack, arg[1]).join(arg[0]);
        case 'Fn::Split':
          return resolveIn(stack, arg[1]).split(arg[0]);
        case 'Fn::Select':
          return resolveIn(stack, arg[1])[Number(resolveIn(stack, arg[0]))];
        case 'Fn::ImportValue': {
          const exported = exportsByName.get(resolveIn(stack, arg));
          if (!exported) {
            throw new Error(`${stack.name}: no export named ${JSON.stringify(arg)}`);
          }
          return resolveIn(exported.stack, exported.value);
        }
        default:
          throw new Error(`${stack.name}: ${fn} is not modelled`);
      }
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolveIn(stack, v)]));
  }

  const keys: DeployedKey[] = [];
  const roles: DeployedRole[] = [];
  for (const stack of stacks) {
    const resources = Object.entries<any>(stack.template.Resources ?? {});
    for (const [logicalId, resource] of resources.filter(([, r]) => r.Type === 'AWS::KMS::Key')) {
      const arn = arnOf(stack, logicalId);
      const aliases = resources.filter(([, r]) => r.Type === 'AWS::KMS::Alias')
        .filter(([, r]) => [arn, keyIdOf(stack.name, logicalId)].includes(resolveIn(stack, r.Properties.TargetKeyId)))
        .map(([, r]) => resolveIn(stack, r.Properties.AliasName));
      const policy = resolveIn(stack, resource.Properties.KeyPolicy);
      keys.push({ stack: stack.name, logicalId, account: stack.account, region: stack.region, arn, policy, aliases });
    }
    for (const [logicalId, resource] of resources.filter(([, r]) => r.Type === 'AWS::IAM::Role')) {
      const name = physicalId(stack, logicalId);
      const inline = resources.filter(([, r]) => r.Type === 'AWS::IAM::Policy' && resolveIn(stack, r.Properties.Roles).includes(name))
        .map(([id, r]) => ({ name: id, policy: resolveIn(stack, r.Properties.PolicyDocument) }));
      const managed = resolveIn(stack, resource.Properties.ManagedPolicyArns ?? []).map((policyArn: string) => {
        // AWS managed policies have one ARN per partition, the same document in each.
        const known = policyArn.replace(/^arn:aws[a-z-]*:/, 'arn:aws:');
        if (!MANAGED_POLICIES[known]) {
          throw new Error(`${stack.name}: the managed policy ${policyArn} is not in aws-managed-policies.ts`);
        }
        return { name: policyArn, policy: MANAGED_POLICIES[known] };
      });
      roles.push({
        stack: stack.name,
        account: stack.account,
        name,
        arn: arnOf(stack, logicalId),
        trustPolicy: resolveIn(stack, resource.Properties.AssumeRolePolicyDocument),
        identityPolicies: [...inline, ...managed],
      });
    }
  }

  return {
    keys,
    roles,
    resolve: (stackName, value) => resolveIn(byName.get(stackName)!, value),
  };
}
