"""Functionals of distributions written as functions of their outcome (`H[P] = \\sum_j -P(j)
\\log P(j)`, `H(p, q) = -\\sum_x p(x) \\log q(x)`, `D_{KL}(p \\| q) = \\sum_i p_i \\log
\\frac{p_i}{q_i}`) and the claims about them, each formula read in a model of its own.

A definition is a row whose left side is one functional applied to distinct letters and whose
right side sums over an outcome, writing nothing but those letters applied to it (`P(j)`) or
indexed by it (`p_i`), the sum's bound, numbers and elementary functions. A claim is a later
formula that applies such functionals (same head, same number of distributions) to letters and
writes nothing else but their entries, derivatives by them and numbers. In each such formula's
model every distribution is a vector over one support (of the size a definition's sum bound
names, else of a size derive names), each application one number defined by the text's
definition applied to its distributions (derive.latex.distributions reads the tokens so), and,
where the text says in words that they are distributions or probabilities, points whose
entries sum to one are used. The formulas stay out of the network's notation.

Token level: nothing is evaluated; the result is a field and an annotation of each formula."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from derive.errors import InputError
from derive.infer.scan import Row, _rows
from derive.latex.distributions import application, instance_name
from derive.latex.lexer import Tok
from derive.sources.document import Document, Formula

_COMMANDS = {"\\sum", "\\log", "\\ln", "\\frac", "\\dfrac", "\\tfrac", "\\left", "\\right",
             "\\cdot", "\\exp", "\\partial", "\\quad", "\\,", "\\;", "\\!"}
_SAID = re.compile(r"distribution|probabilit|分布|概率", re.IGNORECASE)
_INDEX_LETTERS = "jkicrst"


@dataclass(frozen=True)
class _Functional:
    key: str  # the head as written: `H`, `D_{KL}`
    params: tuple[str, ...]
    body: tuple[str, ...]  # the right side's token texts
    outcomes: frozenset[str]  # the letters its sums run over
    bound: str | None  # the size its sum's bound names
    line: int
    written: str  # the definition's left side as written


def _trimmed(side: list[Tok]) -> list[Tok]:
    toks = [t for t in side if t.text not in ("&",)]
    while toks and toks[-1].text in (".", ",", "\\\\"):
        toks = toks[:-1]
    return toks


def _sum_letters(toks: list[Tok]) -> tuple[set[str], set[str]] | None:
    """The letters the sums run over and the letters their bounds name; None without a sum."""
    outcomes: set[str] = set()
    bounds: set[str] = set()
    for k, t in enumerate(toks):
        if t.text != "\\sum":
            continue
        if k + 2 >= len(toks) or toks[k + 1].text != "_":
            return None
        g = toks[k + 2]
        if g.text == "{" and k + 3 < len(toks):
            g = toks[k + 3]
        if g.kind != "letter" or len(g.text) != 1:
            return None
        outcomes.add(g.text)
        close = next((p for p in range(k + 2, len(toks)) if toks[p].text == "}"), k + 2)
        if close + 2 < len(toks) and toks[close + 1].text == "^":
            b = toks[close + 2] if toks[close + 2].text != "{" else toks[min(close + 3,
                                                                             len(toks) - 1)]
            if b.kind == "letter":
                bounds.add(b.text)
    return (outcomes, bounds) if outcomes else None


def _plain(toks: list[Tok], letters: set[str]) -> bool:
    """Whether the tokens write nothing but these letters, numbers, symbols and the commands
    of the arithmetic of logarithms and derivatives."""
    return all(t.kind in ("num", "sym") or t.kind == "letter" and t.text in letters
               or t.kind == "cmd" and t.text in _COMMANDS for t in toks)


def _definition(r: Row) -> _Functional | None:
    if len(r.sides) != 2 or r.relation != "=":
        return None
    lhs, rhs = _trimmed(r.sides[0]), _trimmed(r.sides[1])
    found = application(lhs, 0) if lhs else None
    if found is None or found[3] != len(lhs) or len(set(found[2])) != len(found[2]):
        return None
    key, _letters, params, _ = found
    sums = _sum_letters(rhs)
    if sums is None or sums[0] & set(params) or len(sums[1]) > 1:
        return None
    outcomes, bounds = sums
    if not any(t.text in ("\\log", "\\ln") for t in rhs):
        return None  # an information functional takes logarithms (a softmax by entries does not)
    if not _plain(rhs, set(params) | outcomes | bounds) or not all(
            any(t.text == p for t in rhs) for p in params):
        return None
    src = r.formula.text
    written = src[lhs[0].start:lhs[-1].end]
    return _Functional(key, params, tuple(t.text for t in rhs), frozenset(outcomes),
                       next(iter(bounds), None), r.occs[0].line if r.occs else r.formula.line,
                       written)


def _applications(toks: list[Tok], defined: dict[tuple[str, int], _Functional]
                  ) -> list[tuple[_Functional, tuple[str, ...]]] | None:
    """The defined functionals the tokens apply, with their distributions; None when the
    tokens write anything else than them, their distributions' entries and numbers."""
    found: list[tuple[_Functional, tuple[str, ...]]] = []
    rest: list[Tok] = []
    k = 0
    while k < len(toks):
        app = application(toks, k)
        if app is not None and (app[0], len(app[2])) in defined:
            found.append((defined[(app[0], len(app[2]))], app[2]))
            k = app[3]
            continue
        rest.append(toks[k])
        k += 1
    names = {a for _, args in found for a in args}
    sums = _sum_letters(rest)
    indices = {t.text for p, t in enumerate(rest) if p and rest[p - 1].text == "_"
               or p > 1 and rest[p - 2].text == "_" and rest[p - 1].text == "{"}
    letters = names | indices | (sums[0] | sums[1] if sums else set())
    if not found or not _plain(rest, letters) or indices & names or any(
            t.text in names and (p + 1 >= len(rest) or rest[p + 1].text not in ("_", "("))
            for p, t in enumerate(rest)):  # a distribution written whole: not its entry
        return None
    return found


