"""The preflight command as a Python project runs it: the script the wheel installs, which runs the command bundled
in the package (one file, lib/cli/main.js) with Node.js through jsii."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "cdk-imagebuilder-distribution"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_the_wheel_installs_the_preflight_command(tmp_path):
    assert SCRIPT.is_file(), f"{SCRIPT} is missing: the wheel installs the package's bin as a script"
    result = run("preflight", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: cdk-imagebuilder-distribution preflight [options]")


def test_the_preflight_command_exits_2_without_an_assembly(tmp_path):
    result = run("preflight", "--app", "no-such-cdk-out", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no-such-cdk-out" in result.stderr
