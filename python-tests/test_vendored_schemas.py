"""The CloudFormation schemas the jest suite validates against (test/schemas) are cfn-lint's own, byte for byte."""
import hashlib
import importlib
import json
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "test" / "schemas"


def test_vendored_schemas_are_the_pinned_cfn_lint_schemas():
    source = json.loads((SCHEMAS / "SOURCE.json").read_text())
    assert source["package"] == "cfn-lint"
    assert metadata.version("cfn-lint") == source["version"]
    # The schemas cfn-lint runs with, bundled in the package: providers/us-east-1.json maps each type to the hash
    # that names its schema in resources/.
    schemas = Path(importlib.import_module("cfnlint").__file__).parent / "data" / "schemas"
    provider = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    resources = schemas / "resources"
    assert source["schemas"], "SOURCE.json lists no schema"
    for type_name, entry in source["schemas"].items():
        assert provider[type_name] + ".json" == entry["cfnLintResource"], type_name
        bundled = (resources / entry["cfnLintResource"]).read_bytes()
        vendored = (SCHEMAS / entry["file"]).read_bytes()
        assert vendored == bundled, f"{entry['file']} differs from cfn-lint's {type_name}: run 'npm run schemas:refresh'"
        assert hashlib.sha256(vendored).hexdigest() == entry["sha256"]
