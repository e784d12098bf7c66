#!/usr/bin/env bash
# Refreshes the vendored CloudFormation resource schemas (test/schemas/*.json) from the pinned cfn-lint
# package, which bundles the provider schemas, and records their source in test/schemas/SOURCE.json.
# Usage: npm run schemas:refresh   (add a resource type to TYPES below first when a test needs it)
set -euo pipefail
cd "$(dirname "$0")"

# The cfn-lint the Python suite pins (python-tests/venv.sh), which checks the copies against it.
CFN_LINT_VERSION=$(sed -n 's/^cfn_lint_version=\([0-9.]*\).*/\1/p' ../../python-tests/venv.sh)
TYPES=(
  AWS::CloudFormation::StackSet
  AWS::CloudWatch::Alarm
  AWS::CloudWatch::Dashboard
  AWS::EC2::LaunchTemplate
  AWS::ECR::Repository
  AWS::Events::Rule
  AWS::IAM::InstanceProfile
  AWS::IAM::Policy
  AWS::IAM::Role
  AWS::ImageBuilder::ContainerRecipe
  AWS::ImageBuilder::DistributionConfiguration
  AWS::ImageBuilder::Image
  AWS::ImageBuilder::ImagePipeline
  AWS::ImageBuilder::ImageRecipe
  AWS::ImageBuilder::InfrastructureConfiguration
  AWS::ImageBuilder::LifecyclePolicy
  AWS::ImageBuilder::Workflow
  AWS::KMS::Alias
  AWS::KMS::Key
  AWS::Lambda::Function
  AWS::Lambda::Permission
  AWS::Logs::LogGroup
  AWS::SNS::Subscription
  AWS::SNS::Topic
  AWS::SNS::TopicPolicy
  AWS::SSM::Parameter
)

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"

rm -f ./*.json
"$venv/bin/python" - "$CFN_LINT_VERSION" "${TYPES[@]}" <<'PY'
import hashlib, importlib, json, pathlib, shutil, sys

version, types = sys.argv[1], sys.argv[2:]
# cfn-lint bundles the schemas it runs with (offline): providers/<region>.json maps each type to the hash that
# names its schema in resources/.
schemas = pathlib.Path(importlib.import_module("cfnlint").__file__).parent / "data" / "schemas"
provider = json.loads((schemas / "providers" / "us-east-1.json").read_text())
resources = schemas / "resources"
source = {
    "package": "cfn-lint",
    "version": version,
    "origin": "cfnlint/data/schemas/resources/<hash>.json, hash from cfnlint/data/schemas/providers/us-east-1.json",
    "refresh": "npm run schemas:refresh",
    "schemas": {},
}
for type_name in types:
    digest = provider[type_name]
    file = type_name.lower().replace("::", "-") + ".json"
    shutil.copyfile(resources / f"{digest}.json", file)
    source["schemas"][type_name] = {
        "file": file,
        "cfnLintResource": f"{digest}.json",
        "sha256": hashlib.sha256(pathlib.Path(file).read_bytes()).hexdigest(),
    }
pathlib.Path("SOURCE.json").write_text(json.dumps(source, indent=2) + "\n")
print(f"{len(types)} schemas from cfn-lint {version}")
PY
