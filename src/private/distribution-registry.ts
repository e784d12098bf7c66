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
