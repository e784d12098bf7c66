import { App, Stack, aws_iam as iam, aws_imagebuilder as imagebuilder } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { CrossAccountDistributionRoleStackSet, DistributionConfiguration } from '../src';
import { propertyRuns } from './property-runs';
import { withoutCdkValidation } from './without-cdk-validation';
import { DistributionError } from '../src/private/errors';
import { CATALOG, checkDistributionConfiguration } from '../src/private/rules';
import { distributionConfigurationArnProblem } from '../src/private/rules/configuration-arn';

/*
 * The boundary rules of issue 26 never crash: whatever a JavaScript caller passes as an imported configuration's
 * ARN, a StackSet's OUs, a grantee, or whatever a hand-written resource holds in the fields they read, the result
 * is the library's error or a clean synth, never a TypeError or aws-cdk-lib's own error from inside the checks.
 */

withoutCdkValidation();

const ARN_LIKE = fc.oneof(
  fc.string(),
  fc.constantFrom('arn:', 'arn:aws:imagebuilder:us-east-1:111111111111:', 'arn:aws:imagebuilder::aws:distribution-configuration/'),
  fc.tuple(fc.constantFrom('aws', 'aws-cn', 'AWS', ''), fc.constantFrom('imagebuilder', 'kms', ''), fc.string({ maxLength: 12 }), fc.string({ maxLength: 14 }), fc.string({ maxLength: 40 }))
    .map(([p, s, r, a, rest]) => `arn:${p}:${s}:${r}:${a}:${rest}`),
);

/**
 * The call either succeeds, throws the library's error, or fails synth with findings of the catalog only
 * (aws-cdk-lib gathers them as `[<construct path>] [<rule>] ...`).
 */
function onlyLibraryErrors(run: () => void) {
  try {
    run();
  } catch (e) {
    const message = (e as Error).message;
    const rules = [...message.matchAll(/^\s*\[[^\]]*\] \[([A-Za-z]+)\]/gm)].map(m => m[1]);
    const findings = message.startsWith('Validation failed') && rules.length > 0 && rules.every(rule => rule in CATALOG);
    expect({ message, library: e instanceof DistributionError || findings }).toEqual({ message, library: true });
  }
}

test(`fromDistributionConfigurationArn and a pipeline using it: the library's error or a clean synth (${propertyRuns(0.2)} runs)`, () => {
  fc.assert(fc.property(fc.oneof(ARN_LIKE, fc.anything() as fc.Arbitrary<any>), arn => {
    expect(() => distributionConfigurationArnProblem(arn)).not.toThrow();
    onlyLibraryErrors(() => {
      const app = new App();
      const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
      const imported = DistributionConfiguration.fromDistributionConfigurationArn(stack, 'Imported', arn);
      new imagebuilder.CfnImagePipeline(stack, 'Pipeline', {
        name: 'golden', imageRecipeArn: 'r', infrastructureConfigurationArn: 'i', distributionConfigurationArn: imported.distributionConfigurationArn,
      });
      app.synth();
    });
  }), { numRuns: propertyRuns(0.2) });
});

test(`two StackSets with any OU IDs: the library's error or a clean synth (${propertyRuns(0.05)} runs)`, () => {
  const id = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('r-ab12', 'ou-ab12-cdefghij', 'ou-ab12-zzzzzzzz', 'r-zz99', 'ou-zz99-abcdefgh'));
  fc.assert(fc.property(fc.array(id, { minLength: 1, maxLength: 3 }), fc.array(id, { minLength: 1, maxLength: 3 }), (a, b) => {
    onlyLibraryErrors(() => {
      const app = new App();
      const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
      new CrossAccountDistributionRoleStackSet(stack, 'A', { organizationalUnitIds: a, sourceAccounts: ['222222222222'] });
      new CrossAccountDistributionRoleStackSet(stack, 'B', { organizationalUnitIds: b, sourceAccounts: ['222222222222'] });
      app.synth();
    });
  }), { numRuns: propertyRuns(0.05) });
});

test(`grantDistribute() to any role: the library's error, a warning or a clean synth (${propertyRuns(0.1)} runs)`, () => {
  const principal = fc.oneof(
    fc.string().map(s => new iam.ServicePrincipal(s || 'x')),
    fc.constantFrom(new iam.AccountRootPrincipal(), new iam.AnyPrincipal()),
  );
  fc.assert(fc.property(principal, fc.constantFrom('111111111111', '222222222222'), fc.string(), (assumedBy, account, arnTail) => {
    onlyLibraryErrors(() => {
      const app = new App();
      const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
      const other = new Stack(app, 'Other', { env: { account, region: 'us-east-1' } });
      const dist = new DistributionConfiguration(stack, 'Dist', { amiName: 'golden-{{ imagebuilder:buildDate }}' }).addRegion('us-east-1');
      dist.grantDistribute(new iam.Role(other, 'Role', { assumedBy }));
      dist.grantDistribute(iam.Role.fromRoleArn(stack, 'Imported', `arn:aws:iam::${account}:role/${arnTail.replace(/[^\w+=,.@-]/g, '') || 'x'}`));
      app.synth();
    });
  }), { numRuns: propertyRuns(0.1) });
});

test(`the consumer-service rules never throw, whatever the fields they read hold (${propertyRuns(1)} runs)`, () => {
  const value = fc.oneof(fc.string(), fc.constantFrom('arn:aws:kms:us-gov-east-1:1:key/x', 'arn:aws-cn:organizations::1:organization/o-x', '/a/b'), fc.anything() as fc.Arbitrary<any>);
  fc.assert(fc.property(fc.oneof(fc.string(), fc.constantFrom('us-gov-east-1', 'cn-north-1', 'us-east-1'), fc.anything() as fc.Arbitrary<any>), value, value, value, (region, key, name, tag) => {
    expect(() => checkDistributionConfiguration({
      Name: 'golden',
      Distributions: [{
        Region: region,
        AmiDistributionConfiguration: { Name: 'golden-{{ imagebuilder:buildDate }}', KmsKeyId: key, LaunchPermissionConfiguration: { OrganizationArns: [key], OrganizationalUnitArns: key } },
        LicenseConfigurationArns: [key, name],
        SsmParameterConfigurations: [{ ParameterName: name }, name],
        ContainerDistributionConfiguration: { ContainerTags: [tag, name], TargetRepository: { Service: 'ECR', RepositoryName: 'golden' } },
      }],
    }, { buildRegion: 'us-east-1', ownerAccount: '111111111111' })).not.toThrow();
  }), { numRuns: propertyRuns(1) });
});
