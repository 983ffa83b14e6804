"""Reading the token structure: matching brackets, environments, `{...}` groups, names and
their scripts, and splitting at separators outside brackets."""

from __future__ import annotations

from derive.latex.scope import Scope, _err
from derive.latex.tokens import _BOLD, _FONTS, _GREEK, Tok


def _match(toks: list[Tok], i: int, scope: Scope) -> int:
    """Index of the token closing the bracket opened at toks[i]."""
    opener = toks[i].text
    closer = {"{": "}", "(": ")", "[": "]"}[opener]
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if t == opener:
            depth += 1
        elif t == closer:
            depth -= 1
            if depth == 0:
                return j
    raise _err(f"unbalanced `{opener}`: no matching `{closer}`", scope, toks[i])


def _env_end(toks: list[Tok], i: int, name: str, scope: Scope) -> int:
    """toks[i] is `\\begin`; return the index of the matching `\\end` command."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "\\begin":
            depth += 1
        elif toks[j].text == "\\end":
            depth -= 1
            if depth == 0:
                return j
    raise _err(f"`\\begin{{{name}}}` is never closed", scope, toks[i])


def _env_name(toks: list[Tok], i: int, scope: Scope) -> tuple[str, int]:
    if i + 1 >= len(toks) or toks[i + 1].text != "{":
        raise _err(f"`{toks[i].text}` needs an environment name in braces", scope, toks[i])
    j = _match(toks, i + 1, scope)
    return "".join(t.text for t in toks[i + 2 : j]), j + 1


def _env_close(toks: list[Tok], end: int, name: str, scope: Scope) -> int:
    """toks[end] is the `\\end` matching `\\begin{name}`: it must close the same environment."""
    closed, after = _env_name(toks, end, scope)
    if closed != name:
        raise _err(f"`\\begin{{{name}}}` is closed by `\\end{{{closed}}}`", scope, toks[end],
                   toks[after - 1].end)
    return after


def _depth_split(toks: list[Tok], seps: set[str]) -> list[tuple[list[Tok], Tok | None]]:
    """Split at separators at bracket depth 0 and outside environments."""
    out: list[tuple[list[Tok], Tok | None]] = []
    cur: list[Tok] = []
    depth = 0
    env = 0
    for t in toks:
        if t.text in ("{", "(", "[", "\\{"):
            depth += 1
        elif t.text in ("}", ")", "]", "\\}"):
            depth -= 1
        elif t.text == "\\begin":
            env += 1
        elif t.text == "\\end":
            env -= 1
        if t.text in seps and depth == 0 and env == 0:
            out.append((cur, t))
            cur = []
        else:
            cur.append(t)
    out.append((cur, None))
    return out


def _group(toks: list[Tok], i: int, scope: Scope) -> tuple[list[Tok], int]:
    """A `{...}` group or a single token at toks[i]; returns (contents, next index)."""
    if i >= len(toks):
        raise _err("expected an argument here", scope, toks[-1].end if toks else 0)
    if toks[i].text == "{":
        j = _match(toks, i, scope)
        return toks[i + 1 : j], j + 1
    return [toks[i]], i + 1


def _strip_group(toks: list[Tok]) -> list[Tok]:
    while len(toks) >= 2 and toks[0].text == "{" and toks[-1].text == "}":
        depth = 0
        for k, t in enumerate(toks):
            depth += t.text == "{"
            depth -= t.text == "}"
            if depth == 0 and k < len(toks) - 1:
                return toks
        toks = toks[1:-1]
    return toks


_BRACKETS = {"(": ")", "[": "]"}


def _close_bracket(toks: list[Tok], i: int) -> int | None:
    """The index of the `)` or `]` closing the bracket at toks[i] (either kind closes either,
    as the arithmetic parser reads them), or None."""
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            depth -= 1
            if depth == 0:
                return j
    return None


def starts_name(t: Tok) -> bool:
    """Whether a name starts at this token: a letter, a Greek letter or a font (`\\mathbf{a}`)."""
    return t.kind == "letter" or t.text in _GREEK or t.text in _FONTS


def _read_name(toks: list[Tok], i: int, scope: Scope) -> tuple[str, int]:
    """A base name: `w`, `\\delta`, `\\hat{y}`, `\\mathcal{L}`, `\\mathrm{softmax}`."""
    t = toks[i]
    if t.text in _FONTS:
        grp, nxt = _group(toks, i + 1, scope)
        inner = "".join(g.text for g in grp)
        if not inner:
            raise _err(f"`{t.text}` needs an argument", scope, t)
        name = f"{t.text}{{{inner}}}"
        if _bold_letter(t, grp) and scope.lookup(name) is None and scope.lookup(inner) == "quantity":
            return inner, nxt  # \mathbf{z} beside the quantity z: z written whole, in bold
        return name, nxt
    return t.text, i + 1




def _bold_letter(font: Tok, grp: list[Tok]) -> bool:
    """Whether `\\mathbf{z}` (or `\boldsymbol`, `\vec`) is one letter in a vector's font."""
    return font.text in _BOLD and len(grp) == 1 and (grp[0].kind == "letter" or grp[0].text in _GREEK)


