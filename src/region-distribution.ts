import { aws_imagebuilder as imagebuilder, aws_kms as kms } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { KeyConsumers, kmsKeyIdFor } from './key-access';
import { LaunchPermission, organizationIdOf, organizationalUnitPathOf, renderLaunchPermission } from './launch-permission';
import { AmiDistributionSettings, ContainerDistributionOptions, RegionDistributionOptions } from './region-options';
import { validationError } from './validation-error';

/**
 * The per-Region model: the AMI and container settings of one Region, with the construct's defaults
 * applied, rendered into one entry of `Distributions`.
 */
export class RegionDistribution {
  private ami?: RegionDistributionOptions;
  private kmsKeyId?: string;
  private container?: ContainerDistributionOptions;

  constructor(private readonly scope: IConstruct, public readonly region: string) {}

  /** The AMI settings, with unset fields taken from `defaults`. */
  public setAmi(options: RegionDistributionOptions, defaults: AmiDistributionSettings) {
    if (this.ami) {
      throw validationError('DuplicateRegion', `Region ${this.region}: addRegion() was already called for this Region; each Region has one entry. Fix: pass all of the Region's settings in one addRegion() call.`, this.scope);
    }
    (options.launchTemplates ?? []).forEach((lt, i) => {
      if (lt.launchTemplate.launchTemplateId === undefined) {
        throw validationError('LaunchTemplateWithoutId', `Region ${this.region}: launchTemplates[${i}] (${lt.launchTemplate.node.path}) has no launch template ID; Image Builder updates launch templates by ID. Fix: import it with LaunchTemplate.fromLaunchTemplateAttributes({ launchTemplateId }).`, this.scope);
      }
    });
    this.ami = {
      ...options,
      amiName: options.amiName ?? defaults.amiName,
      amiDescription: options.amiDescription ?? defaults.amiDescription,
      amiTags: options.amiTags ?? defaults.amiTags,
      launchPermission: options.launchPermission ?? defaults.launchPermission,
      targetAccounts: options.targetAccounts ?? defaults.targetAccounts,
    };
    if (options.kmsKey) {
      this.kmsKeyId = kmsKeyIdFor(this.scope, this.region, options.kmsKey);
    }
  }

  public setContainer(options: ContainerDistributionOptions) {
    if (this.container) {
      throw validationError('DuplicateRegion', `Region ${this.region}: addContainerRegion() was already called for this Region. Fix: pass all of the Region's container settings in one call.`, this.scope);
    }
    this.container = options;
  }

  /** The key of the Region's AMI copy, if any. */
  public get kmsKey(): kms.IKey | undefined {
    return this.ami?.kmsKey;
  }

  /** Who uses the Region's AMI, for key policies. */
  public get consumers(): KeyConsumers {
    const permission: LaunchPermission = this.ami?.launchPermission ?? {};
    return {
      copyAccounts: this.ami?.targetAccounts ?? [],
      launchAccounts: permission.accounts ?? [],
      organizationIds: (permission.organizations ?? []).map(organizationIdOf),
      organizationalUnitPaths: (permission.organizationalUnits ?? []).map(organizationalUnitPathOf),
    };
  }

  /** The entry in the L1's shape: camelCase for typed fields, PascalCase inside the JSON-typed objects. */
  public render(): imagebuilder.CfnDistributionConfiguration.DistributionProperty {
    const ami = this.ami;
    return {
      region: this.region,
      amiDistributionConfiguration: ami && compact({
        Name: ami.amiName,
        Description: ami.amiDescription,
        TargetAccountIds: ami.targetAccounts,
        AmiTags: ami.amiTags,
        KmsKeyId: this.kmsKeyId,
        LaunchPermissionConfiguration: renderLaunchPermission(ami.launchPermission),
      }),
      containerDistributionConfiguration: this.container && compact({
        Description: this.container.description,
        ContainerTags: this.container.tags,
        TargetRepository: { Service: 'ECR', RepositoryName: this.container.repository.repositoryName },
      }),
      licenseConfigurationArns: nonEmpty(ami?.licenseConfigurationArns),
      launchTemplateConfigurations: nonEmpty(ami?.launchTemplates?.map(lt => ({
        launchTemplateId: lt.launchTemplate.launchTemplateId!,
        accountId: lt.accountId,
        setDefaultVersion: lt.setDefaultVersion,
      }))),
      ssmParameterConfigurations: nonEmpty(ami?.ssmParameters?.map(p => ({
        parameterName: p.parameterName,
        amiAccountId: p.amiAccount,
        dataType: p.dataType,
      }))),
      fastLaunchConfigurations: nonEmpty(ami?.fastLaunch?.map(f => ({
        enabled: f.enabled ?? true,
        maxParallelLaunches: f.maxParallelLaunches,
        snapshotConfiguration: f.targetSnapshotCount === undefined ? undefined : { targetResourceCount: f.targetSnapshotCount },
        launchTemplate: f.launchTemplate && (f.launchTemplate.launchTemplateId
          ? { launchTemplateId: f.launchTemplate.launchTemplateId, launchTemplateVersion: f.launchTemplate.versionNumber }
          : { launchTemplateName: f.launchTemplate.launchTemplateName, launchTemplateVersion: f.launchTemplate.versionNumber }),
        accountId: f.accountId,
      }))),
    };
  }
}

/** Leaves out undefined values, empty lists and empty objects (CloudFormation rejects an empty `TargetAccountIds`). */
function compact(values: Record<string, unknown>): Record<string, unknown> | undefined {
  const kept = Object.entries(values).filter(([, v]) => v !== undefined && !isEmpty(v));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && Object.keys(value).length === 0;
}

function nonEmpty<T>(values: T[] | undefined): T[] | undefined {
  return values && values.length > 0 ? values : undefined;
}
