"""The pre-commit hook and the GitHub Action, run the way their tools run them."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "golden" / "mini.md"
CORRECT = "= \\frac{\\partial{\\mathcal{L}}}{\\partial{z^{(2)}_i}} a^{(1)}_j\n"
REFUTED = "= \\frac{\\partial{\\mathcal{L}}}{\\partial{z^{(2)}_i}}\n"


def _derive_argv(entry: str) -> list[str]:
    argv = shlex.split(entry)
    assert argv[0] == "derive"  # the console script; here, the same through this interpreter
    return [sys.executable, "-m", "derive", *argv[1:]]


def test_pre_commit_hook_runs_on_the_changed_files(tmp_path: Path) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "derive" and hook["language"] == "python"
    assert set(hook["types_or"]) == {"markdown", "rst", "tex", "jupyter"}
    good = tmp_path / "good.md"
    good.write_text(MINI.read_text(encoding="utf-8").replace(REFUTED, CORRECT), encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    # pre-commit runs `entry args... file...` with the changed files as arguments
    ok = subprocess.run([*_derive_argv(hook["entry"]), str(good)], capture_output=True,
                        text=True, cwd=tmp_path, timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    failed = subprocess.run([*_derive_argv(hook["entry"]), str(good), str(bad)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert failed.returncode == 1
    assert f"{bad.as_posix()}:70: ✗ refuted" in failed.stdout
    assert "\x1b[" not in failed.stdout  # --color never: a hook's log is plain text


def test_action_passes_inputs_through_the_environment_only() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    check = steps[-1]
    assert "--format github" in check["run"]
    for step in steps:  # `${{ inputs.* }}` inside a script is a shell injection
        assert "${{" not in step.get("run", "")
    assert set(check["env"].values()) == {"${{ inputs.paths }}", "${{ inputs.args }}"}