def _scripts(toks: list[Tok], i: int, scope: Scope) -> tuple[dict[str, tuple[list[Tok], Tok]], int]:
    """Superscript and subscript after a name, in either order (a subscript that lists the
    parameters of a function, `h_{W,b}(x)`, is no index: left out)."""
    found, i = _written_scripts(toks, i, scope)
    if "_" in found and _lists_parameters(found["_"][0], toks, i, scope):
        del found["_"]  # h_{W,b}(x): the function of the parameters W and b, at x
    return found, i


def of_parameters(toks: list[Tok], i: int, scope: Scope) -> bool:
    """Whether the scripts at i hold a subscript listing parameters (`h_{W,b}(x)`)."""
    found, end = _written_scripts(toks, i, scope)
    return "_" in found and _lists_parameters(found["_"][0], toks, end, scope)


def _written_scripts(toks: list[Tok], i: int, scope: Scope
                     ) -> tuple[dict[str, tuple[list[Tok], Tok]], int]:
    found: dict[str, tuple[list[Tok], Tok]] = {}
    while i < len(toks) and toks[i].text in ("^", "_", "'"):
        mark = toks[i]
        if mark.text == "'":
            found["^"] = ([Tok("cmd", "\\prime", mark.start, mark.end)], mark)
            i += 1
            continue
        primed = found.get("^")
        if mark.text == "^" and primed is not None and primed[1].text == "'":
            # g'^{[l]}(z): the layer tag after the prime, read as g^{[l]\prime}
            grp, i = _group(toks, i + 1, scope)
            found["^"] = ([*_strip_group(grp), *primed[0]], mark)
            continue
        if mark.text in found:
            break
        grp, i = _group(toks, i + 1, scope)
        found[mark.text] = (grp, mark)
    return found, i


def _lists_parameters(sub: list[Tok], toks: list[Tok], i: int, scope: Scope) -> bool:
    """Whether a subscript lists two or more of the text's layered quantities (`h_{W,b}(x)`,
    UFLDL's hypothesis) before an argument: the parameters a function depends on, not
    indices."""
    names = [t.text for t in _strip_group(sub)]
    if not (i < len(toks) and toks[i].text in ("(", "\\left")) or len(names) < 3:
        return False
    if any(n != "," for n in names[1::2]):
        return False
    quantities = scope.notation.quantities
    return all(n in quantities and quantities[n].layers for n in names[0::2])


def _drop_tags(toks: list[Tok], scope: Scope) -> list[Tok]:
    """A cell without its equation number `\\tag 2` / `\\tag{2}` (LaTeX puts it at the margin)."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        if toks[k].text in ("\\tag", "\\tag*", "\\label") and k + 1 < len(toks):
            _, k = _group(toks, k + 1, scope)
            continue
        if toks[k].text in ("\\nonumber", "\\notag"):
            k += 1
            continue
        out.append(toks[k])
        k += 1
    return out
