"""The HTML report of a hostile document, opened in a real browser (headless Chromium), loads
nothing from the network, runs nothing and is not covered by the document's boxes.

Every URL the document names points at a local HTTP server that records its requests; the test
page also holds one image of its own pointing there, which proves that a request would be seen.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_report_browser import CHROMIUM, chromium

from derive.report import render_html
from derive.results import Comparison, Counterexample, Definition, FileReport, Result, Status

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (Debian: apt-get install -y chromium)"
)

PROBE = """<script>
addEventListener("load", () => {
  const all = [...document.querySelectorAll("*")];
  const inMath = [...document.querySelectorAll("math *, math")];
  const fixed = all.filter(e => getComputedStyle(e).position === "fixed").length;
  // a box that would hide the page: over half the window's area, or taller than the window
  const big = inMath.filter(e => {
    const r = e.getBoundingClientRect();
    return r.width * r.height > innerWidth * innerHeight / 2 || r.height > innerHeight;
  }).length;
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify({
    styled: inMath.filter(e => e.hasAttribute("style")).length,
    linked: inMath.filter(e => e.hasAttribute("href")).length,
    classed: inMath.filter(e => e.hasAttribute("class") || e.hasAttribute("id")).length,
    scripts: document.scripts.length,
    pwned: typeof window.pwned,
    fixed, big,
  });
  document.body.appendChild(pre);
});
</script>"""


@pytest.fixture
def server():
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.end_headers()
            self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


def hostile_report(base: str) -> FileReport:
    formulas = [
        rf"a = \style{{position:fixed;top:0;left:0;width:100vw;height:100vh;"
        rf"background:url({base}/style)}}{{y}}",
        rf"a = \href{{javascript:window.pwned=1}}{{x}} + \href{{{base}/link}}{{y}}",
        rf"a = \includegraphics{{{base}/graphic}} + \url{{{base}/url}}",
        rf"a = \fcolorbox{{red}}{{url({base}/box)}}{{y}} + \colorbox{{url({base}/cbox)}}{{z}}",
        r"a = \rule{1000em}{1000em} + \raise{500em}{x} + \hspace{900em} b",
        r"a = \class{card}{x} + \cssId{findings}{y}",
        rf"a = \def\s{{\style}} \s{{background:url({base}/macro)}}{{x}}",
        r"a = \text{<img src=x onerror=window.pwned=1>}",
    ]
    tag = f'<img src="{base}/tag" onerror="window.pwned=1"><script>window.pwned=1</script>'
    inline = f"${formulas[0]}$ and ${formulas[6]}$ {tag}"
    results = tuple(
        Result("evil.md", 10 + i, 1, tex, "equation",
               Status.REFUTED if i == 0 else Status.VERIFIED, inline, formula=i + 1,
               section=("Evil " + inline,), parsed=tex, derivation=inline, diagnosis=inline,
               evidence=tag, lint=(inline,),
               comparisons=(Comparison(tag, Status.REFUTED, inline, inline),),
               counterexample=Counterexample(tag, {tag: 1}, {formulas[0]: tag}, tag, tag))
        for i, tex in enumerate(formulas)
    )
    return FileReport(
        "evil.md", "Evil " + inline, results,
        definitions=(Definition("evil.md", 5, formulas[0], formulas[6]),),
        instances=(tag,), notes=(inline,), headings=((1, 1, inline), (9, 2, "Claims " + inline)),
    )  # fmt: skip


def test_a_hostile_report_loads_nothing_runs_nothing_covers_nothing(server, tmp_path):
    base, hits = server
    page = render_html(hostile_report(base))
    control = f'<img src="{base}/control" alt="">'  # the test's own: proves requests are seen
    page = page.replace("</body>", control + PROBE + "\n</body>")
    path = tmp_path / "evil.html"
    path.write_text(page, encoding="utf-8")
    dom = chromium(["--virtual-time-budget=3000", "--dump-dom", path.as_uri()], tmp_path)
    probe = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL).group(1))
    assert hits == ["/control"], f"the page asked the network for {hits}"
    assert probe == {
        "styled": 0, "linked": 0, "classed": 0, "scripts": 1,  # 1: the probe itself
        "pwned": "undefined", "fixed": 0, "big": 0,
    }  # fmt: skip
