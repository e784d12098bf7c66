"""The organization example (examples/organization/app.ts) in Python: docs/guides/organization.md shows the region
below, python-tests/test_guides.py runs it, and python-tests/test_organization_example.py checks that it synthesizes
the templates of the TypeScript app."""
# region app
from aws_cdk import App, Environment, Stack, aws_iam as iam, aws_kms as kms
from cdk_imagebuilder_distribution import (
    CrossAccountDistributionRoleStackSet,
    DistributionConfiguration,
    LaunchPermission,
    TargetAccountKeyAccess,
)

MANAGEMENT_ACCOUNT = "999999999999"  # holds the StackSet (or a delegated administrator does)
PIPELINE_ACCOUNT = "111111111111"  # runs the pipeline and owns the keys
ORGANIZATION_ARN = "arn:aws:organizations::999999999999:organization/o-exampleorg1"
WORKLOADS_OU = "ou-ab12-workload"  # the OU whose accounts receive copies
WORKLOADS_OU_ARN = "arn:aws:organizations::999999999999:ou/o-exampleorg1/ou-ab12-workload"
TARGET_ACCOUNTS = ["222222222222", "333333333333"]  # accounts of that OU that get a copy of each AMI
BUILD_REGION = "us-east-1"
REPLICA_REGION = "eu-west-1"
EXECUTION_ROLE_NAME = "ImageBuilderDistribution"

app = App()


def pipeline_env(region: str) -> Environment:
    return Environment(account=PIPELINE_ACCOUNT, region=region)


# Keys: the build Region's key in the pipeline's stack (it is the source key), each other Region's key in a stack of
# its own in that Region. The library adds the organization's key statements to both.
pipeline = Stack(app, "GoldenAmiOrganization", env=pipeline_env(BUILD_REGION))
source_key = kms.Key(pipeline, "AmiKey", enable_key_rotation=True, description=f"Encrypts golden AMIs in {BUILD_REGION}")
replica_keys = Stack(app, f"AmiKeys-{REPLICA_REGION}", env=pipeline_env(REPLICA_REGION))
replica_key = kms.Key(replica_keys, "AmiKey", enable_key_rotation=True, description=f"Encrypts golden AMIs in {REPLICA_REGION}")

# The role of every account of the OU: a StackSet in the management account, in one Region.
roles = Stack(app, "DistributionRoles", env=Environment(account=MANAGEMENT_ACCOUNT, region=BUILD_REGION))
CrossAccountDistributionRoleStackSet(
    roles,
    "DistributionRoles",
    stack_set_name="imagebuilder-distribution-roles",
    organizational_unit_ids=[WORKLOADS_OU],
    # Who the role trusts: Image Builder of the pipeline account, and the execution role DistributeImage runs as.
    source_accounts=[PIPELINE_ACCOUNT],
    execution_roles=[iam.Role.from_role_arn(roles, "ExecutionRole", f"arn:aws:iam::{PIPELINE_ACCOUNT}:role/{EXECUTION_ROLE_NAME}")],
    # The keys of another account are named by alias: the role's template holds no reference.
    keys=[source_key, replica_key],
)

# The distribution: key statements for the OU's target roles, launch permission for the organization.
distribution = (
    DistributionConfiguration(
        pipeline,
        "Distribution",
        distribution_configuration_name="golden-organization",
        ami_name="golden-{{ imagebuilder:buildDate }}",
        source_key=source_key,
        target_accounts=TARGET_ACCOUNTS,
        target_account_key_access=TargetAccountKeyAccess.organization(ORGANIZATION_ARN, [WORKLOADS_OU_ARN]),
        launch_permission=LaunchPermission(organizations=[ORGANIZATION_ARN]),
    )
    .add_region(BUILD_REGION, kms_key=source_key)
    .add_region(REPLICA_REGION, kms_key=replica_key)
)

# The role DistributeImage and RetryImage run with: exactly what this distribution does (after the last add_region).
execution_role = iam.Role(
    pipeline, "ExecutionRole", role_name=EXECUTION_ROLE_NAME, assumed_by=iam.ServicePrincipal("imagebuilder.amazonaws.com")
)
distribution.grant_distribute(execution_role)

# The first distribution needs the target roles; the key stack of eu-west-1 comes first already.
pipeline.add_stack_dependency(roles, "the target accounts' role must exist before the first distribution")

app.synth()
# endregion
