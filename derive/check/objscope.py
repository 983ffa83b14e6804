"""Which formulas of a text are a standalone objective in matrix form or a gradient of one,
and what each gradient row is checked against (derive.check.objectives checks them).

An objective is a display row `F(A; s) = <matrix expression>` (derive.vecparse.objectives
reads it), or, in a section whose prose asks for the gradient of an expression only inline
(`we want $\\nabla_W \\lVert W^TWx - x \\rVert_2^2$`) and whose displays write `\\nabla_W F`,
that expression. A gradient row is `\\nabla_V F = ...` in the objective's section. A variable
written both plain and transposed (a tied weight, `W^TWx`) has two instances: `\\nabla_{W^T} F`
is the gradient by the occurrences written `W^T` (a matrix of their own), and a
`\\nabla_W F` written before the formula that adds the instances' gradients
(`\\nabla_W F = \\nabla_W F + (\\nabla_{W^T} F)^T`) is the one by the occurrences written `W`,
as texts that derive a tied weight's gradient by backpropagation write them."""

from __future__ import annotations

from dataclasses import dataclass, field

from derive.check.objshapes import sizes_for
from derive.document import Document, Formula
from derive.vecparse.objectives import (
    NotRead,
    Row,
    T,
    Var,
    children,
    definition_of,
    gradient_of,
    letters,
    parse,
    rows,
)


@dataclass
class Objective:
    name: str
    args: tuple[str, ...]
    tree: object
    formula: Formula
    row: Row


@dataclass
class Found:
    objectives: list[Objective] = field(default_factory=list)
    claimed: dict[int, list[Row]] = field(default_factory=dict)  # formula number -> rows


def _objective(formula: Formula) -> tuple[Objective | None, list[Row]]:
    try:
        rs = rows(formula)
    except NotRead:
        return None, []
    if len(rs) != 1 or len(rs[0].steps) != 1:
        return None, rs
    head = definition_of(rs[0].lhs)
    if head is None:
        return None, rs
    try:
        tree = parse(rs[0].steps[0])
        sizes_for([tree], scalar=tree)
    except NotRead:
        return None, rs
    if not set(head[1]) & letters(tree):
        return None, rs
    return Objective(head[0], head[1], tree, formula, rs[0]), rs


def find(doc: Document) -> Found:
    """The objectives the display formulas define and the formulas that write their
    gradients (`\\nabla_V F` on the first row's left side, F an objective of the text); an
    objective a section's prose names only inline (`we want $\\nabla_W \\lVert W^TWx - x
    \\rVert_2^2$`) is the section's F when its display formulas write `\\nabla_W F`."""
    found = Found()
    if "quantities" in doc.front:
        return found
    read = [(f, *_objective(f)) for f in doc.formulas]
    names = {o.name for _f, o, _r in read if o is not None}
    for f, obj, rs in read:
        if obj is not None:
            found.objectives.append(obj)
            found.claimed[f.number] = rs
            continue
        head = gradient_of(rs[0].lhs) if rs else None
        inline = _inline(doc, f, head) if head is not None else None
        if head is not None and (head[2] in names or inline is not None):
            found.claimed[f.number] = rs
            if inline is not None and inline not in found.objectives:
                found.objectives.append(inline)
    return _alone(doc, found)


def _alone(doc: Document, found: Found) -> Found:
    """The objectives no other formula uses: an objective's name written in a formula that is
    not one of its gradients (`\\frac{\\partial J}{\\partial W_{ij}}` of a network whose loss
    is J) belongs to the text's network, and none of its formulas is read here."""
    used = set()
    for f in doc.formulas:
        if f.number not in found.claimed:
            try:
                used |= {t.text for r in rows(f) for side in (r.lhs, *r.steps) for t in side
                         if t.kind == "letter"}
            except NotRead:
                continue
    keep = [o for o in found.objectives if o.name not in used]
    if len(keep) == len(found.objectives):
        return found
    names = {o.name for o in keep}
    claimed = {}
    for number, rs in found.claimed.items():
        head = gradient_of(rs[0].lhs) if rs and rs[0].lhs else None
        definition = definition_of(rs[0].lhs) if rs and rs[0].lhs else None
        name = head[2] if head else definition[0] if definition else None
        if name in names:
            claimed[number] = rs
    return Found(keep, claimed)


