"""Start-up: `derive --version` and `--help` import argparse and the command line, nothing else.

Not a timing test (timings are benchmarks/startup.py's job): what a fresh interpreter has
imported after the command is what makes it fast or slow.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from derive.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parent.parent

# The derive modules the two commands may load: the package, its entry point, the command line
# and the escape of control characters it prints with.
STARTUP_MODULES = {"derive", "derive.__main__", "derive.cli", "derive.text"}
HEAVY = ("sympy", "numpy", "symengine", "mpmath", "latex2sympy2_extended", "dataclasses")


def _loaded_after(*argv: str) -> tuple[str, dict[str, list[str]]]:
    probe = ("import json, sys, runpy\n"
             f"sys.argv = ['derive', *{list(argv)!r}]\n"
             "try:\n    runpy.run_module('derive', run_name='__main__', alter_sys=True)\n"
             "except SystemExit:\n    pass\n"
             "mods = sorted(sys.modules)\n"
             "print('LOADED' + json.dumps({'derive': [m for m in mods if m == 'derive' or "
             "m.startswith('derive.')], 'heavy': [m for m in mods if m.split('.')[0] in "
             f"{HEAVY!r}]}}))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out, _, tail = done.stdout.rpartition("LOADED")
    return out, json.loads(tail)


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_only_the_command_line(flag):
    out, loaded = _loaded_after(flag)
    assert loaded["heavy"] == [], loaded
    assert set(loaded["derive"]) <= STARTUP_MODULES, loaded["derive"]
    if flag == "--version":
        assert out.strip().startswith("derive ")
    else:  # every subcommand listed with its help, none of them imported
        for name, help_text, _ in COMMANDS:
            assert name in out and help_text.split()[0] in out


def test_the_numeric_help_lines_are_the_numeric_stages_own():
    from derive.numeric.commands import HELP

    listed = {name: text for name, text, setup in COMMANDS
              if setup.startswith("derive.numeric.")}
    assert listed == HELP


def test_a_subcommand_gets_its_arguments_when_it_is_parsed(capsys):
    with pytest.raises(SystemExit) as done:
        main(["train", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--backend" in out and "--epochs" in out
    args = build_parser().parse_args(["check", "--json", "x.md"])
    assert args.json is True and args.paths == ["x.md"] and callable(args.handler)


def test_the_complete_parser_has_every_subcommand_configured(capsys):
    """Each command of COMMANDS has its own options (its --help) and a handler (through the
    public parse_known_args; a command with required arguments refuses to parse without them)."""
    from derive.errors import UsageError

    parser = build_parser(complete=True)
    handled = 0
    for name, _, _ in COMMANDS:
        with pytest.raises(SystemExit) as done:
            parser.parse_args([name, "--help"])
        assert done.value.code == 0
        assert f"usage: derive {name}" in capsys.readouterr().out
        try:
            args, _ = parser.parse_known_args([name])
        except UsageError as err:
            assert "arguments are required" in str(err), name
            continue
        assert args.command == name and callable(args.handler), name
        handled += 1
    assert handled >= len(COMMANDS) - 2  # all but `diff` (and at most one more) parse bare


def test_usage_errors_and_unknown_commands_still_exit_2(capsys):
    assert main(["nonsense"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["check", "--width", "3"]) == 2
    assert "at least 10" in capsys.readouterr().err
