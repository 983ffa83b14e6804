"""The committed reports under reports/ name files relatively.

That they are what `derive report` generates now is checked by `test_determinism.py`, in a
fresh process under another hash seed (`derive report --check`)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_reports_name_files_relatively():
    for path in (ROOT / "reports").glob("backprop.*"):
        if path.suffix in (".md", ".html", ".json"):
            assert str(ROOT) not in path.read_text(encoding="utf-8"), f"{path} has an absolute path"
