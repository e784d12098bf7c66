import { aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RegionDistribution } from './region-distribution';

/*
 * The per-Region model of each DistributionConfiguration of the app, for the constructs that govern what it
 * distributes (DistributionLifecycle): they read the Regions, target accounts, launch templates and parameters
 * without the configuration exposing its model in the public API.
 */
const models = new WeakMap<IConstruct, () => RegionDistribution[]>();

export function registerDistributionModel(configuration: IConstruct, entries: () => RegionDistribution[]) {
  models.set(configuration, entries);
}

/** The Regions of a configuration of this app; undefined for an imported one (its settings are not known). */
export function distributionModelOf(configuration: IConstruct): RegionDistribution[] | undefined {
  return models.get(configuration)?.();
}

type RenderedEntry = imagebuilder.CfnDistributionConfiguration.DistributionProperty;
const rendered = new WeakMap<IConstruct, () => RenderedEntry[]>();

/**
 * The entries of `Distributions` as the configuration renders them (keys wired, tokens unresolved), for the
 * release rings (ReleaseRings): each ring's workflow inputs are a part of exactly these entries, so the rings
 * carry the same keys, names, tags and permissions as the plain distribution.
 */
export function registerRenderedDistribution(configuration: IConstruct, entries: () => RenderedEntry[]) {
  rendered.set(configuration, entries);
}

/** The rendered entries of a configuration of this app; undefined for an imported one. */
export function renderedDistributionOf(configuration: IConstruct): RenderedEntry[] | undefined {
  return rendered.get(configuration)?.();
}
