"""aws-cdk-lib's reference interfaces from Python: jsii checks interfaces by name here, so the construct and the
imported configurations must declare IDistributionConfigurationRef for CfnImagePipeline to take them."""
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_imagebuilder as imagebuilder
import pytest

from cdk_imagebuilder_distribution import DistributionConfiguration

RECIPE_ARN = "arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/golden/1.0.0"
INFRA_ARN = "arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/golden"


def pipelines(stack: Stack, tmp_path) -> dict:
    template = App.of(stack).synth().get_stack_by_name(stack.stack_name).template
    return {
        r["Properties"]["Name"]: r["Properties"]["DistributionConfigurationArn"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ImageBuilder::ImagePipeline"
    }


def test_cfn_image_pipeline_takes_the_construct_itself(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Pipeline", env=Environment(account="111111111111", region="us-east-1"))
    distribution = DistributionConfiguration(stack, "Distribution", distribution_configuration_name="golden")
    distribution.add_region("us-east-1").add_region("eu-west-1")
    recipe = imagebuilder.CfnImageRecipe(
        stack, "Recipe", name="golden", version="1.0.0", parent_image="ami-0123456789abcdef0",
        components=[imagebuilder.CfnImageRecipe.ComponentConfigurationProperty(
            component_arn="arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x")],
    )
    infrastructure = imagebuilder.CfnInfrastructureConfiguration(
        stack, "Infrastructure", name="golden", instance_profile_name="ImageBuilderInstanceProfile")

    imagebuilder.CfnImagePipeline(
        stack, "ImagePipeline", name="golden",
        image_recipe_arn=recipe, infrastructure_configuration_arn=infrastructure,
        distribution_configuration_arn=distribution,
    )

    logical_id = stack.get_logical_id(distribution.node.default_child)
    assert pipelines(stack, tmp_path) == {"golden": {"Fn::GetAtt": [logical_id, "Arn"]}}
    assert distribution.distribution_configuration_ref.distribution_configuration_arn == distribution.distribution_configuration_arn


def test_cfn_image_pipeline_takes_imported_configurations(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Pipeline", env=Environment(account="111111111111", region="us-east-1"))
    # A configuration of the pipeline's own account and Region: configurations are Regional and cannot be shared.
    arn = "arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration/shared-golden"
    by_arn = DistributionConfiguration.from_distribution_configuration_arn(stack, "ByArn", arn)
    by_name = DistributionConfiguration.from_distribution_configuration_name(stack, "ByName", "golden-al2023")
    for name, imported in [("from-arn", by_arn), ("from-name", by_name)]:
        imagebuilder.CfnImagePipeline(
            stack, name, name=name, image_recipe_arn=RECIPE_ARN, infrastructure_configuration_arn=INFRA_ARN,
            distribution_configuration_arn=imported,
        )

    assert by_arn.env.account == "111111111111" and by_arn.env.region == "us-east-1"
    found = pipelines(stack, tmp_path)
    assert found["from-arn"] == arn
    assert found["from-name"] == {"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"},
        ":imagebuilder:us-east-1:111111111111:distribution-configuration/golden-al2023",
    ]]}


def test_cfn_image_pipeline_refuses_a_configuration_of_another_region(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Pipeline", env=Environment(account="111111111111", region="us-east-1"))
    arn = "arn:aws:imagebuilder:eu-west-1:222222222222:distribution-configuration/shared-golden"
    imported = DistributionConfiguration.from_distribution_configuration_arn(stack, "ByArn", arn)
    imagebuilder.CfnImagePipeline(
        stack, "from-arn", name="from-arn", image_recipe_arn=RECIPE_ARN, infrastructure_configuration_arn=INFRA_ARN,
        distribution_configuration_arn=imported,
    )
    with pytest.raises(RuntimeError, match="DistributionConfigurationEnvironment"):
        app.synth()
