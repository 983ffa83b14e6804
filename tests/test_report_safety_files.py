"""`derive report` never loses a file: it replaces only its own reports, never writes through a
link, writes the files of a run as a set, and turns every unusable output folder into a
placed `derive: error:` with exit 2.

Most cases stand the checker in with a one-result report (the checks are about files, not
verdicts); one case runs the real checker on a real document.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from derive.cli import main
from derive.report.write import is_generated
from derive.results import FileReport, Result, Status

ROOT = Path(__file__).resolve().parent.parent
NOTES = "# My own notes\n\nNot a report. $a = b$\n"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def quick(monkeypatch, tmp_path):
    """cwd is tmp_path, holding notes.md; `check_file` returns a small report at once."""

    def check_file(path, display_name=None, *, symbolic=False):
        name = display_name or Path(path).as_posix()
        result = Result(name, 3, 1, "a = b", "equation", Status.VERIFIED, "ok", formula=1)
        return FileReport(name, "Notes", (result,))

    monkeypatch.setattr("derive.check.check_file", check_file)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text(NOTES, encoding="utf-8")
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry of `folder` (not recursive): its bytes, or where a link points."""
    out: dict[str, bytes | str] = {}
    for p in sorted(folder.iterdir()):
        if p.is_symlink():
            out[p.name] = "-> " + os.readlink(p)
        elif p.is_file():
            out[p.name] = p.read_bytes()
        else:
            out[p.name] = "<dir>"
    return out


