export * from './distribution-configuration';
export * from './region-options';
export * from './launch-permission';
export { DistributionChecks } from './distribution-checks';
export * from './cross-account-distribution-role';
export * from './target-account-key-access';
export * from './cross-account-distribution-role-stack-set';
export * from './distribution-lifecycle';
export * from './distribution-verification';
