"""Scalar calculus of named functions (`f(x, y) = x y`, then `\\frac{\\partial f}{\\partial x} = y`):
each formula that defines such a function or differentiates one defined before is read in a
model of its own, where the function's value is a variable its definition gives.

This applies in a text without layers (no superscript names a layer anywhere), to a definition
whose arguments are bare letters and whose right side uses only bare letters (the arguments and
parameters such as the `a` of `f_a(x) = a x`), numbers and functions every reader knows. A later
definition of the same function replaces the earlier one for the formulas after it; a definition
the tool cannot read in this way ends the one before it (its derivatives are not checked against
a stale definition). Nothing is evaluated here: the result is the annotation each formula gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from derive.functions import BY_LATEX, BY_SPELLING
from derive.infer.fractions import _fractions
from derive.infer.scan import Occ, Row, _is_call, _strip, _text

# what a definition's right side may write besides names, numbers and known functions
_BODY_COMMANDS = {"\\frac", "\\dfrac", "\\tfrac", "\\left", "\\right", "\\cdot", "\\times",
                  "\\sqrt", "\\mathrm", "\\operatorname"}  # \\mathrm{ReLU}: its name is checked


@dataclass(frozen=True)
class _Function:
    name: str
    args: tuple[str, ...]
    given: str  # the definition as the local model's `given` reads it: `f = x y`
    line: int
    params: tuple[str, ...] = ()  # names the body reads besides the arguments: `a` of `f_a`


def _layered(per: dict[int, list[Row]]) -> bool:
    """Whether any use has a superscript with a letter or a bracket (a layer or sample tag)."""
    for rs in per.values():
        for r in rs:
            for o in r.occs:
                g = [t for t in _strip(o.sup or []) if t.text not in ("{", "}")]
                if g and (g[0].text in "([" or any(t.kind == "letter" for t in g)):
                    return True
    return False


def _plain(o: Occ) -> bool:
    g = _strip(o.sup or [])
    return o.sub is None and not o.prime and all(t.kind == "num" for t in g)


def _known(name: str) -> bool:
    """A function every reader knows: an elementary one (`\\exp`) or one known by name
    (`\\max`, `\\min`, `\\sigma` as the logistic sigmoid, `\\mathrm{ReLU}`)."""
    return name in BY_LATEX or name in BY_SPELLING


def _definition(r: Row) -> tuple[str, _Function | None] | None:
    """(name, its definition) for a row `f(x, y) = <body>`; the definition is None when the
    row defines f in a way this reading does not take (indexed names in the body). None when
    the row defines no function."""
    if len(r.sides) != 2 or r.relation != "=" or not _is_call(r.sides[0]):
        return None
    head = next((o for o in r.occs if o.side == 0), None)
    if head is None or head.call is None or head.prime:  # f'(x) = ...: about f, not defining it
        return None
    args = head.args
    param = _text(_strip(head.sub or []))
    ok = (bool(args) and len(set(args)) == len(args) and head.sup is None and not head.prime
          and (head.sub is None or (len(param) == 1 and param.isalpha())))
    body = [o for o in r.occs if o.side == 1]
    ok = ok and all(t.kind != "cmd" or t.text in _BODY_COMMANDS or _known(t.text)
                    for t in r.sides[1])
    for o in body:
        if o.call is not None:
            ok = ok and _known(o.name) and o.sub is None
        else:
            ok = ok and _plain(o) and len(o.name) == 1 and o.name != head.name
    if not ok:
        return head.name, None
    text = " ".join(t.text for t in r.sides[1])
    params = tuple(sorted({o.name for o in body if o.call is None and o.name not in args}))
    return head.name, _Function(head.name, args, f"{head.name} = {text}", head.line, params)


def _differentiates(r: Row, fn: _Function) -> bool:
    """Whether the row writes a derivative of `fn` by one of its arguments, as in
    `\\frac{\\partial f}{\\partial x}`, `\\frac{df}{dx}` or `\\frac{d\\sigma(x)}{dx}`."""
    toks = [t for s in r.sides for t in s]
    for _, num, den in _fractions(toks):
        top = [x.text for x in _strip(num) if x.text not in ("\\left", "\\right")]
        bottom = _text(_strip(den))
        whole = [fn.name] + (["(", *",".join(fn.args).replace(",", " , ").split(), ")"])
        if (top == [fn.name] or top == whole) and bottom in fn.args:
            return True
    return False


def _uses(r: Row, name: str) -> bool:
    return any(o.name == name for o in r.occs)


def _classify(r: Row, chosen: _Function | None, current: dict[str, _Function]
              ) -> tuple[str, str | None, _Function | None]:
    """("def", name, definition or None), ("deriv", None, the function) or ("other", ...)."""
    found = _definition(r)
    if found is not None:
        return "def", found[0], found[1]
    for fn in ([chosen] if chosen else list(current.values())):
        if _differentiates(r, fn):
            return "deriv", None, fn
    return "other", None, None


def _segments(rows: list[Row], current: dict[str, _Function]
              ) -> tuple[list[tuple[int, _Function]], set[int]] | None:
    """A formula's rows as segments, each from a definition (or the formula's start) on: the
    first row of each and the function its rows differentiate; and the rows that define. A
    later definition of a function replaces the earlier one for the rows after it (cs231n's
    `f(x) = 1/x ... f_c(x) = c + x ... f(x) = e^x`, each followed by its derivative). None when
    the formula is not one this reading takes (a row it does not read)."""
    segments: list[tuple[int, _Function]] = []
    defs: set[int] = set()
    chosen: _Function | None = None
    for r in rows:
        kind, _name, fn = _classify(r, chosen, current)
        if kind == "other" or (kind == "def" and fn is None):
            return None
        if kind == "def" or chosen is None:
            chosen = fn
            segments.append((r.number, fn))
            if kind == "def":
                defs.add(r.number)
    return (segments, defs) if segments else None


def _generic_call(r: Row) -> tuple[str, tuple[str, ...]] | None:
    """(f, its arguments) when the row's left side is `\\frac{d f(x)}{dx}`, the derivative of
    a function applied to bare letters by one of them; None for anything else."""
    toks = r.sides[0] if r.sides else []
    found = list(_fractions(toks))
    if len(found) != 1 or found[0][0] != "d":
        return None
    _, num, den = found[0]
    top = [x.text for x in _strip(num) if x.text not in ("\\left", "\\right")]
    bottom = _text(_strip(den))
    if len(top) < 4 or top[1] != "(" or top[-1] != ")" or not top[0].isalpha():
        return None
    args = tuple(a for a in top[2:-1] if a != ",")
    if (len(args) != (len(top) - 2) // 2 or len(set(args)) != len(args)
            or not all(len(a) == 1 and a.isalpha() for a in args) or bottom not in args
            or top[0] in args):
        return None
    return top[0], args


def _generic_derivative(rows: list[Row], current: dict[str, _Function]
                        ) -> tuple[dict[str, Any], str] | None:
    """A formula of one row `\\frac{d f(x)}{dx} = ...` about a function the text gives no
    definition of with these arguments (cs231n's limit definition of the derivative, after
    `f(x, y) = x y`): read in a model of its own, f a generic smooth function of its arguments
    and the arguments its variables. None for anything else."""
    if len(rows) != 1 or len(rows[0].sides) != 2 or rows[0].relation != "=":
        return None
    found = _generic_call(rows[0])
    if found is None:
        return None
    name, args = found
    fn = current.get(name)
    if fn is not None and len(fn.args) == len(args):
        return None  # its definition's derivative, read by the segments
    if any(o.name == name and o.call != len(args) for o in rows[0].occs):
        return None
    ann = {"local": True, "functions": {name: len(args)}, "variables": list(args)}
    fact = (f"line {rows[0].formula.line}: ${name}({', '.join(args)})$ in a model of its own: "
            f"${name}$ a function of {len(args)} argument{'s' if len(args) > 1 else ''} the "
            "text does not define here, checked for a generic smooth one")
    return ann, fact


def _known_identity(rows: list[Row], current: dict[str, _Function]
                    ) -> tuple[dict[str, Any], str] | None:
    """A formula whose rows each state the derivative of a function every reader knows and the
    text does not define, in nothing but such functions of bare letters and numbers
    (`\\tanh'(x) = 1 - \\tanh^2(x)` in a text that defines other functions of x): read in a
    model of its own, the letters its variables. None for anything else."""
    letters: set[str] = set()
    for r in rows:
        if len(r.sides) != 2 or r.relation != "=" or not _known_prime(r.sides[0], r, current):
            return None
        for o in r.occs:
            if o.call is not None and _known(o.name) and o.name not in current and o.sub is None:
                letters |= set(o.args)
            elif _plain(o) and len(o.name) == 1:
                letters.add(o.name)
            else:
                return None
        if any(t.kind == "cmd" and not (t.text in _BODY_COMMANDS or t.text == "\\prime"
                                        or _known(t.text)) for side in r.sides for t in side):
            return None
    if not letters or not all(len(a) == 1 and a.isalpha() for a in letters):
        return None
    names = ", ".join(f"${a}$" for a in sorted(letters))
    return ({"local": True, "variables": sorted(letters)},
            f"line {rows[0].formula.line}: the derivative of a function known by name, in a "
            f"model of its own ({names} its variable{'s' if len(letters) > 1 else ''})")


def _known_prime(left: list, r: Row, current: dict[str, _Function]) -> bool:
    """Whether a left side is `f'(x)` for a function known by name that the text does not
    define (`\\tanh'(x)`, `\\mathrm{ReLU}'(x)`)."""
    head = next((o for o in r.occs if o.side == 0), None)
    if head is not None and head.call is not None:
        return head.prime and _known(head.name) and head.name not in current
    toks = _strip(left)
    return (len(toks) > 2 and toks[0].kind == "cmd" and _known(toks[0].text)
            and toks[0].text not in current
            and (toks[1].text == "'" or toks[1].text == "^" and "\\prime" in _text(toks[2:4])))


def scalar_calculus(per: dict[int, list[Row]]) -> tuple[dict[int, dict[str, Any]],
                                                         dict[int, set[int]],
                                                         dict[tuple[int, int], str], list[str]]:
    """For each formula read in a model of its own: its annotation (with `segments` when a
    later row defines a function again: which rows each definition covers); the rows that
    define; the rows not read (with why); and the facts for the "read as" summary."""
    annotations: dict[int, dict[str, Any]] = {}
    defining: dict[int, set[int]] = {}
    refused: dict[tuple[int, int], str] = {}
    facts: list[str] = []
    if _layered(per):
        return annotations, defining, refused, facts
    current: dict[str, _Function] = {}
    # a function the text writes as f'(x) is the network model's: a claim about f'(x) reads f
    # as a function, which the model of its own (where f is a value) does not
    primed = {o.name for rs in per.values() for r in rs for o in r.occs
              if o.prime and o.call is not None}
    for k in sorted(per):
        rows = per[k]
        found = _segments(rows, current)
        if found is not None and any(fn.name in primed for _, fn in found[0]):
            found = None
        for r in rows:  # what the formulas after this one read: its last definitions
            d = _definition(r)
            if d is not None:
                if d[1] is None:
                    current.pop(d[0], None)
                else:
                    current[d[0]] = d[1]
        if found is None:
            generic = _generic_derivative(rows, current) or _known_identity(rows, current)
            if generic is not None:
                annotations[k], fact = generic
                facts.append(fact)
            continue
        segments, defs = found
        first = segments[0][1]
        annotations[k] = {"local": True, "given": [first.given]}
        if len(segments) > 1:
            annotations[k]["segments"] = [[row, [fn.given]] for row, fn in segments]
        defining[k] = defs
        for row, fn in segments:
            what = ("defined here" if row in defs else f"defined at line {fn.line}")
            line = (next(r.occs[0].line for r in rows if r.number == row)
                    if len(segments) > 1 else rows[0].formula.line)
            facts.append(f"line {line}: ${fn.given}$ ({what}), in a model of its "
                         f"own: its derivatives by ${', '.join(fn.args)}$ are checked against "
                         "that definition" + (" (in the rows up to its next definition)"
                                              if len(segments) > 1 else "")
                         + "".join(f"; ${p}$ a given number" for p in fn.params))
    return annotations, defining, refused, facts
