"""Networks whose layers are named by letters (`h = \\tanh(W x + b)`, `o = V h + c`, `\\hat{y} =
\\mathrm{softmax}(o)`, no layer tag anywhere): what only the shapes of their vector form tell,
read once derive.infer.vectors has read them: the softmax a text applies to a whole vector and
never defines, and the labels its loss compares the output with."""

from __future__ import annotations

from typing import Any

from derive.infer.inferred import Inferred
from derive.infer.scan import Row
from derive.latex import VECTOR_FUNCTIONS


def assumed_softmax(fn: str, occs: list, shapes: dict[str, Any], used: set[str],  # type: ignore[type-arg]
             args: int) -> tuple[str, str] | None:
    """The softmax assumed for `fn` applied (with `args` arguments) to a vector of one index
    whose size is read, in letters no name of the text uses, and its fact; None without one."""
    vec = next((o.args[0] for o in occs if o.name == fn and len(o.args) == args
                and len(shapes.get(o.args[0], {}).get("shape", [])) == 1), None)
    free = [v for v in ("j", "k", "c", "i", "r", "s") if v not in used]
    if vec is None or len(free) < 2:
        return None
    j, k, size = free[0], free[1], shapes[vec]["shape"][0]
    text = (f"{fn}(\\mathbf{{{vec}}}, {j}) = \\frac{{\\exp({vec}_{j})}}"
            f"{{\\sum_{{{k}=1}}^{{{size}}} \\exp({vec}_{k})}}")
    return text, (f"${fn}(\\mathbf{{{vec}}})_{j}$ taken as the softmax ${text}$: the text uses it "
                  "without defining it")


def whole_softmax(out: Inferred, rows: list[Row]) -> None:
    """`\\hat{y} = \\mathrm{softmax}(o)` in a text that never defines the softmax nor writes
    its entries, `o` a vector only its vector form shapes: the softmax over o's entries, once
    the shapes are read (derive.infer.vectors)."""
    functions = out.front.get("functions", {})
    occs = [o for r in rows for o in r.occs]
    used = {o.name for o in occs}
    for fn in sorted(functions):
        if (fn not in VECTOR_FUNCTIONS or fn in out.defined or functions[fn] != 2
                or any(a.startswith(fn + "(") for a in out.assumed)):
            continue
        found = assumed_softmax(fn, occs, out.front.get("quantities", {}), used, 1)
        if found is not None:
            out.assumed += (found[0],)
            out.facts = [f for f in out.facts if not f.startswith(f"${fn}$ a function of")]
            out.facts.append(found[1])


def letter_labels(out: Inferred, rows: list[Row]) -> None:
    """In a network of letters (no layer tags), the labels its loss compares the output with
    (`y` in `L = -y^\\top \\log \\hat{y}`), known only once the vector form shaped it: the
    one given vector the loss's definition reads."""
    roles, qs = out.front.get("roles", {}), out.front.get("quantities", {})
    loss = roles.get("loss")
    if loss is None or "labels" in roles or any("layers" in q for q in qs.values()):
        return
    found = {o.name for r in rows if [o.name for o in r.occs if o.side == 0] == [loss]
             for o in r.occs if o.side >= 1 and qs.get(o.name, {}).get("given")
             and len(qs[o.name].get("shape", ())) == 1}
    if len(found) == 1:
        roles["labels"] = found.pop()
