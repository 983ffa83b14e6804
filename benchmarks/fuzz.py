"""Fuzzing benchmark: seeded mutants of the chapter, each checked with a hard time limit.

Every mutant is formulas/backprop.md with one to three mutations (characters, tokens, indices,
layer tags, sum bounds, macros, braces and nesting, environments, lines, front-matter values,
annotation values, big numbers, encodings and Unicode oddities), checked as `derive check FILE`
would be, and classified by its outcome:

  ok              exit 0 or 1 with verdicts (a `N checked` summary)
  input error     exit 2, every error placed as `file:line:col: error: ...`
  unplaced error  exit 2 with an error that has no `file:line:col`
  internal error  exit 3, or "internal error" anywhere in the output (also as a verdict)
  traceback       "Traceback" anywhere in the output
  hang            the per-mutant time limit was exceeded (the run is killed)
  other           anything else: another exit code or signal, exit 0/1 without verdicts, or
                  a changed input file

The last four classes (and "unplaced error") are failures; the goal is 0 of each. Mutant k is
drawn from its own generator seeded with (seed, k), so a mutant does not depend on --n or --jobs,
and a failure is reproduced with `--only K`.

How a mutant runs (--mode):
  fork        (default) this process imports derive once, checks the unedited chapter to warm
              the imports, then forks one child per mutant; the child calls `derive.cli.main(
              ["check", FILE])` with its stdout and stderr on files, and is killed (SIGKILL)
              when it passes --timeout. Up to --jobs children run at once.
  subprocess  `python -m derive check FILE` in a fresh interpreter per mutant (slower by the
              start-up time, exactly what a user runs).

What is checked (--context):
  trim        (default) the mutant keeps its front matter, its prose, its definitions and the
              mutated formula; the chapter's other claims are blanked out, line for line, so the
              positions are those of the whole mutant. A mutated definition, annotation or front
              matter keeps one claim after it as a probe. A full chapter takes about 2 s to
              check here; a trimmed mutant a fraction of that.
  full        the whole mutated chapter.

Usage:
    python benchmarks/fuzz.py [--n 10000] [--seed 0] [--jobs 2] [--timeout 20] [--out DIR]
    python benchmarks/fuzz.py --sample 20      # a quick seeded sample; exit 1 on any failure
    python benchmarks/fuzz.py --only 1234      # re-run (and show) one mutant

Timings on the 2-core machine this was written on (fork, trim, 20 s limit): 300 mutants in
83 s (0.28 s per mutant, so 10,000 in about 46 min); with other sessions loading it (load
average 6-7), 2,000 in 24 min (0.72 s per mutant). A hang costs its whole time limit, and on a
loaded machine a slow mutant can pass 20 s: re-run a hang alone with `--only K --timeout 60`.
--context full costs about 2.8 s per mutant and core; --mode subprocess adds the interpreter's
start-up (1-2 s) to each.

The failing mutants (and the unplaced errors) are written to --out (default fuzz-out/, which
is cleared first) as NNNNN-class.md, .diff and .out, with summary.json; the summary table and
the distinct failures (by exception type and message pattern) are printed. Exit 0 if there
is no failure, 1 otherwise.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "formulas" / "backprop.md"

CLASSES = ("ok", "input error", "unplaced error", "internal error", "traceback", "hang", "other")
FAILURES = ("unplaced error", "internal error", "traceback", "hang", "other")
WRITTEN = FAILURES  # classes whose mutants are written to --out

# ---------------------------------------------------------------------------------------------
# The chapter, cut into segments


@dataclass
class Segment:
    kind: str  # front | prose | note | display
    text: str
    definition: bool = False  # a display that the annotation before it marks as definitions
    note: int | None = None  # display: the index of its annotation segment
    display: int | None = None  # note: the index of the display it annotates


_PIECES = re.compile(r"(<!-- derive:.*?-->\n)|(^\$\$\n.*?\n\$\$\n)", re.S | re.M)


def segments(text: str) -> list[Segment]:
    end = text.index("-->") + 4
    out = [Segment("front", text[:end])]
    pos = end
    for m in _PIECES.finditer(text, end):
        if m.start() > pos:
            out.append(Segment("prose", text[pos : m.start()]))
        out.append(Segment("note" if m.group(1) else "display", m.group(0)))
        pos = m.end()
    if pos < len(text):
        out.append(Segment("prose", text[pos:]))
    pending: int | None = None
    for k, s in enumerate(out):
        if s.kind == "note" and "[compare]" not in s.text:
            pending = k
        elif s.kind == "display":
            if pending is not None:
                s.note = pending
                out[pending].display = k
                s.definition = "definitions" in out[pending].text
            pending = None
        elif s.kind == "prose" and s.text.strip():
            pending = None
    return out


# ---------------------------------------------------------------------------------------------
# Mutation operators: each takes (rng, text) and returns (new text, description)

CHARS = list("{}()[]^_\\&=+-*/,.;:|!?'\"$%# \n\tabcdijklmnxyzCL0123456789") + [
    "\u00a0", "\u200b", "\u200d", "\ufeff", "\u202e", "\u0301", "\x00", "\x1b", "\x07", "\x7f",
    "\r", "\u2028", "α", "а", "ｉ", "｛", "−", "＝", "𝑥", "\U0001f600", "\ud7ff", "\\\\"]
VOCAB = ["\\frac", "\\sum", "\\partial", "\\left(", "\\right)", "\\left", "\\right", "\\\\", "&",
         "&=", "=", "\\ne", "\\leftarrow", "\\times", "\\cdot", "\\ln", "\\log", "\\exp", "e^",
         "\\sqrt", "\\int", "\\prod", "\\lim", "\\infty", "\\hat{y}", "\\mathbf{a}", "\\delta",
         "\\mathcal{L}", "\\alpha", "\\prime", "g", "g^{\\prime}", "\\mathrm{softmax}", "\\bigg [",
         "\\bigg ]", "\\{", "\\}", "\\in", "^", "_", "{", "}", "(", ")", "x", "y_j", "a^{(l)}_j",
         "w^{(l)}_{ij}", "z^{(l+1)}_i", "\\begin{cases}", "\\end{cases}", "\\begin{split}",
         "\\end{split}", "\\begin{pmatrix}", "\\text{otherwise}", "%", "$", "$$", "\\sum_x",
         "\\sum_{j=1}^{C_n}", "\\sum_{j \\ne i}^{C_n}", "\\frac{1}{0}", "0/0", "\\frac{0}{0}",
         "\\nabla", "\\mathbb{R}", "\\Delta", "\\hat{\\hat{y}}", "'", "!", "\\dots", "\\quad",
         "\\,", "\\!", "\\operatorname{f}", "\\mathrm{d}", "\\big(", "\\Big)"]
MACROS = ["\\frac", "\\dfrac", "\\tfrac", "\\sum", "\\prod", "\\partial", "d", "\\ln", "\\log",
          "\\exp", "\\sqrt", "\\int", "\\lim", "\\max", "\\mathbf", "\\mathrm", "\\mathcal",
          "\\hat", "\\tilde", "\\bar", "\\vec", "\\left", "\\right", "\\bigg", "\\Big", "\\foo",
          "\\href{javascript:alert(1)}", "\\style{position:fixed;top:0;left:0;width:100%;"
          "height:100%;background:url(http://example.invalid/x)}", "\\class{x}", "\\cssId{y}",
          "\\htmlData{a=b}", "\\def\\x{y}", "\\newcommand{\\g}{h}", "\\input{/etc/passwd}",
          "\\text", "\\operatorname", "\\delta", "\\Delta", "\\alpha", "\\cdot", "\\times",
          "\\ne", "\\leftarrow", "\\to", "\\circ", "\\mathrm{softmax}", "\\sigma", "\\tanh",
          "\\begin", "\\end", "\\\\", "\\prime", "\\infty", "\\pmod", "\\binom", "\\over"]
INDICES = ["i", "j", "k", "l", "m", "n", "x", "q", "0", "1", "2", "-1", "ij", "ijk", "jj", "",
           "{}", "i+1", "l+1", "C_l", "\\alpha", "\\hat{y}", "1000000000", "i,j", "i j"]
LAYERS = ["l", "l+1", "l-1", "l+2", "n", "n+1", "n-1", "0", "-1", "1", "2", "3", "l+l", "2l",
          "99", "", "m", "k", "i", "10^{9}", "l+1+1", "(l)", "n+n", "x", "\\alpha", "1000000000",
          "l,l", "l)"]
LOWERS = ["1", "0", "2", "-1", "-1000000000", "C_l", "n", "j", "i", "k", "", "1.5", "x"]
UPPERS = ["C_l", "C_n", "C_{l+1}", "n", "m", "1", "0", "-1", "2", "10", "1000", "1000000",
          "1000000000", "10^{9}", "10^{10^{10}}", "C_{l+5}", "C_{n+1}", "C_0", "C_{-1}", "",
          "j", "i", "k", "\\infty", "C_l + C_n", "2^{64}", "x", "C_{C_l}", "C_l^{C_l}"]
BIG = ["1000000000", "10^{10^{10^{10}}}", "e^{1000000000}", "2^{1000000000}", "1e308",
       "99999999999999999999999999999999", "0", "-0", "\\frac{0}{0}", "0^{0}", "0^{-1}",
       "1.7976931348623157e308", "10^{-400}", "\\frac{1}{10^{400}}", "e^{-1000000000}",
       "(-1)^{\\frac{1}{2}}", "\\sqrt{-1}", "\\ln 0", "\\ln(-1)", "e^{e^{e^{e^{e}}}}",
       "1" * 400, "0.000000000000000000000000000001", "10^{1000000}"]
FRONT_VALUES = ["1", "3", "0", "-1", "1.5", "1e308", "99999999999999999999", "true", "false",
                '""', '"x"', '"n"', '"1"', '"1...n"', '"0..0"', '"n..1"', '"-1..n"', '"a..b"',
                '"1..n-1..2"', '"1..1000000000"', '"1..10^{10}"', '"1..n+"', '"\\\\frac{"',
                "[1, 2]", '["g"]', "[]", '[""]', '["C_l", "C_l", "C_l"]', '["C_{l+1}"]',
                '["10^{9}"]', '["-1"]', '["C_m"]', "{}", "{ a = 1 }", '"\\\\mathcal{L}"',
                '"\\\\alpha"', '"l"', '"C"', '"w"', '"\\u001b[31m"', '"\\\\href{x}{y}"',
                "2026-01-01", '"""\nmulti\nline"""', '"' + "n" * 5000 + '"']
NOTE_VALUES = ["5", "0", "-1", "[0, -1, 99]", "[1, 1]", "[]", '"all"', '"none"', '"al"', '""',
               "true", '"true"', "[1, 2, 4]", "[4, 2, 1]", "[1.5]", '["1"]', "1e9", "{}",
               '{ f = -1 }', '{ f = 0 }', '{ f = 1000000000 }', '{ f = "x" }', '["y = "]',
               '["1 = 2"]', '["y_1 = y_1"]', '["z = z(z)"]', '["a^{(n)}_i ="]', '["\\\\frac{"]',
               '[1]', '["q"]', '["x", "x"]', '"x"', "[[1]]"]
KEY_TYPOS = {"definitions": ["definitons", "definition", "Definitions", "defs"],
             "local": ["lokal", "Local", "locale"], "functions": ["function", "funcs"],
             "given": ["givne", "Given"], "coordinates": ["coords", "coordinate"],
             "replace": ["replac", "replaces"], "name": ["nam", "title"],
             "layers": ["layer", "lyers"], "shape": ["shap", "shapes"],
             "parameter": ["parametre", "param"], "given_layers": ["given_layer"]}
ENVS = ["split", "cases", "aligned", "align", "align*", "matrix", "array", "equation", "", "x"]


def _at(rng: random.Random, text: str) -> int:
    return rng.randrange(len(text) + 1)


def op_char(rng: random.Random, s: str) -> tuple[str, str]:
    k = _at(rng, s)
    how = rng.randrange(4)
    if how == 0 and s:
        k = min(k, len(s) - 1)
        return s[:k] + s[k + 1 :], f"delete char {s[k]!r} at {k}"
    if how == 1 and len(s) > 1:
        k = min(k, len(s) - 2)
        return s[:k] + s[k + 1] + s[k] + s[k + 2 :], f"swap chars at {k}"
    c = rng.choice(CHARS)
    if how == 2 and s:
        k = min(k, len(s) - 1)
        return s[:k] + c + s[k + 1 :], f"replace char at {k} by {c!r}"
    return s[:k] + c + s[k:], f"insert char {c!r} at {k}"


_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}^_&]|[A-Za-z0-9]+|\S")


def op_token(rng: random.Random, s: str) -> tuple[str, str]:
    toks = list(_TOKEN.finditer(s))
    if not toks:
        return op_char(rng, s)
    t = rng.choice(toks)
    how = rng.randrange(4)
    if how == 0:
        return s[: t.start()] + s[t.end() :], f"delete token {t.group()!r}"
    if how == 1:
        return s[: t.end()] + t.group() + s[t.end() :], f"duplicate token {t.group()!r}"
    v = rng.choice(VOCAB)
    if how == 2:
        return s[: t.start()] + v + s[t.end() :], f"replace token {t.group()!r} by {v!r}"
    sep = rng.choice(["", " "])
    return s[: t.start()] + v + sep + s[t.start() :], f"insert token {v!r}"


_SUB = re.compile(r"_\{([^{}]*)\}|_([A-Za-z0-9])")


def op_index(rng: random.Random, s: str) -> tuple[str, str]:
    subs = list(_SUB.finditer(s))
    if not subs:
        return op_token(rng, s)
    m = rng.choice(subs)
    new = rng.choice(INDICES)
    body = m.group(1) if m.group(1) is not None else m.group(2)
    if rng.random() < 0.5 and body:
        k = rng.randrange(len(body))
        new = body[:k] + rng.choice(INDICES) + body[k + 1 :]
    return s[: m.start()] + "_{" + new + "}" + s[m.end() :], f"index _{{{body}}} -> _{{{new}}}"


_LAYER = re.compile(r"\^\{\(([^()]*)\)\}")


def op_layer(rng: random.Random, s: str) -> tuple[str, str]:
    tags = list(_LAYER.finditer(s))
    if not tags:
        return op_index(rng, s)
    m = rng.choice(tags)
    how = rng.random()
    if how < 0.7:
        new = "^{(" + rng.choice(LAYERS) + ")}"
    elif how < 0.85:
        new = ""
    else:
        new = rng.choice(["^{l}", "^{(l)(l)}", "^{((l))}", "^{(l}", "^(l)", "^{(l)}^{(l)}",
                          "^{[l]}"])
    return s[: m.start()] + new + s[m.end() :], f"layer tag {m.group()!r} -> {new!r}"


_SUM = re.compile(r"\\sum_\{(\w)\s*=\s*([^{}]*)\}\^\{((?:[^{}]|\{[^{}]*\})*)\}")


def op_bound(rng: random.Random, s: str) -> tuple[str, str]:
    sums = list(_SUM.finditer(s))
    if not sums:
        return op_layer(rng, s)
    m = rng.choice(sums)
    var, lo, hi = m.groups()
    how = rng.random()
    if how < 0.35:
        lo = rng.choice(LOWERS)
    elif how < 0.75:
        hi = rng.choice(UPPERS)
    elif how < 0.85:
        var = rng.choice(["i", "j", "k", "l", "n", "x", "C", "1", ""])
    else:  # a nested sum, often over the same index
        depth = rng.choice([2, 3, 8, 20])
        w = rng.choice([var, "k", "q"])
        inner = "".join(f"\\sum_{{{w}=1}}^{{{hi}}} " for _ in range(depth - 1))
        new = m.group() + " " + inner
        return s[: m.start()] + new + s[m.end() :], f"nest {depth - 1} more sums over {w}"
    new = f"\\sum_{{{var}={lo}}}^{{{hi}}}"
    return s[: m.start()] + new + s[m.end() :], f"sum bound {m.group()!r} -> {new!r}"


_MACRO = re.compile(r"\\[A-Za-z]+")


def op_macro(rng: random.Random, s: str) -> tuple[str, str]:
    ms = list(_MACRO.finditer(s))
    new = rng.choice(MACROS)
    if not ms or rng.random() < 0.2:
        k = _at(rng, s)
        arg = new + "{" + rng.choice(["x", "y", "a^{(l)}_i", ""]) + "}"
        return s[:k] + arg + s[k:], f"insert macro {arg!r}"
    m = rng.choice(ms)
    return s[: m.start()] + new + s[m.end() :], f"macro {m.group()!r} -> {new!r}"


def op_brace(rng: random.Random, s: str) -> tuple[str, str]:
    how = rng.randrange(5)
    braces = [k for k, c in enumerate(s) if c in "{}"]
    if how == 0 and braces:
        k = rng.choice(braces)
        return s[:k] + s[k + 1 :], f"delete {s[k]!r} at {k}"
    if how == 1:
        k, c = _at(rng, s), rng.choice(["{", "}", "{}", "}{", "\\{", "\\}", "(", ")"])
        return s[:k] + c + s[k:], f"insert {c!r} at {k}"
    depth = rng.choice([3, 20, 100, 300, 1000, 3000])
    toks = list(_TOKEN.finditer(s))
    if not toks:
        return op_char(rng, s)
    t = rng.choice(toks)
    if how == 2:
        open_, close = "{" * depth, "}" * depth
    elif how == 3:
        open_, close = "\\frac{1}{" * depth, "}" * depth
    else:
        open_, close = ("\\left(" * depth, "\\right)" * depth) if rng.random() < 0.5 else \
            ("(" * depth, ")" * depth)
    return (s[: t.start()] + open_ + t.group() + close + s[t.end() :],
            f"nest {t.group()!r} {depth} deep in {open_[:9]!r}")


_BEGIN = re.compile(r"\\(begin|end)\{(\w*\*?)\}")


def op_env(rng: random.Random, s: str) -> tuple[str, str]:
    ms = list(_BEGIN.finditer(s))
    how = rng.randrange(4)
    if ms and how == 0:
        m = rng.choice(ms)
        new = f"\\{m.group(1)}{{{rng.choice(ENVS)}}}"
        return s[: m.start()] + new + s[m.end() :], f"environment {m.group()!r} -> {new!r}"
    amps = [k for k, c in enumerate(s) if c == "&"]
    if amps and how == 1:
        k = rng.choice(amps)
        new = rng.choice(["", "& & &", "&&", "& &=", "\\&"])
        return s[:k] + new + s[k + 1 :], f"'&' -> {new!r}"
    k = _at(rng, s)
    new = rng.choice(["\\\\", "\\\\\n", "\\\\ \\\\", "& & &", "\\\\ &= 0 \\\\", "\\\\[2pt]"])
    return s[:k] + new + s[k:], f"insert {new!r}"


def op_number(rng: random.Random, s: str) -> tuple[str, str]:
    nums = list(re.finditer(r"\d+", s))
    big = rng.choice(BIG)
    if not nums or rng.random() < 0.2:
        k = _at(rng, s)
        return s[:k] + big + s[k:], f"insert number {big[:40]!r}"
    m = rng.choice(nums)
    return s[: m.start()] + big + s[m.end() :], f"number {m.group()!r} -> {big[:40]!r}"


def op_lines(rng: random.Random, s: str) -> tuple[str, str]:
    lines = s.split("\n")
    k = rng.randrange(len(lines))
    how = rng.randrange(4)
    if how == 0:
        return "\n".join(lines[:k] + lines[k + 1 :]), f"delete line {k + 1}"
    if how == 1:
        n = rng.choice([1, 1, 2, 50])
        return "\n".join(lines[: k + 1] + [lines[k]] * n + lines[k + 1 :]), \
            f"duplicate line {k + 1} x{n}"
    if how == 2:
        j = rng.randrange(len(lines))
        lines[k], lines[j] = lines[j], lines[k]
        return "\n".join(lines), f"swap lines {k + 1} and {j + 1}"
    reps = rng.choice([10, 1000, 20000])
    lines[k] = lines[k] + (" + " + lines[k].strip(" \\,.")) * reps if lines[k].strip() else "x"
    return "\n".join(lines), f"repeat line {k + 1} x{reps} (a long line)"


_KV = re.compile(r"^(\s*)([A-Za-z_\"\\{}]+[A-Za-z_\"}]*)\s*=\s*(.*?)(\s*#.*)?$", re.M)


def _values(rng: random.Random, s: str, values: list[str]) -> tuple[str, str]:
    kvs = list(_KV.finditer(s))
    if not kvs:
        k = s.rfind("-->")
        new = rng.choice(["bogus = 1", "definitons = \"all\"", "local = 1", "[extra]"])
        return s[:k] + new + "\n" + s[k:], f"add {new!r}"
    m = rng.choice(kvs)
    key = m.group(2).strip('"') + f" (line {s.count(chr(10), 0, m.start()) + 1})"
    how = rng.random()
    if how < 0.65:
        v = rng.choice(values)
        new = f"{m.group(1)}{m.group(2)} = {v}"
        desc = f"value of {key} -> {v[:40]!r}"
    elif how < 0.8:
        bare = m.group(2).strip('"')
        typo = rng.choice(KEY_TYPOS.get(bare, [bare + "s", "x" + bare]))
        new = f"{m.group(1)}{typo} = {m.group(3)}"
        desc = f"key {key} -> {typo}"
    elif how < 0.9:
        new = m.group(0) + "\n" + m.group(0)
        desc = f"duplicate key {key}"
    else:
        new = m.group(0) + "\n" + rng.choice(["bogus = 1", "definitons = \"all\"", "x = [",
                                               "= 1", "[roles]", "[quantities.q]"])
        desc = f"line after {key}: {new.splitlines()[-1]!r}"
    return s[: m.start()] + new + s[m.end() :], desc


def op_front(rng: random.Random, s: str) -> tuple[str, str]:
    if rng.random() < 0.12:  # a table or section header
        heads = list(re.finditer(r"^\[([^\]\n]*)\]$", s, re.M))
        if heads:
            m = rng.choice(heads)
            new = rng.choice(["[quantities.a]", "[quantities]", "[roles]", "[role]",
                              "[functions]", "[quantities.\"\\\\frac{\"]", "[[quantities]]",
                              "[quantities.w.x]", "[scalars.n]", "[quantities.\"\\\\href{x}\"]",
                              "[quantities.\"\"]", "[quantities.\"\\u001b[2J\"]"])
            return s[: m.start()] + new + s[m.end() :], f"header {m.group()!r} -> {new!r}"
    return _values(rng, s, FRONT_VALUES)


def op_note(rng: random.Random, s: str) -> tuple[str, str]:
    return _values(rng, s, NOTE_VALUES)


def op_encoding(rng: random.Random, doc: str) -> tuple[str, str]:
    how = rng.randrange(9)
    if how == 0:
        return "\ufeff" + doc, "UTF-8 byte-order mark"
    if how == 1:
        return doc.replace("\n", "\r\n"), "CRLF line ends"
    if how == 2:
        return doc.replace("\n", "\r"), "CR line ends"
    if how == 3:
        return doc.replace("    ", "\t").replace(" ", "\t"), "tabs for spaces"
    if how == 4:
        k = _at(rng, doc)
        return doc[:k] + "\x00" * rng.choice([1, 100]) + doc[k:], f"NUL bytes at {k}"
    if how == 5:
        k = _at(rng, doc)
        return doc[:k], f"truncated at {k}"
    if how == 6:
        k = _at(rng, doc)
        esc = rng.choice(["\x1b[31m", "\x1b]0;pwned\x07", "\x1b[2J", "\x08\x08\x08", "\x1bc"])
        return doc[:k] + esc + doc[k:], f"control sequence {esc!r} at {k}"
    if how == 7:
        return doc.replace("a^{(", "а^{("), "Cyrillic а for a"
    return doc + "\n$$\n" + "x + " * rng.choice([1000, 100000]) + "x\n$$\n", "a huge formula"


OPS = [(op_char, 12), (op_token, 14), (op_index, 8), (op_layer, 8), (op_bound, 8),
       (op_macro, 8), (op_brace, 7), (op_env, 5), (op_number, 7), (op_lines, 6)]


@dataclass
class Mutant:
    index: int
    text: str
    ops: list[str]
    targets: list[int]  # mutated segments (-1: the whole document)
    keep: list[int] = field(default_factory=list)
    base: str = ""  # the unedited chapter, blanked as the mutant is: what the diff is against


def mutant(original: list[Segment], seed: int, index: int, context: str) -> Mutant:
    rng = random.Random(f"{seed}:{index}")
    segs = [Segment(**asdict(s)) for s in original]
    displays = [k for k, s in enumerate(segs) if s.kind == "display"]
    notes = [k for k, s in enumerate(segs) if s.kind == "note"]
    ops: list[str] = []
    targets: list[int] = []
    whole: list[tuple] = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        where = rng.random()
        if where < 0.62:
            k = rng.choice(displays)
            names, weights = zip(*OPS, strict=True)
            op = rng.choices(names, weights)[0]
        elif where < 0.80:
            k, op = 0, op_front
        elif where < 0.90:
            k, op = rng.choice(notes), op_note
        elif where < 0.94:
            k = rng.choice([j for j, s in enumerate(segs) if s.kind == "prose"])
            op = rng.choice([op_macro, op_char, op_lines])
        else:
            whole.append((op_encoding,))
            continue
        segs[k].text, desc = op(rng, segs[k].text)
        ops.append(f"{op.__name__[3:]}@{segs[k].kind}{k}: {desc}")
        targets.append(k)
    keep = _keep(segs, targets + ([0] if whole else []), rng) if context == "trim" else []
    text, base = _assemble(segs, context, keep), _assemble(original, context, keep)
    for (op,) in whole:
        text, desc = op(rng, text)
        ops.append(f"{op.__name__[3:]}@document: {desc}")
        targets.append(-1)
    return Mutant(index, text, ops, targets, keep, base)


def _assemble(segs: list[Segment], context: str, keep: list[int]) -> str:
    parts = []
    for k, s in enumerate(segs):
        if context == "trim" and s.kind in ("display", "note") and k not in keep:
            parts.append("\n" * s.text.count("\n"))  # blanked: later lines keep their numbers
        else:
            parts.append(s.text)
    return "".join(parts)


def _keep(segs: list[Segment], targets: list[int], rng: random.Random) -> list[int]:
    keep = {k for k, s in enumerate(segs) if s.definition or (s.kind == "note" and (
        s.display is None or segs[s.display].definition))}
    claims = [k for k, s in enumerate(segs) if s.kind == "display" and not s.definition]
    for k in targets:
        s = segs[k]
        if s.kind == "note" and s.display is not None:
            k, s = s.display, segs[s.display]
        if s.kind == "display":
            keep.add(k)
            if s.note is not None:
                keep.add(s.note)
        if s.kind == "front" or s.definition or (s.kind == "note" and s.display is None):
            later = [c for c in claims if c > k] or claims
            probe = later[0] if s.kind != "front" else rng.choice(claims)
            keep.add(probe)
            if segs[probe].note is not None:
                keep.add(segs[probe].note)  # type: ignore[arg-type]
    return sorted(keep)


# ---------------------------------------------------------------------------------------------
# Running and classifying

_PLACED = re.compile(r"^(?P<file>[^\n:]+\.md):(?P<line>\d+):(?P<col>\d+): error: ", re.M)
_ERROR_LINE = re.compile(r"^(?:\S.*?: )?error: ", re.M)


@dataclass
class Outcome:
    index: int
    klass: str
    code: int | None
    seconds: float
    stdout: str
    stderr: str
    ops: list[str]
    changed: bool = False
    signature: str = ""


def classify(code: int | None, out: str, err: str, timed_out: bool, changed: bool) -> str:
    both = out + err
    if timed_out:
        return "hang"
    if "Traceback" in both:
        return "traceback"
    if code == 3 or "internal error" in both.lower():
        return "internal error"
    if changed:
        return "other"
    if code in (0, 1):
        return "ok" if re.search(r": \d+ checked: ", out) else "other"
    if code == 2:
        errors = _ERROR_LINE.findall(err)
        placed = _PLACED.findall(err)
        return "input error" if errors and len(placed) == len(errors) else "unplaced error"
    return "other"


def signature(o: Outcome) -> str:
    """A pattern shared by the failures of one bug: exception type and message shape."""
    both = o.stdout + o.stderr
    if o.klass == "hang":
        return "hang: " + re.sub(r"[\d]+", "N", ";".join(re.sub(r"@\w+?\d+:", ":", x).split(
            " -> ")[-1][:60] for x in o.ops))
    if o.klass == "traceback":
        tail = [s for s in both.splitlines() if re.match(r"^[A-Za-z_.]+(Error|Exception)\b", s)]
        line = tail[-1] if tail else both.strip().splitlines()[-1]
        return "traceback: " + _shape(line)
    if o.klass == "internal error":
        m = re.search(r"internal error(?: while checking)?:\s*(.*)", both, re.I)
        return "internal error: " + _shape(m.group(1) if m else "")
    if o.klass == "unplaced error":
        lines = [s for s in o.stderr.splitlines() if _ERROR_LINE.match(s) and not _PLACED.match(s)]
        return "unplaced: " + _shape(lines[0] if lines else o.stderr[:80])
    return f"{o.klass}: exit {o.code}" + (" (input changed)" if o.changed else "")


def _shape(s: str) -> str:
    s = re.sub(r"`[^`]*`", "`…`", s)
    # quoted text from the document goes; a type or attribute name such as 'int' stays
    s = re.sub(r"'[^']*'", lambda m: m.group() if re.fullmatch(r"'[\w.]{1,15}'", m.group())
               and "literal" not in s[: m.start()] else "'…'", s)
    s = re.sub(r"\d+", "N", s)
    return s.strip()[:140]


def _child(path: str, out_path: str, err_path: str, memory_mb: int) -> None:
    """In the forked child: run the checker on `path` with stdout/stderr on files."""
    code = 1
    try:
        out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
        _limit_memory(memory_mb)
        from derive.cli import main

        code = main(["check", path])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # what an uncaught exception does in `python -m derive`
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _limit_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class Runner:
    """Up to `jobs` mutants at once, each with a hard time limit (SIGKILL)."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.running: dict[int, tuple] = {}  # pid or proc id -> (mutant, start, files, proc)
        warm = work / "warm.md"
        warm.write_text(CHAPTER.read_text(encoding="utf-8"), encoding="utf-8")
        if args.mode == "fork":
            # The parse cache of this process (in memory) is warmed and shared with every child;
            # the disk cache is off, so that no child writes one.
            os.environ["DERIVE_NO_CACHE"] = "1"
            sys.path.insert(0, str(ROOT))
            os.chdir(work)
            import contextlib
            import io

            import derive.cli

            if Path(derive.cli.__file__).resolve().parents[1] != ROOT:
                raise SystemExit(f"imported derive from {derive.cli.__file__}, not {ROOT}")
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = derive.cli.main(["check", warm.name])
            if code != 0:
                raise SystemExit(f"the unedited chapter does not check (exit {code})\n"
                                 f"{err.getvalue()}")
        else:
            os.environ["DERIVE_CACHE_DIR"] = str(work / "cache")  # never the user's cache
            o = self._run_one(Mutant(-1, "", [], []), warm.name)
            if o.klass != "ok":
                raise SystemExit(f"the unedited chapter does not check: {o.klass}\n{o.stderr}")

    def _start(self, m: Mutant, name: str) -> None:
        path = self.work / name
        data = m.text.encode("utf-8", "surrogatepass") if m.index >= 0 else path.read_bytes()
        if m.index >= 0:
            path.write_bytes(data)
        stamp = path.stat().st_mtime_ns
        files = (self.work / f"{name}.out", self.work / f"{name}.err")
        start = time.perf_counter()
        if self.args.mode == "fork":
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _child(name, str(files[0]), str(files[1]), self.args.memory)
            self.running[pid] = (m, start, files, None, path, data, stamp)
        else:
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            with open(files[0], "wb") as fo, open(files[1], "wb") as fe:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "derive", "check", name], cwd=self.work, stdout=fo,
                    stderr=fe, env=env, start_new_session=True,
                    preexec_fn=(lambda: _limit_memory(self.args.memory)))
            self.running[proc.pid] = (m, start, files, proc, path, data, stamp)

    def _reap(self, block: float) -> list[Outcome]:
        done: list[Outcome] = []
        deadline = time.perf_counter() + block
        while True:
            now = time.perf_counter()
            for pid, (m, start, files, proc, path, data, stamp) in list(self.running.items()):
                code: int | None = None
                finished = False
                if proc is None:
                    got, status = os.waitpid(pid, os.WNOHANG)
                    if got == pid:
                        finished = True
                        code = os.waitstatus_to_exitcode(status)
                else:
                    if proc.poll() is not None:
                        finished, code = True, proc.returncode
                timed_out = not finished and now - start > self.args.timeout
                if timed_out:
                    try:
                        os.killpg(pid, signal.SIGKILL) if proc is not None else \
                            os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    if proc is None:
                        os.waitpid(pid, 0)
                    else:
                        proc.wait()
                if finished or timed_out:
                    del self.running[pid]
                    out = files[0].read_bytes().decode("utf-8", "backslashreplace")
                    err = files[1].read_bytes().decode("utf-8", "backslashreplace")
                    changed = path.read_bytes() != data or path.stat().st_mtime_ns != stamp
                    klass = classify(code, out, err, timed_out, changed)
                    o = Outcome(m.index, klass, code, now - start, out, err, m.ops, changed)
                    o.signature = "" if klass in ("ok", "input error") else signature(o)
                    done.append(o)
                    for f in (*files, path):
                        f.unlink(missing_ok=True)
            if done or not self.running or time.perf_counter() > deadline:
                return done
            time.sleep(0.01)

    def _run_one(self, m: Mutant, name: str) -> Outcome:
        self._start(m, name)
        while True:
            got = self._reap(1.0)
            if got:
                return got[0]

    def run(self, mutants, total: int, progress: bool):  # type: ignore[no-untyped-def]
        it = iter(mutants)
        finished = 0
        t0 = time.perf_counter()
        exhausted = False
        while True:
            while not exhausted and len(self.running) < self.args.jobs:
                m = next(it, None)
                if m is None:
                    exhausted = True
                    break
                self._start(m, f"m{m.index:05d}.md")
            if not self.running:
                return
            for o in self._reap(0.5):
                finished += 1
                if progress and (finished % 100 == 0 or finished == total):
                    rate = finished / (time.perf_counter() - t0)
                    print(f"  {finished}/{total} done, {rate:.2f}/s, "
                          f"eta {(total - finished) / rate / 60:.1f} min", file=sys.stderr)
                yield o


