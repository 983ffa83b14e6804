"""The HTML report in a real browser: headless Chromium (Debian's `chromium` package).

Checks that the mathematics is laid out as mathematics (MathML elements the browser knows,
fractions stacked), that no raw LaTeX is left in the visible text, and that every formula
of the file is on the page; and, at a desktop and a phone width, that the page's known
rendering faults stay fixed (no text turned upper case, a flagged result not shown as a plain
pass, no table squeezed to one character a line, nothing wider than the screen). Keeps
screenshots of the first page for the README: `DERIVE_UPDATE_GOLDEN=1 pytest
tests/test_report_browser.py` rewrites reports/backprop.png and reports/backprop-phone.png.
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


# What a reader sees at one window width, measured by the browser after layout.
LAYOUT_PROBE = """<script>
addEventListener("load", () => {
  const all = [...document.body.querySelectorAll("*")];
  const style = e => getComputedStyle(e);
  const cards = [...document.querySelectorAll("article.card")].map(c => ({
    id: c.id, cls: c.className, border: style(c).borderLeftColor, bg: style(c).backgroundColor,
    badges: [...c.querySelectorAll(":scope > header .badge")].map(b => b.innerText.trim()),
  }));
  const findings = [...document.querySelectorAll(".findings li")].map(li => ({
    href: li.querySelector("a").getAttribute("href"), border: style(li).borderLeftColor,
    badges: [...li.querySelectorAll(".badge")].map(b => b.innerText.trim()),
  }));
  const cells = [...document.querySelectorAll("table.comparison td, table.definitions td")]
    .map(td => ({table: td.closest("table").className, width: td.getBoundingClientRect().width,
                 text: td.innerText}));
  const out = {
    width: innerWidth, lang: document.documentElement.lang,
    scrollWidth: document.documentElement.scrollWidth,
    // MathML's own mapping of <mi> to italic letters (math-auto) is not a transform of prose
    transformed: all.filter(e => !e.closest("math") && style(e).textTransform !== "none")
      .map(e => e.tagName + "." + e.className),
    labels: [...document.querySelectorAll(".label")].map(e => e.innerText),
    counts: document.querySelector(".counts").innerText,
    cards, findings, cells,
  };
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""

WIDTHS = {"desktop": 1000, "phone": 390}


def _measure(page_text: str, width: int, tmp_path: Path) -> dict:
    """The probe's findings for `page_text` laid out `width` CSS pixels wide.

    Headless Chromium will not make a window narrower than 500 pixels, so the page is laid
    out in an iframe of the width asked for (media queries follow the iframe's viewport); the
    host page copies the probe's result out of it for --dump-dom.
    """
    import html

    inner = page_text.replace("</body>", LAYOUT_PROBE + "\n</body>")
    host = (
        "<!DOCTYPE html><html><body style='margin:0'>"
        f'<iframe id="frame" style="border:0;width:{width}px;height:900px" '
        f'srcdoc="{html.escape(inner, quote=True)}"></iframe>'
        "<script>document.getElementById('frame').addEventListener('load', e => {"
        "const out = document.createElement('pre'); out.id = 'probe';"
        "out.textContent = e.target.contentDocument.getElementById('probe').textContent;"
        "document.body.appendChild(out); });</script></body></html>"
    )
    page = tmp_path / f"host-{width}.html"
    page.write_text(host, encoding="utf-8")
    dom = chromium([f"--window-size={width + 100},1000", "--dump-dom", page.as_uri()], tmp_path)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL)
    assert found, "the probe did not run"
    probe = json.loads(html.unescape(found.group(1)))
    assert probe["width"] == width, "the page is not laid out at the width asked for"
    return probe


def _committed(name: str) -> Path:
    path = ROOT / "reports" / name
    if not path.is_file():
        pytest.skip(f"reports/{name} not committed yet")
    return path


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_no_text_is_turned_upper_case(size, tmp_path):
    """`n=3, m=2` in a counterexample's heading stays as written (it was shown `N=3, M=2`)."""
    golden = ROOT / "tests" / "golden"
    page = (golden / "mini.report.html").read_text(encoding="utf-8")
    data = json.loads((golden / "mini.report.json").read_text(encoding="utf-8"))
    instances = [r["counterexample"]["instance"] for r in data["results"] if r["counterexample"]]
    assert instances, "the golden report should hold a counterexample"
    probe = _measure(page, WIDTHS[size], tmp_path)
    assert probe["transformed"] == []
    shown = [label for label in probe["labels"] if label.startswith("Counterexample on")]
    assert shown == [f"Counterexample on {i}" for i in instances]


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_a_flagged_result_is_not_shown_as_a_plain_pass(size, tmp_path):
    """The chapter's b_i/b_j step keeps its verdict but has a flag badge, the flag colour on its
    card and findings line, and is counted among the badges at the top."""
    page = _committed("backprop.html").read_text(encoding="utf-8")
    data = json.loads(_committed("backprop.json").read_text(encoding="utf-8"))
    flagged = {r["anchor"] for r in data["results"] if r["lint"]}
    plain = {r["anchor"] for r in data["results"] if not r["lint"] and r["status"] == "verified"}
    assert flagged and plain, "the chapter has a flagged step and plain verified ones"
    probe = _measure(page, WIDTHS[size], tmp_path)

    assert f"⚑{len(flagged)} flagged" in probe["counts"]
    cards = {c["id"]: c for c in probe["cards"]}
    plain_look = {(cards[a]["border"], cards[a]["bg"]) for a in plain}
    assert len(plain_look) == 1, "every plain verified card looks the same"
    for anchor in flagged:
        card = cards[anchor]
        assert "flagged" in card["cls"].split()
        assert (card["border"], card["bg"]) not in plain_look, f"{anchor} looks like a plain pass"
        assert any("lint finding" in b for b in card["badges"]), card["badges"]
    findings = {f["href"][1:]: f for f in probe["findings"]}
    assert flagged <= set(findings)
    for anchor in flagged:
        assert any("lint finding" in b for b in findings[anchor]["badges"])
        assert findings[anchor]["border"] == cards[anchor]["border"]


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_tables_are_readable_and_nothing_is_wider_than_the_screen(size, tmp_path):
    """On a phone the comparison table was one character wide ("What separates them" a letter a
    line); each of its cells now has most of the screen, and the page never scrolls sideways."""
    page = _committed("backprop.html").read_text(encoding="utf-8")
    width = WIDTHS[size]
    probe = _measure(page, width, tmp_path)
    assert probe["scrollWidth"] <= width, "the page is wider than the window"
    comparison = [c for c in probe["cells"] if "comparison" in c["table"]]
    assert comparison, "the chapter's report has a comparison table"
    # the widest word of a cell must fit on one line: a cell at least 8 em (~128 px) wide
    narrowest = min(c["width"] for c in comparison)
    assert narrowest >= 120, (narrowest, comparison)
    if size == "phone":  # stacked: a cell is (nearly) the width of the page
        for c in probe["cells"]:
            assert c["width"] >= 0.8 * width, c
        assert any(c["text"].startswith("What separates them:") for c in comparison)


@pytest.mark.parametrize("which", ["mini", "backprop"])
def test_the_page_language_is_the_documents(which, tmp_path):
    """The English mini document gives an English page, the Chinese chapter a Chinese one."""
    if which == "mini":
        page, expected = (ROOT / "tests" / "golden" / "mini.report.html"), "en"
    else:
        page, expected = _committed("backprop.html"), "zh"
    probe = _measure(page.read_text(encoding="utf-8"), WIDTHS["desktop"], tmp_path)
    assert probe["lang"] == expected


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
    png = phone.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    if UPDATE:
        (ROOT / "reports" / "backprop-phone.png").write_bytes(png)