def _elsewhere(fn: _Functional, scanned: dict[int, list[Row]], number: int) -> bool:
    """Whether another formula writes the functional's head or one of its distributions as a
    name of its own (`\\frac{\\partial L}{\\partial a_j}`, `a_j` after `L(y, a) = ...`): a
    network's loss and its outputs, not a functional of distributions (a probability applied,
    `P(y \\mid x)`, is no such use)."""
    letters = {fn.key[0], *fn.params} if fn.key[0].isalpha() else set(fn.params)
    for other, rows in scanned.items():
        if other == number:
            continue
        for toks in (s for r in rows for s in r.sides):
            if _named(toks, letters):
                return True
    return False


def _named(toks: list[Tok], letters: set[str]) -> bool:
    """Whether the tokens write one of the letters as a name, outside an application."""
    p = 0
    while p < len(toks):
        app = application(toks, p)
        if app is not None:
            p = app[3]
            continue
        t = toks[p]
        if (t.kind == "letter" and t.text in letters and not (p and toks[p - 1].text in (
                "_", "^", "\\")) and not (p + 1 < len(toks) and toks[p + 1].text == "(")):
            return True
        p += 1
    return False


def _said(formula: Formula, lines: tuple[int, ...]) -> bool:
    """Whether the prose before these lines (the eight before each) calls them distributions
    or probabilities."""
    src = formula.lines
    return any(_SAID.search(src[n - 1]) for at in lines
               for n in range(max(1, at - 8), min(at, len(src)) + 1) if 0 < n <= len(src))


def _instance(fn: _Functional, args: tuple[str, ...], renames: dict[str, str]) -> str:
    """The text's definition applied to these distributions, as a `given` in the text's own
    notation (read with the formula's field): `H(p, q) = - \\sum _ x p ( x ) ...`."""
    to = dict(zip(fn.params, args, strict=True))
    body = " ".join(to.get(t, t) for t in fn.body)
    return f"{fn.key}({', '.join(args)}) = {body}"


def _renames(letters: set[str], taken: set[str]) -> dict[str, str]:
    """Outcome letters the parser does not take for an index, each read as one it does."""
    out: dict[str, str] = {}
    free = [c for c in _INDEX_LETTERS if c not in taken]
    for letter in sorted(letters):
        if letter not in "ijk" and free:
            out[letter] = free.pop(0)
    return out


def _size_name(fns: list[_Functional], taken: set[str]) -> tuple[str, bool]:
    """The support's size: the one a definition's bound names (True), else a name derive
    gives it (False)."""
    bound = next((f.bound for f in fns if f.bound), None)
    if bound is not None:
        return bound, True
    return next((c for c in ("N", "M", "S", "K", "T") if c not in taken), "N_s"), False


def _model(formula: Formula, rows: list[Row], uses: list[tuple[_Functional, tuple[str, ...]]],
           own: set[int]) -> tuple[Formula, dict[str, Any], str]:
    """The formula with its field, its annotation and the fact that says how it is read."""
    fns = list(dict.fromkeys(fn for fn, _ in uses))
    names = sorted({a for _, args in uses for a in args})
    toks = [t for r in rows for s in r.sides for t in s]
    taken = {t.text for t in toks if t.kind == "letter"} | {t for fn in fns for t in fn.body}
    outcomes = set().union(*(fn.outcomes for fn in fns)) | (
        _sum_letters(toks) or (set(), set()))[0]
    renames = _renames(outcomes, taken | set(names))
    size, stated = _size_name(fns, taken | set(names))
    normalized = _said(formula, (formula.line, *(fn.line for fn in fns)))
    given = [] if own else [_instance(fn, args, renames) for fn, args in dict.fromkeys(uses)]
    instances = sorted({instance_name(fn.key, args) for fn, args in uses})
    field = (tuple(sorted({(fn.key, len(fn.params)) for fn in fns})), tuple(names),
             tuple(sorted(renames.items())))
    ann = {"local": True, "given": given,
           "distributions": {"names": names, "size": size, "normalized": normalized,
                             "instances": instances}}
    fact = _fact(formula, fns, names, (size, stated), normalized, bool(own))
    return dataclasses.replace(formula, distributions=field), ann, fact


