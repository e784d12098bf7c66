import { Stack, aws_kms as kms } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { organizationIdOf, organizationalUnitPathOf } from './launch-permission';
import { LaunchPermission } from '../launch-permission';
import { AmiDistributionSettings, ContainerDistributionOptions, RegionDistributionOptions } from '../region-options';
import { constructionError, report } from './errors';
import { targetAccessProblems } from './input';
import { RoleScope } from './key-statements';
import { callText, spell } from './rules/messages';

/**
 * Every inherited setting. Typed so that a new field of `AmiDistributionSettings` does not compile until it
 * is listed here: a Region then inherits it from the construct's props like the others.
 */
const INHERITED: { readonly [K in keyof Required<AmiDistributionSettings>]: true } = {
  amiName: true,
  amiDescription: true,
  amiTags: true,
  launchPermission: true,
  targetAccounts: true,
  autoScalingGrants: true,
  targetAccountKeyAccess: true,
};
export const INHERITED_SETTINGS = Object.keys(INHERITED) as Array<keyof AmiDistributionSettings>;

/** Where a Region's value of an inherited setting comes from: its own `addRegion()` or the construct's props. */
export type SettingOrigin = 'region' | 'default';

/** The accounts, organizations and OUs that use the AMI of one Region. */
export interface RegionConsumers {
  /** Target accounts: they receive a copy. */
  readonly targetAccounts: string[];
  /** Launch-permission accounts. */
  readonly launchAccounts: string[];
  /** Organization IDs (`o-...`) with launch permission. */
  readonly organizationIds: string[];
  /** `aws:PrincipalOrgPaths` patterns of OUs with launch permission. */
  readonly organizationalUnitPaths: string[];
}

/**
 * The per-Region model: the AMI and container settings of one Region, with the construct's defaults
 * applied. A pure model of settings: the key wiring and the rendering read it.
 */
export class RegionDistribution {
  /** The AMI settings, with unset fields taken from the construct's props. */
  public ami?: RegionDistributionOptions;
  public container?: ContainerDistributionOptions;
  private readonly origins = new Map<keyof AmiDistributionSettings, SettingOrigin>();

  constructor(private readonly scope: IConstruct, public readonly region: string) {}

  public setAmi(options: RegionDistributionOptions, defaults: AmiDistributionSettings) {
    if (this.ami) {
      throw constructionError('RegionAddedTwice', `Region ${this.region}: ${callText('addRegion', this.region)} was already called for this Region; each Region has one entry. Fix: pass all of the Region's settings in one call.`, this.scope);
    }
    (options.launchTemplates ?? []).forEach((lt, i) => {
      if (lt.launchTemplate.launchTemplateId === undefined) {
        throw constructionError('LaunchTemplateWithoutId', `Region ${this.region}: ${callText('addRegion', this.region)} ${spell('launchTemplates')}[${i}] (${lt.launchTemplate.node.path}) has no launch template ID; Image Builder updates launch templates by ID. Fix: import the template with LaunchTemplate.${spell('fromLaunchTemplateAttributes')} and its ${spell('launchTemplateId')}.`, this.scope);
      }
    });
    const merged: Record<string, unknown> = { ...options };
    for (const setting of INHERITED_SETTINGS) {
      const inherited = options[setting] === undefined && defaults[setting] !== undefined;
      merged[setting] = inherited ? defaults[setting] : options[setting];
      // A setting neither gives is the Region's own to set (an escape-hatch override may still write it).
      this.origins.set(setting, inherited ? 'default' : 'region');
    }
    this.ami = merged as RegionDistributionOptions;
  }

  public setContainer(options: ContainerDistributionOptions) {
    if (this.container) {
      throw constructionError('RegionAddedTwice', `Region ${this.region}: ${callText('addContainerRegion', this.region)} was already called for this Region; each Region has one entry. Fix: pass all of the Region's container settings in one call.`, this.scope);
    }
    this.container = options;
  }

