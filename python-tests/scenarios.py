"""The TypeScript scenarios of test/scenarios.ts, written again through the Python API."""
from aws_cdk import (
    App,
    Environment,
    Stack,
    aws_ec2 as ec2,
    aws_ecr as ecr,
    aws_events as events,
    aws_events_targets as targets,
    aws_kms as kms,
    aws_sns as sns,
)

from cdk_imagebuilder_distribution import (
    CrossAccountDistributionRole,
    DistributionConfiguration,
    FastLaunchDistribution,
    LaunchPermission,
    LaunchTemplateDistribution,
    SsmParameterDataType,
    SsmParameterDistribution,
)


def cross_region(app: App) -> None:
    def env(region: str) -> Environment:
        return Environment(account="111111111111", region=region)

    eu_key = kms.Key(Stack(app, "KeysEu", env=env("eu-west-1")), "Key")
    ap_key = kms.Key(Stack(app, "KeysAp", env=env("ap-southeast-2")), "Key")
    stack = Stack(app, "Distribution", env=env("us-east-1"))
    source_key = kms.Key(stack, "SourceKey")
    (
        DistributionConfiguration(
            stack,
            "Distribution",
            distribution_configuration_name="cross-region",
            source_key=source_key,
            ami_name="golden-{{ imagebuilder:buildDate }}",
            ami_tags={"team": "platform"},
            launch_permission=LaunchPermission(
                organizations=["arn:aws:organizations::999999999999:organization/o-abcdefghij"],
                organizational_units=["arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij"],
            ),
        )
        .add_region("us-east-1", kms_key=source_key)
        .add_region("eu-west-1", kms_key=eu_key, ami_description="Europe")
        .add_region("ap-southeast-2", kms_key=ap_key, ssm_parameters=[SsmParameterDistribution(parameter_name="/golden/ami")])
    )


def cross_account(app: App) -> None:
    source = Stack(app, "Source", env=Environment(account="111111111111", region="us-east-1"))
    key = kms.Key(source, "Key")
    DistributionConfiguration(
        source, "Distribution", distribution_configuration_name="cross-account", ami_name="golden-{{ imagebuilder:buildDate }}"
    ).add_region(
        "us-east-1",
        kms_key=key,
        target_accounts=["222222222222"],
        ssm_parameters=[SsmParameterDistribution(parameter_name="/golden/ami", ami_account="222222222222")],
    )
    target = Stack(app, "Target", env=Environment(account="222222222222", region="us-east-1"))
    CrossAccountDistributionRole(target, "Role", source_accounts=["111111111111"], keys=[key], ssm_parameter_names=["/golden/ami"])


def central_key_account(app: App) -> None:
    def key_env(region: str) -> Environment:
        return Environment(account="999988887777", region=region)

    build_key = kms.Key(Stack(app, "SecurityKeysUs", env=key_env("us-east-1")), "AmiKey")
    eu_key = kms.Key(Stack(app, "SecurityKeysEu", env=key_env("eu-west-1")), "AmiKey")
    pipeline = Stack(app, "Pipeline", env=Environment(account="111111111111", region="us-east-1"))
    (
        DistributionConfiguration(
            pipeline,
            "Distribution",
            distribution_configuration_name="central-keys",
            source_key=build_key,
            ami_name="golden-{{ imagebuilder:buildDate }}",
            launch_permission=LaunchPermission(accounts=["333333333333"]),
            auto_scaling_grants=True,
        )
        .add_region("us-east-1", kms_key=build_key)
        .add_region("eu-west-1", kms_key=eu_key, target_accounts=["222222222222"])
    )
    target = Stack(app, "Target", env=Environment(account="222222222222", region="us-east-1"))
    CrossAccountDistributionRole(target, "Role", source_accounts=["111111111111"], keys=[build_key, eu_key])


