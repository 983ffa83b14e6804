"""Hostile input to `derive train`, `gradcheck` and `bench`, through `derive.cli.main`.

Each case pins its exit code and its message: bad input is exit 2 with a message that names the
option or `file:line`, never exit 3 (internal error); a run that learned nothing is exit 1, never
a result; nothing hangs, nothing reads an endless file, and no NumPy warning reaches the user.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from derive.cli import main

pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "formulas" / "backprop.md"
MSE_LOSS = r"\mathcal{L} = \frac{1}{2} \sum_{j=1}^{C_n}(y_j - a^{(n)}_j)^2."
QUIET = ("--no-plot", "--quiet")


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def iris_train(tmp_path, *extra: str) -> list[str]:
    """A fast `derive train` on iris: one small model, few epochs."""
    return ["train", "--data", "iris", "--layers", "4,8,3", "--epochs", "3",
            "--outdir", str(tmp_path / "out"), *QUIET, *extra]


def write_csv(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def separable_rows(n: int = 40, big: float = 1.0) -> list[str]:
    """Two classes told apart by the sign of f1 (times `big`); f2 is noise."""
    rng = np.random.default_rng(0)
    rows = []
    for k in range(n):
        cls = k % 2
        rows.append(f"{(1 if cls else -1) * big * rng.uniform(0.5, 1.0)!r},"
                    f"{rng.uniform(0, 1):.3f},{'yes' if cls else 'no'}")
    return rows


# --- usage errors found before any training -------------------------------------------------


def test_outdir_naming_a_file_fails_before_training(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n")
    code, out, err = cli(capsys, "train", "--data", "iris", "--epochs", "200", "--outdir",
                         str(target), "--no-plot", "--quiet")
    assert code == 2
    assert f"derive: error: --outdir {target}: not a folder (it names a file)" in err
    assert "final:" not in out and "samples" not in out  # nothing was trained
    assert target.read_text() == "keep me\n"


def test_outdir_below_a_file_and_output_that_is_a_folder(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("x")
    code, _, err = cli(capsys, *iris_train(tmp_path)[:-4], "--outdir", str(target / "sub"),
                       *QUIET)
    assert code == 2 and f"--outdir {target / 'sub'}: {target} is not a folder" in err
    (tmp_path / "o" / "train-metrics.json").mkdir(parents=True)
    code, _, err = cli(capsys, "train", "--data", "iris", "--outdir", str(tmp_path / "o"),
                       *QUIET)
    assert code == 2 and "train-metrics.json is a folder, not a file" in err


def test_bench_out_is_checked_before_the_benchmark(tmp_path, capsys):
    code, out, err = cli(capsys, "bench", "--epochs", "1", "--out", str(tmp_path))
    assert code == 2 and f"--out {tmp_path}: {tmp_path} is a folder, not a file" in err
    assert out == ""


@pytest.mark.parametrize("command", ["train", "gradcheck", "bench"])
def test_negative_seed_is_a_usage_error(tmp_path, capsys, command):
    argv = {"train": iris_train(tmp_path), "gradcheck": ["gradcheck", "--layers", "3,2,2"],
            "bench": ["bench", "--epochs", "1", "--out", str(tmp_path / "b.md")]}[command]
    code, out, err = cli(capsys, *argv, "--seed", "-1")
    assert code == 2
    assert "derive: error: argument --seed: must be a non-negative integer, not -1" in err
    assert out == ""


@pytest.mark.parametrize("argv, message", [
    (["--lr", "inf"], "--lr must be a positive finite number, not inf"),
    (["--lr", "nan"], "--lr must be a positive finite number, not nan"),
    (["--lr", "-1"], "--lr must be a positive finite number, not -1.0"),
])
def test_learning_rate_must_be_positive_and_finite(tmp_path, capsys, argv, message):
    code, out, err = cli(capsys, *iris_train(tmp_path), *argv)
    assert code == 2 and f"derive: error: {message}" in err and out == ""


@pytest.mark.parametrize("option", ["--tol", "--eps"])
def test_gradcheck_tolerances_must_be_finite(capsys, option):
    code, _, err = cli(capsys, "gradcheck", "--layers", "3,2,2", option, "inf")
    assert code == 2 and f"{option} must be a positive finite number, not inf" in err


# --- --data that must not be read --------------------------------------------------------------


def _run_with_deadline(argv: list[str], seconds: float) -> int:
    box: dict[str, int] = {}
    thread = threading.Thread(target=lambda: box.setdefault("code", main(argv)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"derive {' '.join(argv)} still running after {seconds} s"
    return box["code"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_as_data_is_refused_without_hanging(tmp_path, capsys):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    code = _run_with_deadline(iris_train(tmp_path) + ["--data", str(fifo), "--label-column",
                                                      "y"], 20)
    err = capsys.readouterr().err
    assert code == 2
    assert f"derive: error: {fifo}:1: not a regular file; --data reads only regular files" in err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_as_data_is_refused(tmp_path, capsys):
    code = _run_with_deadline(iris_train(tmp_path) + ["--data", "/dev/zero", "--label-column",
                                                      "y"], 20)
    err = capsys.readouterr().err
    assert code == 2 and "/dev/zero:1: not a regular file" in err


def test_a_folder_as_data_is_refused(tmp_path, capsys):
    code, _, err = cli(capsys, *iris_train(tmp_path), "--data", str(tmp_path),
                       "--label-column", "y")
    assert code == 2 and f"{tmp_path}:1: a directory; --data reads only regular files" in err


def test_oversized_data_file_is_refused_without_reading_it(tmp_path, capsys):
    from derive.numeric.data import MAX_CSV_BYTES

    path = tmp_path / "huge.csv"
    with open(path, "wb") as f:  # sparse: no disk space, no time
        f.truncate(MAX_CSV_BYTES + 1)
    code, _, err = cli(capsys, *iris_train(tmp_path), "--data", str(path), "--label-column", "y")
    assert code == 2
    assert f"{path}:1: the file has {MAX_CSV_BYTES + 1:,} bytes, more than the " \
           f"{MAX_CSV_BYTES:,} --data accepts" in err


# --- CSV contents ------------------------------------------------------------------------------


def test_field_over_the_csv_limit_is_a_placed_error(tmp_path, capsys):
    path = write_csv(tmp_path, "a,b,y\n1,2,x\n3,4," + "z" * 140_000 + "\n5,6,x\n")
    code, _, err = cli(capsys, *iris_train(tmp_path), "--data", str(path), "--label-column", "y")
    assert code == 2
    assert f"{path}:3: a field is longer than 131,072 characters (an unclosed quote?)" in err


def test_quoted_newline_in_a_label_is_an_error_not_dropped(tmp_path, capsys):
    path = write_csv(tmp_path, 'a,b,y\n1,2,x\n3,4,"ye\ns"\n5,6,x\n7,8,yes\n')
    code, _, err = cli(capsys, *iris_train(tmp_path), "--data", str(path), "--label-column", "y")
    assert code == 2
    assert (f"{path}:3: field 3 is a quoted value that spans lines 3-4; a value or label "
            "must be on one line") in err


def test_line_numbers_count_the_lines_of_multi_line_records(tmp_path, capsys):
    # a quoted comma is one field; line numbers after blank lines are the file's
    path = write_csv(tmp_path, 'a,b,y\n\n1,2,"x,1"\n\n3,oops,x\n')
    code, _, err = cli(capsys, *iris_train(tmp_path), "--data", str(path), "--label-column", "y")
    assert code == 2 and f"{path}:5: column 'b': 'oops' is not a finite number" in err


def test_values_near_the_float_limit_give_no_numpy_warning(tmp_path, capsys):
    path = write_csv(tmp_path, "\n".join(["f1,f2,kind", *separable_rows(big=1.7e308)]) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = cli(capsys, "train", "--data", str(path), "--label-column", "kind",
                             "--loss", "ce", "--output", "softmax-z", "--layers", "2,4,2",
                             "--epochs", "10", "--batch", "8", "--outdir",
                             str(tmp_path / "out"), *QUIET)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], caught
    assert "RuntimeWarning" not in err
    assert code == 0, err
    metrics = json.loads((tmp_path / "out" / "train-metrics.json").read_text())
    assert metrics["runs"][0]["final"]["train_accuracy"] == 1.0  # the sign separates them


def test_huge_rate_and_step_give_no_numpy_warning(tmp_path, capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, err = cli(capsys, *iris_train(tmp_path), "--loss", "ce", "--output",
                           "softmax-z", "--lr", "1.7e308")
        assert code == 1 and "derive: softmax-z: training diverged in epoch 1" in err
        code, out, _ = cli(capsys, "gradcheck", "--layers", "3,2,2", "--eps", "1e300")
        assert code == 1 and "FAIL" in out
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], caught


# --- runs that learned nothing ------------------------------------------------------------------


def test_saturating_rate_is_reported_as_a_stalled_run(tmp_path, capsys):
    """--lr 1e12 with MSE: no NaN, the loss even drops (to 0.5), but the sigmoids saturate and
    the network answers one class for everything. That is a failure, exit 1, not a result."""
    code, out, err = cli(capsys, *iris_train(tmp_path), "--loss", "mse", "--lr", "1e12")
    assert code == 1
    assert ("derive: mse: training stopped learning in epoch 2: the updates left every weight "
            "and bias unchanged (the units are saturated: g'(z) is 0 in float64) at training "
            "accuracy 0.3333, which is chance (0.3333: the commonest class for every sample); "
            "try a smaller learning rate than --lr 1e+12") in err
    assert "final:" not in out
    metrics = json.loads((tmp_path / "out" / "train-metrics.json").read_text())
    assert metrics["runs"] == [] and metrics["failed"][0]["model"] == "mse"


def test_run_ending_at_chance_is_reported(tmp_path, capsys):
    code, _, err = cli(capsys, *iris_train(tmp_path), "--layers", "4,32,3", "--loss", "mse",
                       "--lr", "0.001")
    assert code == 1
    assert "training stopped learning in epoch 3: the training accuracy 0.3333 is no better " \
           "than chance (0.3333: the commonest class for every sample; the loss went from" in err
    assert "try another learning rate than --lr 0.001" in err


def test_one_failed_model_does_not_stop_the_others(tmp_path, capsys):
    code, out, err = cli(capsys, *iris_train(tmp_path), "--lr", "1e12")
    assert code == 1
    assert "derive: mse: training stopped learning" in err
    assert "derive: softmax-z: training diverged" in err
    metrics = json.loads((tmp_path / "out" / "train-metrics.json").read_text())
    assert [f["model"] for f in metrics["failed"]] == ["mse", "softmax-a", "softmax-z"]


def test_a_healthy_run_still_exits_0(tmp_path, capsys):
    code, out, _ = cli(capsys, *iris_train(tmp_path)[:-6], "--layers", "4,8,3", "--epochs",
                       "10", "--loss", "ce", "--output", "softmax-z", "--outdir",
                       str(tmp_path / "out"), *QUIET)
    assert code == 0 and "softmax-z final:" in out
    assert "failed" not in json.loads((tmp_path / "out" / "train-metrics.json").read_text())


# --- --formulas that cannot be trained ------------------------------------------------------


def chapter_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = CHAPTER.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "notes.md"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_unknown_symbol_in_a_definition_is_shown_placed(tmp_path, capsys):
    path = chapter_variant(tmp_path, MSE_LOSS, MSE_LOSS.replace("a^{(n)}_j", "q^{(n)}_j"))
    line = CHAPTER.read_text(encoding="utf-8").splitlines().index(MSE_LOSS) + 1
    code, out, err = cli(capsys, "gradcheck", "--layers", "3,2,2", "--formulas", str(path))
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"{path}:{line}:50: error: unknown symbol `q`"
    assert lines[1].strip() == MSE_LOSS.replace("a^{(n)}_j", "q^{(n)}_j")
    assert lines[2] == "    " + " " * 49 + "^"


def test_document_without_a_loss(tmp_path, capsys):
    marked = '<!-- derive: definitions = "all" -->\n$$\n'
    text = CHAPTER.read_text(encoding="utf-8")
    path = tmp_path / "noloss.md"
    path.write_text(text.replace(marked + "\\mathcal{L}", "$$\n\\mathcal{L}")
                    .replace(marked + "\\begin{split}\\mathcal{L}", "$$\n\\begin{split}\\mathcal{L}"),
                    encoding="utf-8")
    code, _, err = cli(capsys, "gradcheck", "--layers", "3,2,2", "--formulas", str(path))
    assert code == 2
    assert (f"derive: error: {path}: cannot train from its definitions: no definition of the "
            "loss \\mathcal{L} (mark one with `<!-- derive: definitions = ... -->`)") in err


def test_document_lacking_the_requested_loss(tmp_path, capsys):
    path = chapter_variant(tmp_path, '<!-- derive: definitions = "all" -->\n$$\n' + MSE_LOSS,
                           "$$\n" + MSE_LOSS)
    code, _, err = cli(capsys, "gradcheck", "--layers", "3,2,2", "--formulas", str(path),
                       "--model", "mse")
    assert code == 2
    assert ("derive: error: cannot run --model mse: the document defines no mse loss "
            "(a loss without a logarithm); it defines: ce") in err
    # Without --model, the models the document defines are checked and the other is named.
    code, out, err = cli(capsys, "gradcheck", "--layers", "3,2,2", "--formulas", str(path))
    assert code == 0 and "all below" in out and "mse (" not in out
    assert ("derive: note: cannot run --model mse: the document defines no mse loss "
            "(a loss without a logarithm); it defines: ce (skipped)") in err
    code, out, _ = cli(capsys, "gradcheck", "--layers", "3,2,2", "--formulas", str(path),
                       "--loss", "ce", "--output", "softmax-z")
    assert code == 0 and "all below" in out



def test_outputs_replace_a_symlink_instead_of_writing_through_it(tmp_path, capsys):
    precious = tmp_path / "precious.txt"
    precious.write_text("mine\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "train-metrics.json").symlink_to(precious)
    code, _, _ = cli(capsys, *iris_train(tmp_path), "--loss", "ce", "--output", "softmax-z",
                     "--epochs", "10")
    assert code == 0
    assert precious.read_text() == "mine\n"
    assert not (out / "train-metrics.json").is_symlink()
    assert json.loads((out / "train-metrics.json").read_text())["dataset"] == "iris"
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_formulas_must_be_a_regular_file(tmp_path, capsys, kind):
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this platform")
        path = tmp_path / "notes.md"
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
        if not path.exists():
            pytest.skip("no /dev/zero")
    else:
        path = tmp_path
    code = _run_with_deadline(["gradcheck", "--layers", "3,2,2", "--formulas", str(path)], 20)
    err = capsys.readouterr().err
    assert code == 2
    assert f"derive: error: {path}: not a regular file; --formulas reads only regular files" in err


@pytest.mark.parametrize("argv, message", [
    (["train", "--data", "iris", "--layers", "4,100000,100000,3"],
     "--layers 4,100000,100000,3 has 10,000,900,003 weights and biases; at most 10,000,000 "
     "are allowed here"),
    (["train", "--data", "iris", "--layers", "4,1000000,3", "--batch", "100"],
     "a batch of 100 samples through --layers 4,1000000,3 needs 100,000,000 activations at "
     "once; at most 20,000,000 are allowed (use a smaller --batch)"),
    (["gradcheck", "--layers", "100,100,10"],
     "--layers 100,100,10 has 11,110 weights and biases; at most 10,000 are allowed here"),
    (["gradcheck", "--batch", "1000000"], "--batch 1,000,000 is too large for gradcheck"),
])
def test_sizes_that_would_exhaust_memory_or_time_are_refused(tmp_path, capsys, argv, message):
    code, out, err = cli(capsys, *argv, *(["--outdir", str(tmp_path), *QUIET]
                                          if argv[0] == "train" else []))
    assert code == 2 and f"derive: error: {message}" in err and out == ""


SIGMOID = r"g(t) &= \ \frac{1}{1 + e^{-t}}, \\"
OUTSIDE = "outside float64 (about 1e-308 to 1e308 in size): see the constants of the definitions"


@pytest.mark.parametrize("old, new, message", [
    (SIGMOID, r"g(t) &= \ 3, \\",
     "the activation g(t) = 3 does not depend on t: every unit would output the same value "
     "whatever its input"),
    (SIGMOID, r"g(t) &= \ 10^{400} t, \\",
     f"the derived code needs the constant 1.00e+400, {OUTSIDE}"),
    (MSE_LOSS, r"\mathcal{L} = 5.",
     "the mse loss does not depend on the network's outputs: there is nothing to learn from it"),
    (MSE_LOSS, MSE_LOSS.replace(r"\frac{1}{2}", "10^{-400}"),
     f"the derived code needs the constant 2.00e-400, {OUTSIDE}"),
    (MSE_LOSS, MSE_LOSS.replace(r"\frac{1}{2}", r"\frac{10^{400}}{3}"),
     f"the derived code needs the constant 6.67e+399, {OUTSIDE}"),
])
def test_definitions_the_generated_code_cannot_run(tmp_path, capsys, old, new, message):
    path = chapter_variant(tmp_path, old, new)
    code, out, err = cli(capsys, "gradcheck", "--layers", "3,2,2", "--loss", "mse",
                         "--formulas", str(path))
    assert code == 2 and out == ""
    assert f"derive: error: cannot generate code from the formulas: {message}" in err


def test_an_activation_whose_rewrites_never_end_is_trained_in_its_plain_form(
        tmp_path, capsys, monkeypatch):
    """sympy.solve of u = t^1000 (for g' in terms of g) runs for hours: past its budget the
    plain g' is used, and the gradients are still right."""
    pytest.importorskip("derive.budget")
    from derive.numeric.codegen import derivation

    monkeypatch.setattr(derivation, "REWRITE_SECONDS", 0.5)
    path = chapter_variant(tmp_path, SIGMOID, r"g(t) &= \ \sin(t)^{100}, \\")
    code, out, _ = cli(capsys, "gradcheck", "--layers", "3,2,2", "--loss", "mse", "--formulas",
                       str(path))
    assert code == 0 and "all below the tolerance" in out


def test_code_generation_has_a_time_budget(tmp_path, capsys, monkeypatch):
    pytest.importorskip("derive.budget")
    from derive.numeric import codegen

    monkeypatch.setattr(codegen, "CODEGEN_SECONDS", 2.0)
    path = chapter_variant(tmp_path, MSE_LOSS, r"\mathcal{L} = \left(\sum_{j=1}^{C_n}"
                           r"(y_j - a^{(n)}_j)^2\right)^{100}.")
    code, out, err = cli(capsys, "gradcheck", "--layers", "3,2,2", "--loss", "mse",
                         "--formulas", str(path))
    assert code == 2 and out == ""
    assert ("derive: error: cannot generate code from the formulas: deriving the mse code ran "
            "past its time budget (2 s): the definitions are too large for the generator") in err


@pytest.mark.parametrize("text, message", [
    ('a,b,y\r\n1,2,"x\r\nz"\r\n3,4,y\r\n', ':2: field 3 is a quoted value that spans lines '
     '2-3; a value or label must be on one line'),
    ('a,b,y\n1,2,"x\rz"\n3,4,y\n', ':2: field 3 is a quoted value that spans lines 2-3; a value '
     'or label must be on one line'),
    ('a,b,y\n1,2,x\n3,4,"y', ":3: not a valid CSV record (unexpected end of data)"),
    ('a,b,y\n1,"2"x,x\n', ":2: not a valid CSV record (',' expected after '\"')"),
])
def test_malformed_quoting_is_an_error_not_a_guess(tmp_path, capsys, text, message):
    path = write_csv(tmp_path, text)
    code, _, err = cli(capsys, *iris_train(tmp_path), "--data", str(path), "--label-column", "y")
    assert code == 2 and f"derive: error: {path}{message}" in err


def test_the_default_formulas_are_found_from_another_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no formulas/ here: the chapter beside the package is used
    code, out, err = cli(capsys, "gradcheck", "--layers", "3,2,2", "--loss", "mse")
    assert code == 0 and "all below the tolerance" in out, err
