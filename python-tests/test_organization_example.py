"""The organization example in Python (examples/organization/app.py, the block docs/guides/organization.md shows)
synthesizes the templates of the TypeScript app (examples/organization/app.ts), byte for byte after removing the
version-reporting metadata, and gives the preflight command the same records: the guide's two languages show one
app."""
import json
import re
from pathlib import Path

from test_python_api import ROOT, TS_OUT, comparable, typescript

APP = ROOT / "examples" / "organization" / "app.py"
GUIDE = ROOT / "docs" / "guides" / "organization.md"


def region(text: str, name: str) -> str:
    match = re.search(rf"^# region {name}\n(.*?)^# endregion$", text, re.S | re.M)
    assert match, f"no region {name}"
    return match.group(1)


def run_app(outdir) -> tuple:
    """Runs the app's region, synthesized into `outdir`; returns its stacks by name and the assembly's folder."""
    # CDK_OUTDIR set now would not reach the jsii kernel's process, which started with the first import: the app
    # would synthesize into a temporary folder of that process. The outdir is given to the App instead, the only change.
    code = region(APP.read_text(), "app")
    assert code.count("\napp = App()\n") == 1
    code = code.replace("\napp = App()\n", f"\napp = App(outdir={str(outdir)!r})\n")
    namespace: dict = {"__name__": "__organization_example__"}
    exec(compile(code, str(APP), "exec"), namespace)
    assembly = namespace["app"].synth()
    return {stack.stack_name: stack for stack in assembly.stacks}, Path(assembly.directory)


def records(directory: Path) -> dict:
    """What the preflight command reads from an assembly besides the templates: the library's metadata records."""
    found = {}
    for path in sorted(directory.glob("*.metadata.json")):
        for construct, entries in json.loads(path.read_text()).items():
            for entry in entries:
                if entry["type"].startswith("cdk-imagebuilder-distribution:"):
                    found[(construct, entry["type"])] = entry["data"]
    return found


def test_the_python_app_synthesizes_the_typescript_templates(tmp_path):
    stacks, _ = run_app(tmp_path)
    ts = typescript("example-organization")
    # synth-ts.ts also writes the role template of the StackSet, as <stack>.<logical ID>.json.
    assert sorted(stacks) == sorted(name for name in ts if "." not in name)
    for name, stack in stacks.items():
        assert comparable(stack.template) == ts[name], name
    for name in (n for n in ts if "." in n):
        stack_name, logical_id = name.split(".")
        body = stacks[stack_name].template["Resources"][logical_id]["Properties"]["TemplateBody"]
        assert json.loads(body) == ts[name], name


def test_the_python_app_gives_preflight_the_records_of_the_typescript_app(tmp_path):
    # test/organization-example-preflight.test.ts runs preflight on the TypeScript app against moto; the command reads
    # the templates (compared above) and these records, so the Python app gets the same preflight.
    _, directory = run_app(tmp_path)
    assert directory == tmp_path
    python = records(directory)
    assert {kind for _, kind in python} == {"cdk-imagebuilder-distribution:preflight", "cdk-imagebuilder-distribution:role-stack-set"}
    assert python == records(TS_OUT / "cdk.out" / "example-organization")


def test_the_python_app_keeps_no_warning(tmp_path):
    stacks, _ = run_app(tmp_path)
    assert [m.entry.data for s in stacks.values() for m in s.messages if m.level.name != "INFO"] == []


def test_the_guide_shows_the_python_app():
    marker = "<!-- code: examples/organization/app.py#app; built by python-tests/test_organization_example.py -->"
    guide = GUIDE.read_text()
    assert marker in guide
    block = guide[guide.index(marker) + len(marker):].lstrip("\n")
    code = block[len("```python\n"):block.index("\n```")]
    assert block.startswith("```python\n")
    assert code + "\n" == region(APP.read_text(), "app")
