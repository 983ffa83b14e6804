"""A document's own text in a report: the language it is written in, and the LaTeX that is
safe to render (no command that carries a link, a style or an attribute; no invisible
characters; display alignment normalised) and the prose split from its mathematics."""

from __future__ import annotations

import re
import unicodedata

from derive.results import FileReport
from derive.text import visible

# --- The document's language ------------------------------------------------------------------

# Scripts that name a language on their own. A character's Unicode name starts with its script
# for these blocks ("CJK UNIFIED IDEOGRAPH-53CD", "HIRAGANA LETTER A", "HANGUL SYLLABLE GA").
_SCRIPT_LANG = (("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"), ("CJK", "zh"))


def document_text(report: FileReport) -> str:
    """The document's own words in a report: its title, headings and section names.

    Messages, diagnoses and notes are derive's (English) and mathematics is not prose, so
    neither says which language the document is written in.
    """
    parts = [report.title, *(text for _, _, text in report.headings)]
    for r in report.results:
        parts.extend(r.section)
    prose_only = [t for piece in parts for t, is_math in split_prose(piece) if not is_math]
    return "\n".join(prose_only)


def detect_lang(text: str) -> str:
    """A BCP 47 language tag for `text` from its script: Japanese kana -> "ja", Hangul ->
    "ko", other CJK ideographs -> "zh", anything else (Latin, or no letters) -> "en".

    Kana decides before ideographs: Japanese prose mixes kanji with kana, Chinese has none.
    """
    found: set[str] = set()
    for ch in text:
        if ord(ch) < 0x2E80:  # below the CJK radicals: Latin, Greek, punctuation, ...
            continue
        name = unicodedata.name(ch, "")
        for script, lang in _SCRIPT_LANG:
            if name.startswith(script):
                found.add(lang)
                break
    for lang in ("ja", "ko", "zh"):
        if lang in found:
            return lang
    return "en"


def document_lang(report: FileReport) -> str:
    """The language of the document a report is about, detected from its own text."""
    return detect_lang(document_text(report))


# --- Text from a document, made harmless -----------------------------------------------------

# `visible` is derive's one way of showing text from a document (derive/text.py): control
# characters and bidirectional overrides written as escapes (`\x1b`, `\u202e`). The reports
# use it for every string they take from the document.


def has_invisible(text: str) -> bool:
    """True when `text` holds a character that `visible` would escape."""
    return visible(text) != text


# Commands whose MathML or MathJax rendering carries a link, an external resource, a style,
# a class, an id, data attributes or interaction, or that build command names or read files.
# A formula holding one is shown as its source text, never rendered. Macro definitions
# (`\gdef`, `\newcommand`, used by real notes) stay: the whole text of every formula is
# scanned, definitions included, so no macro can stand for one of these; latex2mathml and
# MathJax do not join a macro's text with what follows into a new command name; and the
# MathML allowlist (`mathml.sanitise`) is there behind all of this.
UNSAFE_COMMANDS = frozenset(
    {
        "href", "url", "includegraphics", "img",
        "style", "class", "cssId", "htmlData", "htmlStyle", "htmlClass", "htmlId", "html",
        "data", "attr", "toggle", "mathtip", "texttip", "tooltip", "unicode", "require",
        "csname", "catcode", "input", "include", "write", "immediate", "openout", "openin",
        "read", "special",
    }
)  # fmt: skip

_CONTROL_SEQUENCE = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)


def unsafe_commands(tex: str) -> tuple[str, ...]:
    """The commands of `UNSAFE_COMMANDS` in `tex`, as written (`\\href`), in order, once each.

    Control sequences are read the way TeX reads them: `\\\\href` is a line break followed by
    the letters h, r, e, f.
    """
    found: list[str] = []
    for m in _CONTROL_SEQUENCE.finditer(tex):
        name = m.group(1)
        if name in UNSAFE_COMMANDS and "\\" + name not in found:
            found.append("\\" + name)
    return tuple(found)


# --- LaTeX handling shared by the formats ----------------------------------------------------

_ENV = re.compile(r"\\(begin|end)\s*\{([^}]*)\}")


def has_toplevel_alignment(tex: str) -> bool:
    """True when `&` or `\\\\` occur outside every environment (a step written `a &= b`)."""
    depth = 0
    i = 0
    while i < len(tex):
        m = _ENV.match(tex, i)
        if m:
            depth += 1 if m.group(1) == "begin" else -1
            i = m.end()
            continue
        ch = tex[i]
        if ch == "\\":
            if depth == 0 and tex.startswith("\\\\", i):
                return True
            i += 2
            continue
        if ch == "&" and depth == 0:
            return True
        i += 1
    return False


def normalise_display(tex: str, aligned_env: str) -> str:
    """The LaTeX of one display formula, tidied for a renderer.

    Blank lines are dropped (they end a display block in Markdown); `split` becomes
    `aligned_env` (GitHub's MathJax wants `aligned`, latex2mathml knows `split`); a formula
    with alignment marks outside any environment is wrapped in `aligned_env`.
    """
    lines = [line.rstrip() for line in tex.strip().splitlines() if line.strip()]
    body = "\n".join(lines)
    for old in ("split", "aligned"):
        if old != aligned_env:
            body = re.sub(r"\\(begin|end)\s*\{" + old + r"\}", r"\\\1{" + aligned_env + "}", body)
    if has_toplevel_alignment(body):
        body = f"\\begin{{{aligned_env}}}{body}\\end{{{aligned_env}}}"
    return body


_MATH_SPAN = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)


def split_prose(text: str) -> tuple[tuple[str, bool], ...]:
    """Prose with `$...$` inline mathematics, as (text, is_math) pieces."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _MATH_SPAN.finditer(text):
        if m.start() > pos:
            out.append((text[pos : m.start()].replace("\\$", "$"), False))
        out.append((m.group(1).strip(), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:].replace("\\$", "$"), False))
    return tuple(out)
