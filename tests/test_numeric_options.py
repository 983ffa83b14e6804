"""One name for one idea across the numeric commands, the old spellings for one release, and a
command line that starts without SymPy or NumPy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from derive.cli import main
from derive.numeric.codegen import MODELS
from derive.numeric.commands import MODEL_NAMES

ROOT = Path(__file__).resolve().parent.parent


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def test_model_names_match_the_generator():
    assert MODEL_NAMES == tuple(MODELS)


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_the_command_line_starts_without_sympy_or_numpy(flag):
    probe = ("import sys, runpy\n"
             f"sys.argv = ['derive', {flag!r}]\n"
             "try:\n    runpy.run_module('derive', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('LOADED', sorted(m for m in ('sympy', 'numpy') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout, done.stdout[-300:]
    if flag == "--help":
        assert "train" in done.stdout and "bench" in done.stdout  # registered all the same


def test_train_new_spellings(tmp_path, capsys):
    out_dir = tmp_path / "runs"
    code, out, err = cli(capsys, "train", "--data", "iris", "--layers", "4,8,3", "--epochs",
                         "3", "--model", "mse", "-o", str(out_dir), "--no-plot", "--quiet")
    assert code == 0 and "deprecated" not in err
    runs = json.loads((out_dir / "train-metrics.json").read_text())["runs"]
    assert [r["model"] for r in runs] == ["mse"]


def test_train_old_spellings_still_work_with_a_note(tmp_path, capsys):
    code, _, err = cli(capsys, "train", "--data", "iris", "--layers", "4,8,3", "--epochs", "3",
                       "--loss", "ce", "--output", "softmax-z", "--outdir", str(tmp_path),
                       "--no-plot", "--quiet")
    assert code == 0
    assert "derive: warning: --outdir is deprecated" in err and "use -o/--output" in err
    assert "--loss/--output is deprecated" in err and "use --model softmax-z" in err
    runs = json.loads((tmp_path / "train-metrics.json").read_text())["runs"]
    assert [r["model"] for r in runs] == ["softmax-z"]


def test_mixing_old_and_new_spellings_is_a_usage_error(tmp_path, capsys):
    code, out, err = cli(capsys, "train", "--data", "iris", "-o", str(tmp_path), "--outdir",
                         str(tmp_path), "--no-plot")
    assert code == 2 and "give only -o/--output" in err and out == ""
    code, out, err = cli(capsys, "gradcheck", "--layers", "3,2,2", "--model", "mse", "--loss",
                         "mse")
    assert code == 2 and "give only --model" in err and out == ""


def test_output_folder_naming_a_file_names_the_new_option(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n")
    code, _, err = cli(capsys, "train", "--data", "iris", "-o", str(target), "--no-plot")
    assert code == 2 and f"derive: error: -o/--output {target}: not a folder" in err
    assert target.read_text() == "keep me\n"


def test_gradcheck_model_option(capsys):
    code, out, err = cli(capsys, "gradcheck", "--layers", "3,2,2", "--model", "softmax-z")
    assert code == 0 and "softmax-z" in out and "mse" not in out and err == ""


def test_bench_output_is_a_folder(tmp_path, capsys):
    code, out, err = cli(capsys, "bench", "--epochs", "1", "--batches", "64", "-o",
                         str(tmp_path / "b"))
    assert code == 0 and "deprecated" not in err
    assert "| 64 | generated |" in (tmp_path / "b" / "bench.md").read_text()
    code, _, err = cli(capsys, "bench", "--epochs", "1", "--batches", "64", "--out",
                       str(tmp_path / "old.md"))
    assert code == 0 and "--out FILE is deprecated" in err
    assert (tmp_path / "old.md").is_file()