def every_option(app: App) -> None:
    """The README's "Every option", in Python (docs/guides/python.md shows the region below)."""
    stack = Stack(app, "GoldenAmi", env=Environment(account="111111111111", region="us-east-1"))
    eu = Stack(app, "Eu", env=Environment(account="111111111111", region="eu-west-1"))
    source_key = kms.Key(stack, "SourceKey")
    eu_key = kms.Key(eu, "Key")
    launch_template = ec2.LaunchTemplate.from_launch_template_attributes(eu, "Template", launch_template_id="lt-0123456789abcdef0")
    windows_template = ec2.LaunchTemplate.from_launch_template_attributes(eu, "Windows", launch_template_id="lt-0fedcba9876543210")
    repository = ecr.Repository.from_repository_name(stack, "Repository", "golden/app")
    # region every-option
    (
        DistributionConfiguration(
            stack,
            "Distribution",
            distribution_configuration_name="golden-al2023",  # default: generated from the construct path
            description="Golden Amazon Linux 2023 AMI",
            tags={"team": "platform"},  # tags of the distribution configuration
            source_key=source_key,  # consumers get access to it, and no public AMI
            # Region defaults:
            ami_name="golden-al2023-{{ imagebuilder:buildDate }}",
            ami_description="Golden AMI",
            ami_tags={"os": "al2023"},
            launch_permission=LaunchPermission(
                accounts=["222222222222"],
                organizations=["arn:aws:organizations::999999999999:organization/o-abcdefghij"],
                organizational_units=["arn:aws:organizations::999999999999:ou/o-abcdefghij/ou-ab12-cdefghij"],
                public_access=False,  # True only for unencrypted AMIs
            ),
            target_accounts=["333333333333"],  # each gets its own copy
            auto_scaling_grants=True,  # consumers may grant their Auto Scaling role
        )
        .add_region(
            "eu-west-1",
            kms_key=eu_key,
            ami_tags={"os": "al2023", "region": "eu"},
            license_configuration_arns=[
                "arn:aws:license-manager:eu-west-1:111111111111:license-configuration:lic-0123456789abcdef0123456789abcdef"
            ],
            launch_templates=[
                # The template gets this account's AMI ID: its account needs launch permission (targets use ssm_parameters).
                LaunchTemplateDistribution(launch_template=launch_template, account_id="222222222222", set_default_version=True)
            ],
            ssm_parameters=[
                SsmParameterDistribution(
                    parameter_name="/golden/al2023", ami_account="333333333333", data_type=SsmParameterDataType.AWS_EC2_IMAGE
                )
            ],
            fast_launch=[
                FastLaunchDistribution(enabled=True, max_parallel_launches=6, target_snapshot_count=5, launch_template=windows_template)
            ],
        )
        .add_container_region("eu-west-1", repository=repository, tags=["latest"], description="Golden container image")
    )
    # endregion


def after_the_build(app: App) -> None:
    """examples/guides/after-the-build/app.ts in Python (docs/guides/after-the-build.md shows the region below)."""
    stack = Stack(app, "GoldenAmi", env=Environment(account="111111111111", region="us-east-1"))
    source_key = kms.Key(stack, "AmiKey")
    # region execution-role
    from aws_cdk import aws_iam as iam

    distribution = (
        DistributionConfiguration(
            stack,
            "Distribution",
            distribution_configuration_name="golden-ami",
            ami_name="golden-{{ imagebuilder:buildDate }}",
            source_key=source_key,
            target_accounts=["222222222222"],
        )
        .add_region("us-east-1", kms_key=source_key, ssm_parameters=[SsmParameterDistribution(parameter_name="/golden/ami-id")])
        .add_region("eu-west-1")
    )

    # The role Image Builder assumes to distribute again (DistributeImage) or to resume (RetryImage).
    execution_role = iam.Role(
        stack,
        "DistributionRole",
        role_name="ImageBuilderDistribution",
        assumed_by=iam.ServicePrincipal("imagebuilder.amazonaws.com"),
    )
    # After the last add_region(): the role gets exactly what this distribution does, nothing else.
    distribution.grant_distribute(execution_role)
    # endregion

    image_available = sns.Topic(stack, "ImageAvailable", master_key=source_key)
    events.Rule(
        stack,
        "OnImageAvailable",
        event_pattern=events.EventPattern(
            source=["aws.imagebuilder"],
            detail_type=["EC2 Image Builder Image State Change"],
            detail={"state": {"status": ["AVAILABLE"]}},
        ),
        targets=[
            targets.SnsTopic(
                image_available,
                message=events.RuleTargetInput.from_object({"image": events.EventField.from_path("$.resources[0]")}),
            )
        ],
    )
