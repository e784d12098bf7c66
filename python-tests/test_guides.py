"""Every Python block of the guides (docs/guides/*.md) and of the README runs, through the built wheel.

A block runs on its own, in a fresh namespace where python-tests/guide_prelude.py ran first (the names the guides
use without defining them: `app`, `stack`, `source_key`, ...; docs/guides/python.md shows it). Then the namespace's
`app` (the prelude's, or the one the block made) is synthesized. A block fails when it raises (a `TypeError` on a
keyword, a failed `assert`), when synthesis fails (an unacknowledged error), or when the assembly keeps a warning
(an acknowledgement that did not take).
"""
import re
from pathlib import Path

import pytest
from aws_cdk.cx_api import SynthesisMessageLevel

ROOT = Path(__file__).resolve().parent.parent
PRELUDE = Path(__file__).resolve().parent / "guide_prelude.py"


def python_blocks(path: Path):
    """The ```python blocks of a Markdown file, with the line of their fence."""
    lines = path.read_text().split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            end = lines.index("```", i + 1)
            blocks.append((i + 1, "\n".join(lines[i + 1 : end])))
            i = end
        i += 1
    return blocks


SOURCES = sorted((ROOT / "docs" / "guides").glob("*.md")) + [ROOT / "README.md"]
BLOCKS = [(path.relative_to(ROOT).as_posix(), line, code) for path in SOURCES for line, code in python_blocks(path)]


def run_block(name: str, code: str, outdir: Path, monkeypatch) -> dict:
    """Runs the prelude then the block, synthesizes the app, and returns the namespace."""
    monkeypatch.setenv("CDK_OUTDIR", str(outdir))
    namespace: dict = {"__name__": "__guide__"}
    exec(compile(PRELUDE.read_text(), str(PRELUDE), "exec"), namespace)
    exec(compile(code, name, "exec"), namespace)
    assembly = namespace["app"].synth()
    warnings = [
        f"{stack.stack_name}: {message.entry.data}"
        for stack in assembly.stacks
        for message in stack.messages
        if message.level == SynthesisMessageLevel.WARNING
    ]
    assert warnings == [], f"{name}: the app keeps warnings"
    return namespace


def test_the_guides_have_python_blocks():
    # Every ```python fence is found (a block the parser missed would never run).
    fences = sum(path.read_text().count("```python") for path in SOURCES)
    assert len(BLOCKS) == fences
    assert {source for source, _, _ in BLOCKS} >= {"README.md", "docs/guides/python.md"}


@pytest.mark.parametrize("source,line,code", BLOCKS, ids=[f"{source}:{line}" for source, line, _ in BLOCKS])
def test_block_runs(source, line, code, tmp_path, monkeypatch):
    run_block(f"{source}:{line}", code, tmp_path, monkeypatch)


def test_a_broken_block_fails(tmp_path, monkeypatch):
    # The acknowledgement as docs/guides/python.md once wrote it: Validations.acknowledge takes Acknowledgment structs.
    wrong_keyword = 'Validations.of(stack).acknowledge(id="cdk-imagebuilder-distribution:ListSize", reason="why")'
    with pytest.raises(TypeError):
        run_block("wrong keyword", wrong_keyword, tmp_path / "a", monkeypatch)
    # An error the block does not acknowledge fails synthesis.
    invalid = 'DistributionConfiguration(stack, "Distribution").add_region("us-east-1", target_accounts=["123"])'
    with pytest.raises(Exception, match=r"\[AccountId\]"):
        run_block("invalid account", invalid, tmp_path / "b", monkeypatch)
    # A warning left unacknowledged fails the block.
    warned = re.sub(r"\n\s*Validations\.of\(distribution\)\.acknowledge\(\n[^\n]*:ImportedKeyPolicy[^\n]*\n\)", "", acknowledgement_block())
    assert warned != acknowledgement_block()
    with pytest.raises(AssertionError, match="keeps warnings"):
        run_block("warning left", warned, tmp_path / "c", monkeypatch)


def acknowledgement_block() -> str:
    return next(code for source, _, code in BLOCKS if source == "docs/guides/python.md" and ":ImportedKeyPolicy" in code)
