package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	dist "github.com/maintainers/cdk-imagebuilder-distribution-go/cdkimagebuilderdistribution"
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("GoldenAmi"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	key := awskms.NewKey(stack, jsii.String("AmiKey"), nil)

	dist.NewDistributionConfiguration(stack, jsii.String("Distribution"), &dist.DistributionConfigurationProps{
		AmiName:          jsii.String("golden-{{ imagebuilder:buildDate }}"),
		LaunchPermission: &dist.LaunchPermission{Accounts: jsii.Strings("222222222222")},
	}).
		AddRegion(jsii.String("us-east-1"), &dist.RegionDistributionOptions{KmsKey: key}).
		AddRegion(jsii.String("eu-west-1"), nil)

	app.Synth(nil)
}