def _inline(doc: Document, f: Formula, head) -> Objective | None:
    """`$\\nabla_W \\lVert W^TWx - x \\rVert_2^2$` in the prose of f's section, before it:
    the objective named `head[2]` there, when the section defines none in a display."""
    if any(g.section == f.section and g.line < f.line and _objective(g)[0] is not None
           for g in doc.formulas):
        return None
    for g in doc.inline:
        if g.section != f.section or g.line > f.line:
            continue
        try:
            rs = rows(g)
        except NotRead:
            continue
        toks = rs[0].lhs if len(rs) == 1 and not rs[0].steps else ()
        if len(toks) < 4 or toks[0].text != "\\nabla" or toks[1].text != "_":
            continue
        k = 3 if toks[2].text != "{" else 5
        if toks[2].text == "{" and (len(toks) < 6 or toks[4].text != "}"):
            continue
        var = toks[3 if toks[2].text == "{" else 2].text
        try:
            tree = parse(toks[k:])
            sizes_for([tree], scalar=tree)
        except NotRead:
            continue
        if var == head[0] and var in letters(tree):
            row = Row(rs[0].line, rs[0].col, (), (), g.text[toks[k].start:toks[-1].end])
            return Objective(head[2], (var,), tree, g, row)
    return None


@dataclass
class Target:
    """What a gradient row is checked against: the objective, the variable, and which of its
    instances ("T": the occurrences written `V^T`; "plain": the others; None: all)."""

    obj: Objective
    var: str
    instance: str | None = None

    @property
    def label(self) -> str:
        if self.instance == "T":
            return f"∇_{{{self.var}^T}} {self.obj.name} (by the occurrences written {self.var}^T)"
        if self.instance == "plain":
            return (f"∇_{self.var} {self.obj.name} by the occurrences written {self.var} (one "
                    f"instance; those written {self.var}^T held fixed)")
        return f"∇_{self.var} {self.obj.name}"


def in_scope(doc: Document, objectives: list[Objective], f: Formula, head) -> Target | str:
    """What a gradient row of `f` is checked against, or why it is not."""
    var, transposed, name = head
    before = [o for o in objectives if o.name == name and o.formula.line < f.line]
    mine = [o for o in before if f.section[:len(o.formula.section)] == o.formula.section]
    if not mine:
        other = (before or [o for o in objectives if o.name == name])[0]
        return (f"{name} is defined at line {other.formula.line}, in another section "
                f"({' / '.join(other.formula.section) or 'none'}), as {other.row.latex}; "
                "this section does not define it, so the gradient is not checked")
    obj = mine[-1]
    if var not in letters(obj.tree):
        return (f"{var} is not a variable of {obj.row.latex} (line {obj.formula.line}): the "
                f"gradient by {var} is not checked")
    if transposed:
        if not _both(obj.tree, var):
            return (f"{var} is not written both as {var} and as {var}^T in {obj.row.latex}: "
                    f"the gradient by {var}^T is not checked")
        return Target(obj, var, "T")
    instances = _instances(doc, f, obj, var)
    if instances == "ambiguous":
        return (f"{var} is written both as {var} and as {var}^T in {obj.row.latex} and the "
                f"section writes the gradient by {var}^T (one instance), but no formula adds "
                f"the instances' gradients: whether this ∇_{var} {obj.name} is the whole "
                "gradient or one instance's is not said, so it is not checked")
    return Target(obj, var, instances)


def _instances(doc: Document, f: Formula, obj: Objective, var: str) -> str | None:
    """"plain" when f's `\\nabla_V F` is by one instance of a tied V: the objective writes V
    and V^T, the section writes `\\nabla_{V^T} F`, and a later formula adds the instances'
    gradients (`\\nabla_V F = \\nabla_V F + (\\nabla_{V^T} F)^T`); "ambiguous" when no formula
    adds them; None otherwise (the whole gradient)."""
    if not _both(obj.tree, var):
        return None
    later = [g for g in doc.formulas if g.section == f.section]
    adds = [g for g in later if _adds(g, var, obj.name)]
    tied = any(_heads(g) == (var, True, obj.name) for g in later)
    if tied and adds and f.line < adds[0].line:
        return "plain"
    if tied and not adds:
        return "ambiguous"
    return None


def _heads(g: Formula):
    try:
        rs = rows(g)
    except NotRead:
        return None
    return gradient_of(rs[0].lhs) if rs and rs[0].lhs else None


def _adds(g: Formula, var: str, name: str) -> bool:
    """Whether a formula's steps write the gradient by V again (the instances added)."""
    try:
        rs = rows(g)
    except NotRead:
        return False
    return bool(rs) and _heads(g) == (var, False, name) and any(
        t.text == "\\nabla" for r in rs for s in r.steps for t in s)


def _both(node, var: str, under_t: bool = False) -> bool:
    """Whether `var` is written both plain and transposed in the tree."""
    seen: set[bool] = set()

    def walk(n, t: bool) -> None:
        if isinstance(n, Var) and n.name == var:
            seen.add(t)
        for c in children(n):
            walk(c, isinstance(n, T) and isinstance(c, Var))
    walk(node, under_t)
    return seen == {True, False}


