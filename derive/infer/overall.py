"""The overall cost beside one sample's, under one name (UFLDL): `J(W,b;x,y)` is the cost of
the sample `(x, y)` (the sample after the `;`), `J(W,b)` the overall cost of the training set,
the mean of the samples' costs with weight decay. The two are read as two quantities: the uses
without a sample are renamed `\\bar{J}` (`roles.overall`), a quantity of its own whose
definition the text gives (a mean over the samples plus weight decay), and the parser reads
`J(W,b)` as it. Where the second name cannot be made (the text writes `\\bar{J}` itself), the
rows that use the overall cost are not read as such (said, with the reason), rather than
checked as if the two were one. Nothing is evaluated here.
"""

from __future__ import annotations

import re

from derive.infer.scan import Row, _call_args, _name_at, _scripts, _single_name
from derive.latex import Tok


def _calls(toks: list[Tok], name: str) -> list[bool]:
    """For each application of `name` in the tokens, whether its arguments hold a `;`."""
    return [semi for semi, _params in _applications(toks, name)]


def _applications(toks: list[Tok], name: str) -> list[tuple[bool, str]]:
    """For each application of `name` in the tokens, whether its arguments hold a `;`, and
    the arguments before it (all of them without one), as text: `W,b` in `J(W,b;x,y)`."""
    out: list[tuple[bool, str]] = []
    i = 0
    while i < len(toks):
        found, j = _name_at(toks, i)
        if found != name:
            i = max(j, i + 1)
            continue
        _sup, _sub, _prime, j = _scripts(toks, j)
        call = _call_args(toks, j)
        if call is not None:
            depth, semi, params = 0, False, []
            for t in toks[j:call[1]]:
                depth += (t.text == "(") - (t.text == ")")
                semi = semi or (t.text == ";" and depth == 1)
                if not semi and depth >= 1 and t.text not in ("\\left", "\\right"):
                    params.append(t.text)
            out.append((semi, "".join(params[1:]).removesuffix(")")))
            j = call[1]
        i = j
    return out


def overall_name(loss: str) -> str | None:
    """The name the overall cost is read under beside the loss `loss`: `\\bar{J}`."""
    return f"\\bar{{{loss}}}" if re.fullmatch(r"[A-Za-z]|\\[A-Za-z]+", loss) else None


def split_overall(rows: list[Row]) -> str | None:
    """When one name is applied both with a sample (`J(W,b;x,y)`) and without one (`J(W,b)`),
    its uses without a sample are renamed to the overall cost's own name (`\\bar{J}`), in
    place; that name, or None (no such name, or the text writes the new name itself)."""
    with_sample: dict[str, set[str]] = {}
    without: dict[str, set[str]] = {}
    for r in rows:
        for side in r.sides:
            for name in {o.name for o in r.occs if o.call}:
                for semi, params in _applications(side, name):
                    (with_sample if semi else without).setdefault(name, set()).add(params)
    # the same parameters with and without the sample (J(W,b;x,y) and J(W,b)): not J(z)
    both = sorted(n for n in with_sample.keys() & without.keys() if without[n] <= with_sample[n])
    if len(both) != 1:
        return None
    loss, twin = both[0], overall_name(both[0])
    if twin is None or any(o.name == twin for r in rows for o in r.occs):
        return None
    for r in rows:
        for k, side in enumerate(r.sides):
            semis = iter(_calls(side, loss))
            for o in r.occs:
                if o.side == k and o.name == loss and o.call and not next(semis, True):
                    o.name = twin
    return twin


def _update(r: Row, loss: str | None) -> bool:
    """`W = W - \\alpha \\frac{\\partial}{\\partial W} J(W, b)`: an update of a parameter,
    whose check does not rest on what the cost is."""
    head = next((o.name for o in r.occs if o.side == 0), None)
    return (_single_name(r.sides[0]) and head != loss
            and any(o.side >= 1 and o.name == head for o in r.occs))


def overall_cost_rows(rows: list[Row], loss: str | None) -> dict[tuple[int, int], str]:
    """The rows (other than updates) that write the loss with arguments and no sample
    (`J(W,b)`) in a text that also writes it with a sample (`J(W,b;x,y)`), each with why it
    is not read."""
    if not loss:
        return {}
    uses = {(r.formula.number, r.number): [c for side in r.sides for c in _calls(side, loss)]
            for r in rows}
    if not any(any(u) for u in uses.values()):
        return {}
    why = (f"${loss}$ is written both for one sample (with the sample after `;`, as in "
           f"${loss}(W,b;x,y)$) and without one (the overall cost, as in ${loss}(W,b)$): two "
           "quantities under one name, which the tool does not read apart; it reads "
           f"${loss}$ as one sample's cost, and this row uses the overall cost (name the "
           "overall cost otherwise to have it checked)")
    return {(r.formula.number, r.number): why for r in rows
            if not all(uses[(r.formula.number, r.number)]) and not _update(r, loss)}


def accumulator_rows(rows: list[Row], quantities: dict) -> dict[tuple[int, int], str]:  # type: ignore[type-arg]
    """The updates that write `\\Delta W^{(l)}` (UFLDL's accumulated change of a layered
    quantity, one name: the text says it is not Delta times W), each with why it is not read.
    Not when the text makes `\\Delta` a quantity of its own."""
    if "\\Delta" in quantities:
        return {}
    out: dict[tuple[int, int], str] = {}
    for r in rows:
        if not _update(r, None):  # W = W - \alpha \Delta W: not \Delta C \approx ... (a change)
            continue
        toks = [t for side in r.sides for t in side]
        for t, nxt in zip(toks, toks[1:]):
            name = _name_at([nxt], 0)[0]
            if t.text == "\\Delta" and name is not None and "layers" in quantities.get(name, {}):
                out[(r.formula.number, r.number)] = (
                    f"$\\Delta {name}$ reads as one name (an accumulated change of ${name}$), "
                    f"not $\\Delta$ times ${name}$: such names are not read, so this row is not "
                    "checked")
                break
    return out


def read_overall(out: object, overall: str) -> None:
    """The overall cost read as a quantity of its own (`roles.overall`), and said."""
    loss = overall[len("\\bar{"):-1]
    out.front.setdefault("roles", {})["overall"] = overall  # type: ignore[attr-defined]
    out.facts.append(  # type: ignore[attr-defined]
        f"${loss}$ is written both for one sample (with the sample after `;`, as in "
        f"${loss}(W,b;x,y)$) and without one: the overall cost, as in ${loss}(W,b)$, is read "
        f"as a quantity of its own, called ${overall}$ in what the tool says (to say "
        "otherwise: roles.overall)")
