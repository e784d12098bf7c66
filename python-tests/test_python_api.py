"""Synthesizes through the Python API (the built wheel, the real aws-cdk-lib) and compares with TypeScript."""
import json
import os
import re
from pathlib import Path

import pytest
from aws_cdk import App

import scenarios
from cdk_imagebuilder_distribution import FastLaunchDistribution

ROOT = Path(__file__).resolve().parent.parent
TS_OUT = Path(os.environ.get("TS_TEMPLATES", ROOT / "python-tests" / ".out" / "ts"))


def comparable(template: dict) -> dict:
    """The template without the version-reporting metadata, which names the language runtime."""
    template = json.loads(json.dumps(template))
    resources = template.get("Resources", {})
    for logical_id in [k for k, v in resources.items() if v["Type"] == "AWS::CDK::Metadata"]:
        del resources[logical_id]
    conditions = template.get("Conditions", {})
    conditions.pop("CDKMetadataAvailable", None)
    if not conditions:
        template.pop("Conditions", None)
    return template


def synth(build, tmp_path: Path) -> dict:
    app = App(outdir=str(tmp_path))
    build(app)
    assembly = app.synth()
    return {stack.stack_name: comparable(stack.template) for stack in assembly.stacks}


def typescript(name: str) -> dict:
    folder = TS_OUT / name
    assert folder.is_dir(), f"{folder} is missing: run python-tests/run.sh, which synthesizes the TypeScript scenarios first"
    return {p.stem: comparable(json.loads(p.read_text())) for p in sorted(folder.glob("*.json"))}


def readme_python_quick_start() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- quick-start:python -->\s*```python\n(.*?)```", readme, re.S)
    assert match, "README.md has no Python quick start after <!-- quick-start:python -->"
    return match.group(1)


def test_readme_quick_start_matches_typescript(tmp_path, monkeypatch):
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    namespace: dict = {}
    exec(compile(readme_python_quick_start(), "README.md (Python quick start)", "exec"), namespace)
    app = namespace["app"]
    assembly = app.synth()
    python = {stack.stack_name: comparable(stack.template) for stack in assembly.stacks}
    assert python == typescript("quick-start")


@pytest.mark.parametrize(
    "name,build",
    [
        ("cross-region", scenarios.cross_region),
        ("cross-account", scenarios.cross_account),
        ("central-key-account", scenarios.central_key_account),
        ("every-option", scenarios.every_option),
        ("guide-after-the-build", scenarios.after_the_build),
    ],
)
def test_scenario_matches_typescript(name, build, tmp_path):
    python = synth(build, tmp_path)
    assert python == typescript(name)


def test_structs_and_fluent_calls_survive_the_translation(tmp_path):
    python = synth(scenarios.cross_region, tmp_path)
    distributions = next(
        r for r in python["Distribution"]["Resources"].values() if r["Type"] == "AWS::ImageBuilder::DistributionConfiguration"
    )["Properties"]["Distributions"]
    assert [d["Region"] for d in distributions] == ["us-east-1", "eu-west-1", "ap-southeast-2"]
    assert distributions[1]["AmiDistributionConfiguration"]["KmsKeyId"].startswith("arn:aws:kms:eu-west-1:111111111111:alias/")
    assert distributions[2]["SsmParameterConfigurations"] == [{"ParameterName": "/golden/ami"}]


def test_validation_errors_reach_python(tmp_path):
    from aws_cdk import Stack, Environment
    from cdk_imagebuilder_distribution import DistributionConfiguration

    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Bad", env=Environment(account="111111111111", region="us-east-1"))
    DistributionConfiguration(stack, "Dist").add_region("us-east-1", target_accounts=["123"])
    # Messages name the call and the prop as a Python app writes them.
    with pytest.raises(Exception, match=r'\[AccountId\] add_region\("us-east-1", \.\.\.\) target_accounts\[0\] is "123"'):
        app.synth()


def test_construction_errors_and_defaults_read_as_python(tmp_path):
    from aws_cdk import Stack, Environment
    from cdk_imagebuilder_distribution import DistributionConfiguration, LaunchPermission

    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Bad", env=Environment(account="111111111111", region="us-east-1"))
    distribution = DistributionConfiguration(stack, "Dist", launch_permission=LaunchPermission(organizations=["o-abcdefghij"]))
    distribution.add_region("us-east-1").add_region("eu-west-1")
    with pytest.raises(Exception, match=r'\[RegionAddedTwice\] Region us-east-1: add_region\("us-east-1", \.\.\.\) was already called'):
        distribution.add_region("us-east-1")
    # A mistake in a construct default is reported once, with the Regions that inherit it.
    with pytest.raises(Exception) as raised:
        app.synth()
    message = str(raised.value)
    assert message.count("[OrganizationArn]") == 1, message
    assert 'launch_permission.organizations[0] (a construct default, inherited by Regions us-east-1, eu-west-1) is "o-abcdefghij"' in message


def test_errors_acknowledged_with_a_reason(tmp_path):
    from aws_cdk import Stack, Environment, Validations, Acknowledgment
    from cdk_imagebuilder_distribution import DistributionConfiguration

    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Ack", env=Environment(account="111111111111", region="us-east-1"))
    DistributionConfiguration(stack, "Dist", ami_name="golden-{{ imagebuilder:buildDate }}").add_region(
        "us-east-1", fast_launch=[FastLaunchDistribution(max_parallel_launches=5)]
    )
    Validations.of(stack).acknowledge(Acknowledgment(id="cdk-imagebuilder-distribution:FastLaunchParallelLaunches", reason="EC2 lowered the minimum"))
    app.synth()


def test_central_key_account_key_policies_name_the_pipeline_account(tmp_path):
    python = synth(scenarios.central_key_account, tmp_path)
    for stack in ("SecurityKeysUs", "SecurityKeysEu"):
        key = next(r for r in python[stack]["Resources"].values() if r["Type"] == "AWS::KMS::Key")
        statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
        copy = statements["ImageBuilderCopy"]["Principal"]["AWS"]
        assert "arn:aws:iam::111111111111:root" in ([copy] if isinstance(copy, str) else copy), stack
        assert "ImageBuilderAutoScalingGrantsForAccounts" in statements, stack
    distribution = next(
        r for r in python["Pipeline"]["Resources"].values() if r["Type"] == "AWS::ImageBuilder::DistributionConfiguration"
    )["Properties"]["Distributions"]
    assert distribution[1]["AmiDistributionConfiguration"]["KmsKeyId"].startswith("arn:aws:kms:eu-west-1:999988887777:alias/")