def _fact(formula: Formula, fns: list[_Functional], names: list[str], size: tuple[str, bool],
          normalized: bool, own: bool) -> str:
    """How the formula is read, in words."""
    which = ", ".join(f"${n}$" for n in names)
    one = len(names) == 1
    sized = (f"${size[0]}$ outcomes (the bound of its sum)" if size[1]
             else f"${size[0]}$ outcomes (a size derive names: the text gives none)")
    said = ((f"; the text calls {'it a distribution' if one else 'them distributions'}: "
             f"{'its' if one else 'their'} entries are drawn positive and summing to one")
            if normalized else "; their entries are drawn positive")
    if own:
        fn = fns[0]
        outcome = min(fn.outcomes)
        return (f"line {formula.line}: ${fn.written}$ defines a functional of "
                f"{'a distribution' if one else 'distributions'} written as "
                f"{'a function' if one else 'functions'} of the outcome, read in a model of its "
                f"own: {which} {'a vector' if one else 'vectors'} over a support of {sized}, "
                f"${names[0]}({outcome})$ the entry ${names[0]}_{outcome}$, ${fn.written}$ the "
                f"number it defines{said}")
    defs = ", ".join(f"${fn.written}$ (line {fn.line})" for fn in fns)
    return (f"line {formula.line}: a claim about {defs}, checked in a model of its own: "
            f"{which} {'a vector' if one else 'vectors'} over a support of {sized}, each "
            f"functional by its definition applied to {'it' if one else 'them'}{said}")


def _read(scanned: dict[int, list[Row]], banned: set[int]
          ) -> dict[int, tuple[list[tuple[_Functional, tuple[str, ...]]], bool]]:
    """Each formula about distributions: the functionals it applies (with their
    distributions) and whether it defines them; a formula in `banned` defines none."""
    defined: dict[tuple[str, int], _Functional] = {}
    out: dict[int, tuple[list[tuple[_Functional, tuple[str, ...]]], bool]] = {}
    for number, rows in scanned.items():
        defs = [_definition(r) for r in rows]
        fns = [d for d in defs if d is not None]
        if (rows and len(fns) == len(defs) and number not in banned
                and all((d.key, len(d.params)) not in defined for d in fns)):
            defined.update(((fn.key, len(fn.params)), fn) for fn in fns)
            out[number] = ([(fn, fn.params) for fn in fns], True)
            continue  # (a definition again in other words is a claim, checked)
        found = [_applications([t for s in r.sides for t in _trimmed(s)], defined)
                 for r in rows] if defined else [None]
        if rows and all(x is not None for x in found):
            out[number] = ([u for x in found if x is not None for u in x], False)
    return out


def read_distributions(doc: Document) -> tuple[Document, dict[int, dict[str, Any]],
                                              dict[int, set[int]], list[str]]:
    """The document with each such formula's field set; their annotations, the rows that
    define, and the facts for the "read as" summary."""
    scanned: dict[int, list[Row]] = {}
    for f in doc.formulas:
        if not f.annotation:
            try:
                scanned[f.number] = _rows(f)
            except InputError:
                continue
    banned: set[int] = set()
    while True:  # a definition whose names the rest of the text uses otherwise is none
        read = _read(scanned, banned)
        rest = {k: rows for k, rows in scanned.items() if k not in read}
        clash = {k for k, (uses, own) in read.items()
                 if own and any(_elsewhere(fn, rest, k) for fn, _ in uses)}
        if not clash:
            break
        banned |= clash
    if not read:
        return doc, {}, {}, []
    annotations: dict[int, dict[str, Any]] = {}
    defining: dict[int, set[int]] = {}
    facts: list[str] = []
    formulas = list(doc.formulas)
    for k, f in enumerate(formulas):
        if f.number in read:
            uses, own = read[f.number]
            rows = scanned[f.number]
            formulas[k], annotations[f.number], fact = _model(f, rows, uses,
                                                              {1} if own else set())
            facts.append(fact)
            if own:
                defining[f.number] = {r.number for r in rows}
    return dataclasses.replace(doc, formulas=tuple(formulas)), annotations, defining, facts
