#!/usr/bin/env bash
# Refreshes test/api-model/distribution-shapes.json: the shapes of the EC2 Image Builder API model that a
# distribution configuration is made of, taken from the pinned botocore package (its copy of the API model),
# with their source recorded. docs/rule-coverage.md maps every member of these shapes to a rule or a reason.
# Usage: npm run api-model:refresh
set -euo pipefail
cd "$(dirname "$0")"

BOTOCORE_VERSION=1.43.107
SHAPES=(
  CreateDistributionConfigurationRequest Distribution AmiDistributionConfiguration LaunchPermissionConfiguration
  ContainerDistributionConfiguration TargetContainerRepository LaunchTemplateConfiguration SsmParameterConfiguration
  FastLaunchConfiguration FastLaunchLaunchTemplateSpecification FastLaunchSnapshotConfiguration S3ExportConfiguration
)

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "botocore==$BOTOCORE_VERSION"
"$venv/bin/python" - "$BOTOCORE_VERSION" "${SHAPES[@]}" <<'PY'
import json, sys
from botocore.loaders import Loader

version, names = sys.argv[1], sys.argv[2:]
model = Loader().load_service_model("imagebuilder", "service-2", "2019-12-02")
shapes = model["shapes"]
out = {}

def strip(shape):
    return {k: v for k, v in shape.items() if k != "documentation"}

for name in names:
    shape = shapes[name]
    members = {}
    for member, ref in shape["members"].items():
        target = shapes[ref["shape"]]
        entry = {"shape": ref["shape"], **strip(target)}
        if target["type"] == "list":
            entry["member"] = {"shape": target["member"]["shape"], **strip(shapes[target["member"]["shape"]])}
            if "members" in entry["member"]:
                entry["member"]["members"] = sorted(entry["member"]["members"])
        if "members" in entry:
            entry["members"] = sorted(entry["members"])
        members[member] = entry
    out[name] = {"required": shape.get("required", []), "members": members}

document = {
    "source": {"package": "botocore", "version": version, "model": "imagebuilder 2019-12-02", "refresh": "npm run api-model:refresh"},
    "shapes": out,
}
with open("distribution-shapes.json", "w") as f:
    json.dump(document, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"{len(out)} shapes from botocore {version}")
PY
