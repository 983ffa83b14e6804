"""Slips of writing the parser reads through and reports: a derivative whose denominator has
lost its `\\partial` (`\\frac{\\partial L}{z^n_j}` for `\\frac{\\partial L}{\\partial z^n_j}`).
The row is read as meant, and the slip is flagged at the step that holds it (`Side.flags`):
the step's value is not affected."""

from __future__ import annotations

import dataclasses

from derive.latex.scope import Equation, Side
from derive.latex.tokens import _FONTS, _GREEK, Tok


def mended_partials(toks: list[Tok], text: str) -> tuple[list[Tok], list[tuple[int, str]]]:
    """The tokens with a `\\partial` put back before every derivative denominator that is a
    single name with its scripts and no `\\partial` (under a `\\partial` numerator), and each
    mend as (offset in the formula, what is flagged)."""
    out = list(toks)
    slips: list[tuple[int, str]] = []
    k = 0
    while k < len(out):
        if out[k].text == "\\frac" and k + 1 < len(out) and out[k + 1].text == "{":
            num_end = _close(out, k + 1)
            if (num_end is not None and num_end + 1 < len(out) and out[num_end + 1].text == "{"
                    and num_end > k + 3 and out[k + 2].text == "\\partial"):
                den_end = _close(out, num_end + 1)
                den = out[num_end + 2 : den_end] if den_end is not None else []
                if den and _one_name(den):
                    first = den[0]
                    out.insert(num_end + 2, Tok("cmd", "\\partial", first.start, first.start))
                    written = text[out[k].start : out[den_end + 1].end]
                    slips.append((first.start, _words(written, text[first.start : den[-1].end])))
        k += 1
    return out, slips


def _words(written: str, variable: str) -> str:
    return (f"the derivative ${written}$ is written without `\\partial` in its denominator: "
            f"read as a derivative by ${variable}$ (`\\partial {variable}`); the step's value "
            "is not affected")


def _close(toks: list[Tok], i: int) -> int | None:
    depth = 0
    for j in range(i, len(toks)):
        depth += (toks[j].text == "{") - (toks[j].text == "}")
        if depth == 0:
            return j
    return None


def _one_name(den: list[Tok]) -> bool:
    """`z^n_j`, `W^{(l)}_{jk}`, `\\mathbf{x}`: one name and its scripts, nothing else."""
    k = 0
    if den[0].kind == "letter" or den[0].text in _GREEK:
        k = 1
    elif den[0].text in _FONTS and len(den) > 1 and den[1].text == "{":
        end = _close(den, 1)
        if end is None:
            return False
        k = end + 1
    else:
        return False
    while k < len(den):
        if den[k].text not in ("^", "_") or k + 1 >= len(den):
            return False
        if den[k + 1].text == "{":
            end = _close(den, k + 1)
            if end is None:
                return False
            k = end + 1
        elif den[k + 1].kind in ("letter", "num"):
            k += 2
        else:
            return False
    return True


def flagged(eq: Equation, slips: list[tuple[int, str]]) -> Equation:
    """The equation with each slip flagged at the step that holds it (one in the left side
    at the first step): set afresh, so an equation continued by later rows keeps its flags."""
    if not slips or not eq.steps:
        return eq

    def within(side: Side) -> tuple[str, ...]:
        return tuple(msg for at, msg in slips if side.start <= at < side.end)

    steps = list(eq.steps)
    steps = [dataclasses.replace(s, flags=within(s)) for s in steps]
    left = within(eq.lhs)
    if left:
        steps[0] = dataclasses.replace(steps[0], flags=left + steps[0].flags)
    return dataclasses.replace(eq, steps=tuple(steps))


def mended_argument(toks: list[Tok], text: str) -> tuple[list[Tok], list[tuple[int, str]]]:
    """`f(z) = \\max(0, x)`: a function of one argument defined by a body that never writes it
    and writes one other bare letter instead, inside a function or an operation (`\\max`,
    `\\frac`, `e^{-x}`; not `f(z) = c`, a constant). The body can mean nothing else: it is read
    with the argument (`\\max(0, z)`), and the letter written is flagged (no other name, number
    or function of the body is touched)."""
    body = [t for t in toks if t.kind != "text"]
    if (len(body) < 6 or body[0].kind not in ("letter", "cmd") or body[1].text != "("
            or body[2].kind != "letter" or body[3].text != ")" or body[4].text != "="
            or any(t.text in ("=", "\\\\", "&") for t in body[5:])):
        return toks, []
    arg = body[2].text
    rhs = body[5:]
    free = [k for k, t in enumerate(rhs) if t.kind == "letter" and not _applied_or_e(rhs, k)]
    letters = {rhs[k].text for k in free}
    applied = any(t.kind == "cmd" or (t.text == "e" and _applied_or_e(rhs, k))
                  for k, t in enumerate(rhs))
    if not applied or arg in {t.text for t in rhs} or len(letters) != 1 or any(
            k + 1 < len(rhs) and rhs[k + 1].text in ("_", "^", "'") for k in free):
        return toks, []
    stray = letters.pop()
    fixes = {id(rhs[k]) for k in free}
    out = [dataclasses.replace(t, text=arg) if id(t) in fixes else t for t in toks]
    first = rhs[free[0]]
    return out, [(first.start, f"the right side writes ${stray}$ where the function's argument "
                  f"is ${arg}$ (`{text[body[0].start : body[3].end]}`): read with ${arg}$, as "
                  "the definition must mean")]


def _applied_or_e(rhs: list[Tok], k: int) -> bool:
    """A letter applied to an argument (`g(x)`), or Euler's `e` raised to a power."""
    nxt = rhs[k + 1].text if k + 1 < len(rhs) else ""
    return nxt == "(" or (rhs[k].text == "e" and nxt == "^")
