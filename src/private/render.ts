import { aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { renderLaunchPermission, renderList } from './launch-permission';
import { RegionDistribution } from './region-distribution';

type DistributionProperty = imagebuilder.CfnDistributionConfiguration.DistributionProperty;

/**
 * One entry of `Distributions` in the L1's shape: camelCase for the typed fields, PascalCase inside the
 * JSON-typed objects (CloudFormation drops or rejects other keys there). `kmsKeyId` is what the key
 * wiring writes for the Region's key, `repositoryName` how the distribution names its ECR repository. A
 * Region added with no settings gets empty AMI settings: the AMI is copied there with the defaults.
 */
export function renderRegion(entry: RegionDistribution, kmsKeyId?: string, repositoryName?: string): DistributionProperty {
  const ami = entry.ami;
  const container = entry.container;
  return {
    region: entry.region,
    amiDistributionConfiguration: ami && (compact({
      Name: ami.amiName,
      Description: ami.amiDescription,
      TargetAccountIds: ami.targetAccounts && renderList(ami.targetAccounts),
      AmiTags: ami.amiTags,
      KmsKeyId: kmsKeyId,
      LaunchPermissionConfiguration: renderLaunchPermission(ami.launchPermission),
    }) ?? {}),
    containerDistributionConfiguration: container && compact({
      Description: container.description,
      ContainerTags: container.tags && renderList(container.tags),
      TargetRepository: { Service: 'ECR', RepositoryName: repositoryName ?? container.repository.repositoryName },
    }),
    licenseConfigurationArns: nonEmpty(ami?.licenseConfigurationArns && renderList(ami.licenseConfigurationArns)),
    launchTemplateConfigurations: nonEmpty(ami?.launchTemplates?.map(lt => ({
      launchTemplateId: lt.launchTemplate.launchTemplateId!,
      accountId: lt.accountId,
      // Image Builder treats an unset value as true (API model): written out, the template says so.
      setDefaultVersion: lt.setDefaultVersion ?? true,
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