def _diff(original: str, text: str, index: int) -> str:
    return "".join(difflib.unified_diff(
        original.splitlines(keepends=True), text.splitlines(keepends=True),
        "formulas/backprop.md", f"m{index:05d}.md", n=2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--n", type=int, default=10000, help="number of mutants (10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="mutants run at once (default: all cores)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per mutant (20)")
    parser.add_argument("--memory", type=int, default=4000,
                        help="address-space limit per mutant in MB (4000; 0: none)")
    parser.add_argument("--out", type=Path, default=Path("fuzz-out"),
                        help="directory for failing mutants (cleared first; default fuzz-out)")
    parser.add_argument("--mode", choices=("fork", "subprocess"), default="fork")
    parser.add_argument("--context", choices=("trim", "full"), default="trim")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="run N mutants (seeded), write nothing, exit 1 on any failure")
    parser.add_argument("--only", type=int, metavar="K", help="run mutant K alone and show it")
    parser.add_argument("--start", type=int, default=0, help="first mutant index (0)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.timeout <= 0 or args.n < 0:
        parser.error("--jobs and --timeout must be positive, --n not negative")

    original = CHAPTER.read_text(encoding="utf-8")
    segs = segments(original)
    if args.only is not None:
        indices = [args.only]
    else:
        n = args.sample if args.sample is not None else args.n
        indices = list(range(args.start, args.start + n))
    mutants = (mutant(segs, args.seed, k, args.context) for k in indices)

    counts: Counter[str] = Counter()
    failures: dict[str, list[Outcome]] = defaultdict(list)
    seconds: list[float] = []
    write = args.sample is None and args.only is None
    if write:
        shutil.rmtree(args.out, ignore_errors=True)
        args.out.mkdir(parents=True)
    out_dir = args.out.resolve()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="derive-fuzz-") as tmp:
        work = Path(tmp)
        runner = Runner(args, work)
        texts = {}
        for o in runner.run((texts.setdefault(m.index, m) for m in mutants), len(indices),
                            progress=write and not args.json):
            m = texts.pop(o.index)
            counts[o.klass] += 1
            seconds.append(o.seconds)
            if args.only is not None:
                print(_diff(m.base, m.text, m.index))
                print("\n".join(m.ops))
                print(f"--- {o.klass}, exit {o.code}, {o.seconds:.2f} s\n{o.stdout}{o.stderr}")
            if o.klass in FAILURES:
                failures[o.signature].append(o)
                if write:
                    stem = out_dir / f"{o.index:05d}-{o.klass.replace(' ', '-')}"
                    stem.with_suffix(".md").write_text(m.text, encoding="utf-8",
                                                       errors="surrogatepass")
                    stem.with_suffix(".diff").write_text(
                        "\n".join(m.ops) + "\n\n" + _diff(m.base, m.text, m.index),
                        encoding="utf-8", errors="backslashreplace")
                    stem.with_suffix(".out").write_text(
                        f"class: {o.klass}\nsignature: {o.signature}\nexit: {o.code}\n"
                        f"seconds: {o.seconds:.2f}\n--- stdout\n{o.stdout}\n--- stderr\n"
                        f"{o.stderr}", encoding="utf-8", errors="backslashreplace")
    wall = time.perf_counter() - t0
    total = sum(counts.values())
    summary = {
        "n": total, "seed": args.seed, "jobs": args.jobs, "timeout": args.timeout,
        "mode": args.mode, "context": args.context, "wall_seconds": round(wall, 1),
        "median_seconds": round(sorted(seconds)[len(seconds) // 2], 2) if seconds else 0,
        "max_seconds": round(max(seconds), 2) if seconds else 0,
        "classes": {c: counts[c] for c in CLASSES},
        "distinct": {sig: {"count": len(os_), "class": os_[0].klass,
                           "mutants": [o.index for o in os_[:10]]}
                     for sig, os_ in sorted(failures.items(), key=lambda kv: -len(kv[1]))},
    }
    if write:
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    elif args.only is None:
        print(f"{total} mutants of {CHAPTER.relative_to(ROOT)} (seed {args.seed}, {args.mode}, "
              f"{args.context}), {args.jobs} jobs, {args.timeout:g} s limit: {wall:.0f} s "
              f"({wall / max(total, 1):.2f} s per mutant; median run {summary['median_seconds']}"
              f" s, max {summary['max_seconds']} s)")
        print(f"  {'class':<16}{'count':>7}{'share':>8}")
        for c in CLASSES:
            mark = "  <- failure" if c in FAILURES and counts[c] else ""
            print(f"  {c:<16}{counts[c]:>7}{counts[c] / max(total, 1):>8.1%}{mark}")
        if failures:
            print("distinct failures (count, first mutants):")
            for sig, d in summary["distinct"].items():
                print(f"  {d['count']:>5}  {sig}  [{', '.join(map(str, d['mutants'][:5]))}]")
        if write:
            print(f"failing mutants written to {args.out}/")
    return 1 if any(counts[c] for c in FAILURES) else 0


if __name__ == "__main__":
    sys.exit(main())
