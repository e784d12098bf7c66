"""The organization example in Python (examples/organization/app.py, the block docs/guides/organization.md shows)
synthesizes the templates of the TypeScript app (examples/organization/app.ts), byte for byte after removing the
version-reporting metadata: the guide's two languages show one app."""
import json
import re

from test_python_api import ROOT, comparable, typescript

APP = ROOT / "examples" / "organization" / "app.py"
GUIDE = ROOT / "docs" / "guides" / "organization.md"


def region(text: str, name: str) -> str:
    match = re.search(rf"^# region {name}\n(.*?)^# endregion$", text, re.S | re.M)
    assert match, f"no region {name}"
    return match.group(1)


def run_app(outdir, monkeypatch) -> dict:
    monkeypatch.setenv("CDK_OUTDIR", str(outdir))
    namespace: dict = {"__name__": "__organization_example__"}
    exec(compile(region(APP.read_text(), "app"), str(APP), "exec"), namespace)
    assembly = namespace["app"].synth()
    return {stack.stack_name: stack for stack in assembly.stacks}


def test_the_python_app_synthesizes_the_typescript_templates(tmp_path, monkeypatch):
    stacks = run_app(tmp_path, monkeypatch)
    ts = typescript("example-organization")
    # synth-ts.ts also writes the role template of the StackSet, as <stack>.<logical ID>.json.
    assert sorted(stacks) == sorted(name for name in ts if "." not in name)
    for name, stack in stacks.items():
        assert comparable(stack.template) == ts[name], name
    for name in (n for n in ts if "." in n):
        stack_name, logical_id = name.split(".")
        body = stacks[stack_name].template["Resources"][logical_id]["Properties"]["TemplateBody"]
        assert json.loads(body) == ts[name], name


def test_the_python_app_keeps_no_warning(tmp_path, monkeypatch):
    stacks = run_app(tmp_path, monkeypatch)
    assert [m.entry.data for s in stacks.values() for m in s.messages if m.level.name != "INFO"] == []


def test_the_guide_shows_the_python_app():
    marker = "<!-- code: examples/organization/app.py#app; built by python-tests/test_organization_example.py -->"
    guide = GUIDE.read_text()
    assert marker in guide
    block = guide[guide.index(marker) + len(marker):].lstrip("\n")
    code = block[len("```python\n"):block.index("\n```")]
    assert block.startswith("```python\n")
    assert code + "\n" == region(APP.read_text(), "app")
