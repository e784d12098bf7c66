import { Stack, aws_kms as kms } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { organizationIdOf, organizationalUnitPathOf } from './launch-permission';
import { LaunchPermission } from '../launch-permission';
import { AmiDistributionSettings, ContainerDistributionOptions, RegionDistributionOptions } from '../region-options';
import { constructionError } from './errors';
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
