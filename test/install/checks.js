// Run in a new app that installed the packed tarball (test/install/run.sh), once with the oldest aws-cdk-lib
// the library supports and once with the newest 2.x: what the library relies on from aws-cdk-lib still holds.
/* eslint-disable */
const assert = require('assert');
const cdk = require('aws-cdk-lib');
const { DistributionConfiguration } = require('cdk-imagebuilder-distribution');

const env = { account: '111111111111', region: 'us-east-1' };
const synthError = (app) => {
  try {
    app.synth();
    return '';
  } catch (e) {
    return e.message;
  }
};

// Construction errors: recognised by aws-cdk-lib's public Errors.isValidationError, rule first.
let error;
try {
  new DistributionConfiguration(new cdk.Stack(new cdk.App(), 'S', { env }), 'D').addRegion('us-east-1').addRegion('us-east-1');
} catch (e) {
  error = e;
}
assert.ok(cdk.Errors.isValidationError(error), 'a construction error is a validation error');
assert.match(error.message, /^\[RegionAddedTwice\] Region us-east-1: addRegion\('us-east-1', \.\.\.\) was already called/);

// Synth errors, read from the resource as CloudFormation receives it (an escape-hatch override included).
const app = new cdk.App();
const stack = new cdk.Stack(app, 'S', { env });
const distribution = new DistributionConfiguration(stack, 'D', { amiName: 'golden-{{ imagebuilder:buildDate }}' }).addRegion('us-east-1');
distribution.node.defaultChild.addPropertyOverride('Distributions.0.AmiDistributionConfiguration.TargetAccountIds', ['123']);
assert.match(synthError(app), /\[AccountId\] addRegion\('us-east-1', \.\.\.\) targetAccounts\[0\] is "123"/);

// An acknowledged error lets synth pass.
const acknowledged = new cdk.App();
const ackStack = new cdk.Stack(acknowledged, 'S', { env });
new DistributionConfiguration(ackStack, 'D', { amiName: 'golden-{{ imagebuilder:buildDate }}' }).addRegion('us-east-1', { fastLaunch: [{ maxParallelLaunches: 5 }] });
cdk.Validations.of(ackStack).acknowledge({ id: 'cdk-imagebuilder-distribution:FastLaunchParallelLaunches', reason: 'EC2 lowered the minimum' });
assert.strictEqual(synthError(acknowledged), '');

console.log(`aws-cdk-lib ${require('aws-cdk-lib/package.json').version}: errors, overrides and acknowledgements work`);