  /** Whether a setting's value was given for this Region or inherited from the construct's props. */
  public originOf(setting: keyof AmiDistributionSettings): SettingOrigin {
    return this.origins.get(setting) ?? 'default';
  }

  /** The key of the Region's AMI copy, if any. */
  public get kmsKey(): kms.IKey | undefined {
    return this.ami?.kmsKey;
  }

  public get launchPermission(): LaunchPermission {
    return this.ami?.launchPermission ?? {};
  }

  public get autoScalingGrants(): boolean {
    return this.ami?.autoScalingGrants ?? false;
  }

  /**
   * The organization (and OUs) whose target-account role copies with the keys, when the Region's target
   * accounts are reached that way (`TargetAccountKeyAccess.organization()`); undefined when each account is
   * named. An invalid ARN becomes a value no policy takes (its error is reported by `targetAccessErrors`).
   */
  public get targetRoleScope(): RoleScope | undefined {
    const access = this.ami?.targetAccountKeyAccess;
    if (access?._kind !== 'organization') {
      return undefined;
    }
    const stack = Stack.of(this.scope);
    const arn = access._organizationArn;
    return {
      organizationId: (typeof arn === 'string' ? organizationIdOf(arn, stack) : undefined) ?? '',
      organizationalUnitPaths: (access._organizationalUnitArns ?? []).map(ou => (typeof ou === 'string' ? organizationalUnitPathOf(ou, stack) : undefined) ?? ''),
    };
  }

  /** Whether the Region copies into target accounts whose keys' statements name the organization's roles, not the accounts. */
  public get copiesThroughOrganization(): boolean {
    return this.targetRoleScope !== undefined && (this.ami?.targetAccounts ?? []).length > 0;
  }

  /** Who uses the Region's AMI, for key policies. */
  public get consumers(): RegionConsumers {
    const permission = this.launchPermission;
    return {
      targetAccounts: this.ami?.targetAccounts ?? [],
      launchAccounts: permission.accounts ?? [],
      // An invalid ARN has no ID: it gets no access to any key (its rule reports it).
      organizationIds: (permission.organizations ?? []).flatMap(arn => organizationIdOf(arn, Stack.of(this.scope)) ?? []),
      organizationalUnitPaths: (permission.organizationalUnits ?? []).flatMap(arn => organizationalUnitPathOf(arn, Stack.of(this.scope)) ?? []),
    };
  }
}

/**
 * The organization-scoped key access of the construct's props and of each Region, checked once the tokens
 * known at synth (such as `Lazy.string`) have their values; concrete values were checked by the call already.
 * An invalid value gets no access to any key whether the error is acknowledged or not (key-statements.ts).
 */
export function targetAccessErrors(scope: IConstruct, defaults: AmiDistributionSettings, entries: RegionDistribution[], propsName: string): string[] {
  const stack = Stack.of(scope);
  const concrete = (value: string) => {
    try {
      const resolved: unknown = stack.resolve(value);
      return typeof resolved === 'string' ? resolved : undefined;
    } catch {
      return undefined;
    }
  };
  const found: Array<{ rule: 'OrganizationArn' | 'OrganizationalUnitArn'; text: string; level: 'error' }> = [];
  const check = (access: AmiDistributionSettings['targetAccountKeyAccess'], where: string) => {
    if (access?._kind === 'organization') {
      for (const p of targetAccessProblems(access, concrete)) {
        found.push({ rule: p.rule, level: 'error', text: `[${p.rule}] ${where} (TargetAccountKeyAccess.${spell('organization')}()) ${p.text}` });
      }
    }
  };
  check(defaults.targetAccountKeyAccess, propsName);
  for (const entry of entries) {
    if (entry.ami?.targetAccountKeyAccess && entry.originOf('targetAccountKeyAccess') === 'region') {
      check(entry.ami.targetAccountKeyAccess, `${callText('addRegion', entry.region)} ${spell('targetAccountKeyAccess')}`);
    }
  }
  return report(scope, found);
}