def report(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- the source is never replaced ------------------------------------------------------------


def test_report_into_the_sources_own_folder_does_not_replace_it(quick, capsys):
    before = snapshot(quick)
    code, out, err = report(["notes.md", "-o", "."], capsys)
    assert code == 2
    assert err == (
        "derive: error: notes.md: is a source file of this run and would be replaced by its "
        "own report; choose another folder with -o\n"
    )
    assert "wrote" not in out
    assert snapshot(quick) == before, "nothing written, not even the other two files"


def test_what_cannot_be_written_is_refused_before_checking(quick, monkeypatch, capsys):
    def no_check(*args, **kwargs):
        raise AssertionError("checked before the refusal")

    (quick / "out").mkdir()
    (quick / "out" / "notes.json").write_text("mine\n")
    monkeypatch.setattr("derive.check.check_file", no_check)
    for out in (".", "out"):
        code, _, err = report(["notes.md", "-o", out], capsys)
        assert code == 2 and err.startswith("derive: error: "), err


def test_a_source_living_in_the_default_reports_folder_is_not_replaced(quick, capsys):
    (quick / "reports").mkdir()
    (quick / "notes.md").rename(quick / "reports" / "notes.md")
    before = snapshot(quick / "reports")
    code, _, err = report(["reports/notes.md"], capsys)
    assert code == 2
    assert "reports/notes.md: is a source file of this run" in err
    assert snapshot(quick / "reports") == before


def test_a_hard_link_to_a_source_is_the_source(quick, capsys):
    (quick / "out").mkdir()
    os.link(quick / "notes.md", quick / "out" / "notes.md")
    code, _, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 2 and "out/notes.md: is a source file of this run" in err
    assert (quick / "notes.md").read_text(encoding="utf-8") == NOTES


def test_the_real_checker_through_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mini.md").write_bytes((ROOT / "tests/golden/mini.md").read_bytes())
    before = (tmp_path / "mini.md").read_bytes()
    code, out, err = report(["mini.md", "-o", "."], capsys)
    assert (code, out) == (2, "")
    assert err.startswith("derive: error: mini.md: is a source file of this run")
    assert (tmp_path / "mini.md").read_bytes() == before
    code, out, _ = report(["mini.md", "-o", "reports"], capsys)
    assert code == 0 and "wrote reports/mini.md" in out
    assert all(is_generated(tmp_path / "reports" / f"mini{s}") for s in (".md", ".html", ".json"))
    assert report(["mini.md", "-o", "reports", "--check"], capsys)[0] == 0


# --- files that are not ours -----------------------------------------------------------------


def test_a_file_the_report_did_not_write_is_refused_and_nothing_is_written(quick, capsys):
    out_dir = quick / "out"
    out_dir.mkdir()
    (out_dir / "notes.json").write_text('{"mine": true}\n')
    code, out, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 2 and "wrote" not in out
    assert err == (
        "derive: error: out/notes.json: exists and was not written by derive report; not "
        "replaced (move it away, or choose another folder with -o)\n"
    )
    assert snapshot(out_dir) == {"notes.json": b'{"mine": true}\n'}


def test_every_refused_file_is_named(quick, capsys):
    out_dir = quick / "out"
    out_dir.mkdir()
    for suffix in (".md", ".html", ".json"):
        (out_dir / f"notes{suffix}").write_text("mine\n")
    code, _, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 2
    assert [line.split(":")[2].strip() for line in err.splitlines()] == [
        "out/notes.md",
        "out/notes.html",
        "out/notes.json",
    ]


def test_its_own_reports_are_replaced(quick, capsys):
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0
    (quick / "out" / "notes.json").write_text(
        (quick / "out" / "notes.json").read_text().replace('"ok"', '"edited"')
    )
    code, out, _ = report(["notes.md", "-o", "out"], capsys)
    assert code == 0 and out.startswith("wrote out/notes.md\nwrote out/notes.html\n")
    assert '"ok"' in (quick / "out" / "notes.json").read_text()
    assert sorted(os.listdir(quick / "out")) == ["notes.html", "notes.json", "notes.md"]


def test_a_markdown_report_from_before_the_marker_is_recognised(quick, capsys):
    (quick / "out").mkdir()
    legacy = (
        "# Derivation report: Notes\n\nSource: `notes.md` · generated by `derive report` · "
        "1 formulas and steps checked\n"
    )
    (quick / "out" / "notes.md").write_text(legacy, encoding="utf-8")
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0
    assert (quick / "out" / "notes.md").read_text(encoding="utf-8").startswith(
        "<!-- generator: derive report"
    )


def test_a_read_only_report_is_refused_and_the_set_is_unchanged(quick, capsys):
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0
    (quick / "out" / "notes.md").write_bytes(
        (quick / "out" / "notes.md").read_bytes() + b"\nold\n"
    )
    html = quick / "out" / "notes.html"
    html.chmod(0o444)
    before = snapshot(quick / "out")
    code, _, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 2
    assert err == "derive: error: out/notes.html: is read-only; not replaced\n"
    assert snapshot(quick / "out") == before, "no new notes.md beside an old notes.html"


# --- links -----------------------------------------------------------------------------------


def test_a_symlinked_target_is_not_followed(quick, capsys):
    (quick / "precious.txt").write_text("precious\n")
    (quick / "out").mkdir()
    (quick / "out" / "notes.html").symlink_to("../precious.txt")
    code, _, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 2
    assert err == (
        "derive: error: out/notes.html: is a symbolic link; derive report does not write "
        "through links (remove the link, or choose another folder with -o)\n"
    )
    assert (quick / "precious.txt").read_text() == "precious\n"
    assert snapshot(quick / "out") == {"notes.html": "-> ../precious.txt"}


def test_a_dangling_symlink_target_is_not_followed(quick, capsys):
    (quick / "out").mkdir()
    (quick / "out" / "notes.md").symlink_to("../created-through-the-link.md")
    assert report(["notes.md", "-o", "out"], capsys)[0] == 2
    assert not (quick / "created-through-the-link.md").exists()


def test_a_symlinked_output_folder_is_refused_before_checking(quick, monkeypatch, capsys):
    (quick / "elsewhere").mkdir()
    (quick / "out").symlink_to("elsewhere")

    def no_check(*args, **kwargs):
        raise AssertionError("checked before the output folder was refused")

    monkeypatch.setattr("derive.check.check_file", no_check)
    code, _, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 2
    assert err.startswith("derive: error: out: the output folder is a symbolic link (to ")
    assert err.endswith("derive report does not write through links: name the real folder "
                        "with -o\n")
    assert list((quick / "elsewhere").iterdir()) == []


def test_links_higher_up_the_output_path_are_the_users(quick, capsys):
    (quick / "real").mkdir()
    (quick / "via").symlink_to("real")
    assert report(["notes.md", "-o", "via/out"], capsys)[0] == 0
    assert sorted(os.listdir(quick / "real" / "out")) == ["notes.html", "notes.json", "notes.md"]


# --- unusable output folders: exit 2, not 3 --------------------------------------------------


def test_output_naming_a_file(quick, capsys):
    code, _, err = report(["notes.md", "-o", "notes.md"], capsys)
    assert code == 2
    assert err == (
        "derive: error: notes.md: is a file, not a folder; -o names the folder the reports go "
        "into\n"
    )
    assert (quick / "notes.md").read_text(encoding="utf-8") == NOTES


def test_output_folder_under_a_file_cannot_be_created(quick, capsys):
    code, _, err = report(["notes.md", "-o", "notes.md/a/b"], capsys)
    assert code == 2
    assert err == (
        "derive: error: notes.md/a/b: cannot create the output folder: notes.md is a file\n"
    )


def test_output_folder_that_mkdir_refuses(quick, monkeypatch, capsys):
    def refuse(path, mode=0o777, *, dir_fd=None):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(os, "mkdir", refuse)
    code, _, err = report(["notes.md", "-o", "new/out"], capsys)
    assert code == 2
    assert err == (
        f"derive: error: new/out: cannot create the output folder: {os.strerror(errno.EACCES)}\n"
    )


def test_read_only_output_folder(quick, capsys):
    (quick / "ro").mkdir()
    (quick / "ro").chmod(0o555)
    try:
        code, _, err = report(["notes.md", "-o", "ro"], capsys)
    finally:
        (quick / "ro").chmod(0o755)
    assert code == 2
    assert err == "derive: error: ro: the output folder is read-only\n"
    assert list((quick / "ro").iterdir()) == []


@pytest.mark.skipif(IS_ROOT, reason="root may write into a folder it cannot otherwise use")
def test_a_folder_the_user_cannot_write_into(quick, capsys):
    (quick / "locked").mkdir()
    (quick / "locked").chmod(0o500 | stat.S_IWGRP)  # a write bit, but not the user's
    try:
        code, _, err = report(["notes.md", "-o", "locked"], capsys)
    finally:
        (quick / "locked").chmod(0o755)
    assert code == 2
    assert "locked/notes.md: cannot be written: " in err


# --- the set is written atomically -----------------------------------------------------------


def _old_set(quick, capsys) -> dict[str, bytes | str]:
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0
    for p in (quick / "out").iterdir():  # make the old set distinguishable from a new one
        p.write_bytes(p.read_bytes().replace(b"Notes", b"Old notes"))
    return snapshot(quick / "out")


def test_a_failure_while_writing_leaves_the_old_set_and_no_temporary_file(
    quick, monkeypatch, capsys
):
    before = _old_set(quick, capsys)
    real_fsync = os.fsync
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    code, out, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 2 and "wrote" not in out
    assert err == (
        f"derive: error: out/notes.html: cannot be written: {os.strerror(errno.ENOSPC)}; "
        "no report was changed\n"
    )
    assert snapshot(quick / "out") == before


def test_an_interrupt_while_writing_leaves_the_old_set(quick, monkeypatch, capsys):
    before = _old_set(quick, capsys)

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    code, _, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 130 and "interrupted" in err
    assert snapshot(quick / "out") == before


def test_a_failure_creates_no_folder(quick, monkeypatch, capsys):
    def failing_fsync(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    assert report(["notes.md", "-o", "new/out"], capsys)[0] == 2
    assert not (quick / "new").exists()


def test_a_file_appearing_during_the_run_stops_every_rename(quick, monkeypatch, capsys):
    real_fsync = os.fsync
    calls = []

    def sneaky_fsync(fd):
        calls.append(fd)
        if len(calls) == 3:  # after the last temporary file, before any rename
            (quick / "out" / "notes.md").write_text("written by someone else\n")
        real_fsync(fd)

    (quick / "out").mkdir()
    monkeypatch.setattr(os, "fsync", sneaky_fsync)
    code, _, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 2
    assert err == (
        "derive: error: out/notes.md: changed while the reports were written; no report was "
        "changed\n"
    )
    assert snapshot(quick / "out") == {"notes.md": b"written by someone else\n"}


def test_a_report_rewritten_in_place_during_the_run_is_not_replaced(quick, monkeypatch, capsys):
    _old_set(quick, capsys)
    real_fsync = os.fsync
    calls = []

    def sneaky_fsync(fd):
        calls.append(fd)
        if len(calls) == 3:  # the same file (same inode), someone else's text now
            with open(quick / "out" / "notes.json", "r+b") as fh:
                fh.truncate(0)
                fh.write(b'{"someone": "else"}\n')
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", sneaky_fsync)
    code, _, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 2 and "out/notes.json: changed while the reports were written" in err
    assert (quick / "out" / "notes.json").read_bytes() == b'{"someone": "else"}\n'
    assert b"Old notes" in (quick / "out" / "notes.md").read_bytes(), "the set is unchanged"


def test_a_rename_failing_inside_the_window_says_how_far_it_got(quick, monkeypatch, capsys):
    _old_set(quick, capsys)
    real_replace = os.replace
    calls = []

    def failing_replace(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(*args, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    code, _, err = report(["notes.md", "-o", "out"], capsys)
    assert code == 2
    assert err == (
        f"derive: error: out/notes.html: cannot be replaced: {os.strerror(errno.EIO)}; 1 of 3 "
        "files of the set were already replaced: rerun derive report\n"
    )
    assert sorted(os.listdir(quick / "out")) == ["notes.html", "notes.json", "notes.md"]
    monkeypatch.setattr(os, "replace", real_replace)
    assert report(["notes.md", "-o", "out", "--check"], capsys)[0] == 1  # the mix is stale
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0
    assert report(["notes.md", "-o", "out", "--check"], capsys)[0] == 0


def test_temporary_files_of_a_killed_run_are_removed_not_those_of_a_live_one(quick, capsys):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(done.stdout)  # a process that has ended
    (quick / "out").mkdir()
    killed = quick / "out" / f".notes.html.{dead}-0123456789abcdef.derive-tmp"
    killed.write_text("<!DOCTYPE html>\n<html half-writ")
    live = quick / "out" / f".notes.md.{os.getppid()}-0123456789abcdef.derive-tmp"
    live.write_text("another run, still writing")
    unrelated = quick / "out" / ".notes.html.swp"
    unrelated.write_text("an editor's file")
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0
    assert not killed.exists()
    assert live.read_text() == "another run, still writing"
    assert unrelated.read_text() == "an editor's file"
    assert sorted(p.name for p in (quick / "out").iterdir() if not p.name.startswith(".")) == [
        "notes.html", "notes.json", "notes.md"]  # fmt: skip


def test_the_mode_of_a_replaced_report_is_kept(quick, capsys):
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0
    (quick / "out" / "notes.md").chmod(0o600)
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0
    assert stat.S_IMODE((quick / "out" / "notes.md").stat().st_mode) == 0o600


# --- --check reads, never follows, never hangs -----------------------------------------------


def test_check_calls_a_link_or_a_fifo_stale_without_opening_it(quick, capsys):
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0
    (quick / "out" / "notes.md").unlink()
    (quick / "out" / "notes.md").symlink_to("../notes.md")
    (quick / "out" / "notes.json").unlink()
    os.mkfifo(quick / "out" / "notes.json")
    code, _, err = report(["notes.md", "-o", "out", "--check"], capsys)
    assert code == 1
    assert err == (
        "out/notes.md: stale or missing; run `derive report` and commit it\n"
        "out/notes.json: stale or missing; run `derive report` and commit it\n"
    )


def test_is_generated_knows_only_its_own_regular_files(quick, capsys):
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0
    for name in ("notes.md", "notes.html", "notes.json"):
        assert is_generated(quick / "out" / name)
    os.mkfifo(quick / "fifo.md")
    (quick / "link.md").symlink_to("out/notes.md")
    for p in ("notes.md", "fifo.md", "link.md", "missing.md", "out"):
        assert not is_generated(quick / p), p
    (quick / "x.md").write_text("<!-- derive\ntitle = 'a formulas file'\n-->\n")
    assert not is_generated(quick / "x.md")


KILLED_RUN = """
import os, sys
from pathlib import Path
sys.path.insert(0, {root!r})
import derive.check
from derive.results import FileReport, Result, Status

def check_file(path, display_name=None, *, symbolic=False):
    name = display_name or Path(path).as_posix()
    return FileReport(name, "New notes", (Result(name, 3, 1, "a = b", "equation",
                                                 Status.VERIFIED, "ok", formula=1),))

derive.check.check_file = check_file
calls = []
real_fsync = os.fsync
def fsync(fd):
    calls.append(fd)
    if len(calls) == {at}:
        os._exit(137)  # as kill -9: no clean-up of any kind
    real_fsync(fd)
os.fsync = fsync
from derive.cli import main
main(["report", "notes.md", "-o", "out"])
"""


@pytest.mark.parametrize("at", [1, 2, 3, 4])
def test_a_run_killed_at_any_write_leaves_the_old_set(quick, capsys, at):
    """Killed while writing its temporary files (fsync 1-3) or just after the renames
    (fsync 4, the folder's): the set is the old one or the new one, never a mix."""
    import subprocess
    import sys

    old = _old_set(quick, capsys)
    done = subprocess.run([sys.executable, "-c", KILLED_RUN.format(root=str(ROOT), at=at)],
                          cwd=quick, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 137, done.stderr
    now = {k: v for k, v in snapshot(quick / "out").items() if not k.startswith(".")}
    if at <= 3:
        assert now == old
    else:
        assert all(b"New notes" in v for v in now.values())
    assert report(["notes.md", "-o", "out"], capsys)[0] == 0  # the next run cleans up
    assert sorted(os.listdir(quick / "out")) == ["notes.html", "notes.json", "notes.md"]
