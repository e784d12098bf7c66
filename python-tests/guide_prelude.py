"""The names the Python blocks of the guides use without defining them (docs/guides/python.md shows this region).

python-tests/test_guides.py runs this file, then one block of a guide, in a namespace of its own, then synthesizes
the block's `app`.
"""
# region prelude
from aws_cdk import (
    Acknowledgment,
    Annotations,
    App,
    Environment,
    Stack,
    Validations,
    aws_ec2 as ec2,
    aws_ecr as ecr,
    aws_kms as kms,
)
from cdk_imagebuilder_distribution import (
    CrossAccountDistributionRole,
    DistributionChecks,
    DistributionConfiguration,
    FastLaunchDistribution,
    LaunchPermission,
    LaunchTemplateDistribution,
    SsmParameterDataType,
    SsmParameterDistribution,
)

app = App()
# The pipeline's stack, in the build Region, and a stack in another Region.
stack = Stack(app, "GoldenAmi", env=Environment(account="111111111111", region="us-east-1"))
eu = Stack(app, "Eu", env=Environment(account="111111111111", region="eu-west-1"))
source_key = kms.Key(stack, "SourceKey")  # encrypts the AMI in the build Region
eu_key = kms.Key(eu, "Key")  # encrypts the copies in eu-west-1
launch_template = ec2.LaunchTemplate.from_launch_template_attributes(eu, "Template", launch_template_id="lt-0123456789abcdef0")
windows_template = ec2.LaunchTemplate.from_launch_template_attributes(eu, "Windows", launch_template_id="lt-0fedcba9876543210")
repository = ecr.Repository.from_repository_name(stack, "Repository", "golden/app")
# endregion
