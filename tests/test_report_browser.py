"""The HTML report in a real browser: headless Chromium (Debian's `chromium` package).

Checks that the mathematics is laid out as mathematics (MathML elements the browser knows,
fractions stacked), that no raw LaTeX is left in the visible text, and that every formula
of the file is on the page. Keeps a screenshot of the first page for the README:
`DERIVE_UPDATE_GOLDEN=1 pytest tests/test_report_browser.py` rewrites reports/backprop.png.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_report_samples import ROOT, backprop_report, document_formulas, mini_report

from derive.report import render_html
from derive.report.layout import layout

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (Debian: apt-get install -y chromium)"
)
UPDATE = os.environ.get("DERIVE_UPDATE_GOLDEN") == "1"

# Runs in the page after load; --dump-dom then serialises what it wrote.
PROBE = """<script>
addEventListener("load", () => {
  const maths = [...document.querySelectorAll("math")];
  const known = typeof MathMLElement !== "undefined" && maths.every(m => m instanceof MathMLElement);
  const fracs = [...document.querySelectorAll("mfrac")];
  const stacked = fracs.filter(f => {
    const [num, den] = f.children;
    return num && den && num.getBoundingClientRect().bottom <= den.getBoundingClientRect().top + 1;
  }).length;
  const sized = maths.filter(m => m.getBoundingClientRect().width > 0).length;
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify({maths: maths.length, known, fracs: fracs.length, stacked, sized});
  document.body.appendChild(pre);
});
</script>"""


def chromium(args: list[str], tmp_path: Path) -> str:
    profile = tmp_path / "profile"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class VisibleText(HTMLParser):
    """Text a reader sees: not inside <math>, <style>, <script>, <head> or a closed <details>
    (its <summary> is seen)."""

    HIDDEN = frozenset({"math", "style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in {"br", "meta", "link", "img", "input", "hr", "mspace"}:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if any(t in self.HIDDEN for t in self.stack):
            return
        if "details" in self.stack and "summary" not in self.stack:
            return
        self.parts.append(data)


def visible_text(dom: str) -> str:
    parser = VisibleText()
    parser.feed(dom)
    return " ".join(parser.parts)


def _page(report) -> str:
    """The committed report when there is one, the stand-in otherwise."""
    return render_html(report).replace("</body>", PROBE + "\n</body>")


@pytest.mark.parametrize("which", ["backprop", "mini", "committed"])
def test_mathematics_is_rendered_and_every_formula_is_on_the_page(which, tmp_path):
    report = backprop_report() if which == "backprop" else mini_report()
    anchors = [e.anchor for e in layout(report).entries]
    text_in = _page(report)
    if which == "committed":  # the checker's real report, once committed
        committed = ROOT / "reports" / "backprop.html"
        if not committed.is_file():
            pytest.skip("reports/backprop.html not committed yet (needs derive.check)")
        text_in = committed.read_text(encoding="utf-8").replace("</body>", PROBE + "\n</body>")
        data = json.loads((ROOT / "reports" / "backprop.json").read_text(encoding="utf-8"))
        anchors = [r["anchor"] for r in data["results"]]
    page = tmp_path / f"{which}.html"
    page.write_text(text_in, encoding="utf-8")
    dom = chromium(["--dump-dom", page.as_uri()], tmp_path)

    probe = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL).group(1))
    assert probe["known"], "the browser did not treat <math> as MathML"
    assert probe["maths"] >= len(anchors) and probe["sized"] == probe["maths"]
    assert probe["fracs"] > 0 and probe["stacked"] == probe["fracs"], probe

    text = visible_text(dom)
    for raw in ("\\frac", "\\partial", "\\begin", "\\sum", "\\mathcal", "$$", "\\hat"):
        assert raw not in text, f"raw LaTeX {raw!r} visible"

    # every formula of the file, and every step of it, is a card holding rendered mathematics
    cards = dict(
        re.findall(r'<article class="card [^"]*" id="([^"]+)">(.*?)</article>', dom, re.DOTALL)
    )
    for anchor in anchors:
        assert "<math" in cards[anchor], anchor
    formulas = {int(re.match(r"f(\d+)", a).group(1)) for a in anchors}
    if which != "mini":
        _, in_file = document_formulas(ROOT / "formulas" / "backprop.md")
        assert formulas == set(range(1, len(in_file) + 1))


def test_screenshot_of_the_first_page(tmp_path):
    committed = ROOT / "reports" / "backprop.html"
    page = tmp_path / "backprop.html"
    if committed.is_file():
        page.write_bytes(committed.read_bytes())
    else:
        page.write_text(render_html(backprop_report()), encoding="utf-8")
    shot = tmp_path / "backprop.png"
    chromium([f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri()], tmp_path)
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    if UPDATE:
        (ROOT / "reports" / "backprop.png").write_bytes(png)
    # a phone-width render must work too (the page is responsive)
    phone = tmp_path / "phone.png"
    chromium([f"--screenshot={phone}", "--window-size=390,844", page.as_uri()], tmp_path)
    assert phone.read_bytes().startswith(b"\x89PNG")
