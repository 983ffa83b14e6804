"""Activations and losses the prose names: "For the final layer with sigmoid activation and
binary cross-entropy loss", "For ReLU activation in hidden layers".

Notes in vector form often write the forward pass of one layer (`z^L = W^L a^{L-1} + b^L`) and
state the rest in words: which activation the output layer applies, which one the hidden layers
apply, which loss the output is scored with. The derivation then differentiates `a^L` and the
loss without a formula for either, and writes `\\hat{y} - y` for their gradient.

When the text differentiates an activation it never defines (the quantity its defined
pre-activation reads at the layer before), and a sentence of its prose names an activation the
registry knows (sigmoid, ReLU, tanh) together with the output layer ("final", "output", "last
layer") or the hidden layers, that activation is read as the layer's definition, element-wise:
`a^L = \\sigma(z^L)` for the output layer, `a^l = \\mathrm{ReLU}(z^l)` for the others. A loss the
text differentiates and never defines, named in a sentence (binary cross-entropy, cross-entropy,
squared error), is read as that loss of the output activation and a label `y`; `\\hat{y}`, never
defined, is the output activation. Each reading is a fact of the "read as" summary, with the
line of the sentence it is taken from. Nothing is read from the prose but these names.

Nothing is read unless the output layer's activation is named: the hidden layers' alone would
stand for the output layer's too. When the text's only layer symbol is a capital letter never
written above itself (`L`, `L-1`, `L-2`), that symbol is the last layer: its forward definition,
written for that layer only, is read for every layer in a layer variable of the tool's (`l`), as
the text uses it at `L-1` too. A function name the text uses otherwise (`\\sigma` for a scalar)
is spelled as the registry's upright name (`\\mathrm{sigmoid}`).

The definitions are derive's own LaTeX (`Prose.latex`), read by the inference as rows before the
text's and added to the model before its first formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from derive.infer.scan import _DEFINE, Row, Tok, _rows
from derive.sources.document import Document, Formula

# the activations a sentence may name: the word, what the reader is told, the registry's LaTeX
_ACTIVATIONS = (
    (re.compile(r"\b(?:sigmoid|logistic)\b", re.I), "the logistic sigmoid", "\\sigma"),
    (re.compile(r"\bReLUs?\b|\brectified linear", re.I), "ReLU", "\\mathrm{ReLU}"),
    (re.compile(r"\btanh\b|\bhyperbolic tangent", re.I), "tanh", "\\tanh"),
)
_UPRIGHT = {"\\sigma": "\\mathrm{sigmoid}", "\\mathrm{ReLU}": "\\mathrm{relu}",
            "\\tanh": "\\mathrm{tanh}"}
_OUTPUT = re.compile(r"\b(?:final|output|last|top)\s+layers?\b|\boutput\s+(?:units?|neurons?)\b",
                     re.I)
_HIDDEN = re.compile(r"\bhidden\s+(?:layers?|units?|neurons?)\b", re.I)
# losses: the words, what the reader is told, the loss in vector form and by entries
# ({a}: the output activation, {y}: the label, {j}: an index)
_LOSSES = (
    (re.compile(r"\bbinary\s+cross[- ]?entropy\b|\blog[- ]loss\b", re.I),
     "the binary cross-entropy",
     "-\\left( {y}^T \\log({a}) + (1 - {y})^T \\log(1 - {a}) \\right)",
     "-\\sum_{{{j}}} \\left( {y}_{{{j}}} \\log({a}_{{{j}}}) + (1 - {y}_{{{j}}}) "
     "\\log(1 - {a}_{{{j}}}) \\right)"),
    (re.compile(r"(?<!binary )\bcross[- ]?entropy\b", re.I), "the cross-entropy",
     "-{y}^T \\log({a})", "-\\sum_{{{j}}} {y}_{{{j}}} \\log({a}_{{{j}}})"),
    (re.compile(r"\b(?:sum\s+of\s+)?squared[- ](?:error|loss)\b|\bquadratic\s+(?:loss|cost)\b",
                re.I), "the squared error with its factor 1/2",
     "\\frac{{1}}{{2}} \\|{a} - {y}\\|^2",
     "\\frac{{1}}{{2}} \\sum_{{{j}}} ({a}_{{{j}}} - {y}_{{{j}}})^2"),
)
_TAGS = {"sup": "^{{{}}}", "paren": "^{{({})}}", "bracket": "^{{[{}]}}"}
_LAYER_VARIABLES = ("l", "k", "m", "\\ell")


@dataclass(frozen=True)
class Named:
    """A name the prose gives: an activation of a layer, or the loss, at a line."""

    what: str  # "output", "hidden", "loss"
    words: str  # what the reader is told: "ReLU", "the binary cross-entropy"
    latex: str  # the registry's spelling, or the loss in vector form
    line: int
    entries: str = ""  # the loss by entries


@dataclass(frozen=True)
class Prose:
    """The definitions read from the prose, in derive's LaTeX with the line each rests on."""

    latex: tuple[tuple[int, str], ...]
    facts: tuple[str, ...]


def named_in_prose(doc: Document) -> list[Named]:
    """What the prose's sentences name, the first of each kind (outside formulas and code)."""
    found: dict[str, Named] = {}
    for line, sentence in _sentences(doc):
        acts = [(words, latex) for pattern, words, latex in _ACTIVATIONS
                if pattern.search(sentence)]
        layers = [(what, layer) for what, layer in (("output", _OUTPUT), ("hidden", _HIDDEN))
                  if layer.search(sentence)]
        # two activations, or two kinds of layer, in one sentence: which has which is unsaid
        if len(acts) == 1 and len(layers) == 1:
            words, latex = acts[0]
            for what, _ in layers:
                if what not in found:
                    found[what] = Named(what, words, latex, line)
        for pattern, words, vector, entries in _LOSSES:
            if pattern.search(sentence) and "loss" not in found:
                found["loss"] = Named("loss", words, vector, line, entries)
    return list(found.values())


def _sentences(doc: Document) -> list[tuple[int, str]]:
    """The prose's sentences with the line each starts on: lines outside display formulas and
    code fences, joined in paragraphs, split after a full stop."""
    if doc.format == "notebook":
        return []  # its lines are JSON, code cells among them
    inside: set[int] = set()
    inline = {g.line_starts[0][1:] for g in doc.inline if g.line_starts}
    for f in doc.formulas:
        if f.line_starts and f.line_starts[0][1:] in inline:
            continue  # a sentence's `$p_k = ...$` taken as a definition: still the sentence's
        last = max(line for _, line, _ in f.line_starts)
        inside.update(range(f.line - 1, last + 2))  # the delimiters' lines too
    out: list[tuple[int, str]] = []
    fence = False
    para: list[tuple[int, str]] = []
    for n, text in enumerate(doc.lines, start=1):
        if text.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence or n in inside or not text.strip() or text.lstrip().startswith("#"):
            out += _split(para)
            para = []
            continue
        para.append((n, text.strip()))
    return out + _split(para)


def _split(para: list[tuple[int, str]]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for n, text in para:
        for k, piece in enumerate(re.split(r"(?<=[.!?;])\s+", text)):
            if k == 0 and out and not re.search(r"[.!?;]$", out[-1][1]):
                out[-1] = (out[-1][0], out[-1][1] + " " + piece)
            else:
                out.append((n, piece))
    return out


def prose_definitions(doc: Document, rows: list[Row], front: dict, defined: dict[str, int],
                      layer_var: str | None) -> Prose | None:
    """The definitions the prose names for the text's undefined activation and loss (see the
    module's docstring); None when it names none the text needs."""
    named = {n.what: n for n in named_in_prose(doc)}
    if "output" not in named or layer_var is None:
        return None  # the hidden layers' activation alone would stand for the output's too
    quantities = front.get("quantities", {})
    pair = _activation(rows, quantities, defined)
    if pair is None:
        return None
    act, pre = pair
    functions = front.get("functions", {})
    names = {o.name for r in rows for o in r.occs}
    for what, n in named.items():  # σ the text uses for something else: \mathrm{sigmoid}
        if what != "loss" and n.latex in names and n.latex not in functions:
            named[what] = replace(n, latex=_UPRIGHT[n.latex])
    tag = _TAGS.get(quantities[act].get("tag", "sup"), "^{{{}}}")
    used = {o.name for r in rows for o in r.occs} | {t.text for r in rows for s in r.sides
                                                       for t in s if t.kind == "letter"}
    last, var, facts = _layers(rows, named, front, layer_var, used)
    if last is None or var is None:
        return None
    out: list[tuple[int, str]] = []
    if var != layer_var:  # the text's symbol is the last layer: its forward pass for every layer
        general = _generalised(rows, pre, layer_var, var, defined)
        if general is None:
            return None
        out.append(general)
        facts.append(f"line {general[0]}: ${pre}$'s definition, written for the last layer "
                     f"${layer_var}$ only, read for every layer: ${general[1]}$")
    n = named["output"]
    output = f"{act}{tag.format(last)}"
    out.append((n.line, f"{output} = {n.latex}({pre}{tag.format(last)})"))
    facts.append(f"line {n.line}: the prose names the output layer's activation ({n.words}): "
                 f"${out[-1][1]}$, taken from the prose, not defined in the text")
    if "hidden" in named:
        h = named["hidden"]
        out.append((h.line, f"{act}{tag.format(var)} = {h.latex}({pre}{tag.format(var)})"))
        facts.append(f"line {h.line}: the prose names the hidden layers' activation "
                     f"({h.words}): ${out[-1][1]}$ in every layer but the last, taken from the "
                     "prose, not defined in the text")
    out += _loss(rows, named.get("loss"), front, defined, output, used, facts)
    alias = _prediction(rows, output, used, defined)
    if alias is not None:
        out.append((n.line, alias))
        facts.append(f"$\\hat{{y}}$, never defined, read as the output layer's activation "
                     f"${output}$ (the prose names the output layer at line {n.line})")
    return Prose(tuple(out), tuple(facts))


def _prediction(rows: list[Row], output: str, used: set[str],
                defined: dict[str, int]) -> str | None:
    """`\\hat{y} = a^L` (by entries `\\hat{y}_{j} = a^{L}_{j}`) when the text writes
    `\\hat{y}` and never defines it; None otherwise."""
    uses = [o for r in rows for o in r.occs if o.name == "\\hat{y}"]
    if not uses or "\\hat{y}" in defined or any(o.sup for o in uses):
        return None
    if not any(o.sub for o in uses):
        return f"\\hat{{y}} = {output}"
    j = next((v for v in ("j", "i", "k", "c") if v not in used), None)
    return None if j is None else f"\\hat{{y}}_{{{j}}} = {output}_{{{j}}}"


def _activation(rows: list[Row], quantities: dict,
                defined: dict[str, int]) -> tuple[str, str] | None:
    """(a, z): a layer quantity the text differentiates by a defined one (`\\partial a^L /
    \\partial z^L`) and never defines, which that one's definition reads."""
    for r in rows:
        num = [o for o in r.occs if o.after_partial == "num" and o.name in quantities]
        den = [o for o in r.occs if o.after_partial == "den" and o.name in quantities]
        for a in num:
            for z in den:
                if (a.name not in defined and z.name in defined and a.name != z.name
                        and "layers" in quantities[a.name] and _reads(rows, z.name, a.name)):
                    return a.name, z.name
    return None


def _reads(rows: list[Row], z: str, a: str) -> bool:
    return any(r.relation in _DEFINE and r.occs and r.occs[0].name == z and r.occs[0].side == 0
               and any(o.name == a and o.side == 1 for o in r.occs) for r in rows)


def _offsets(rows: list[Row], symbol: str) -> set[int]:
    """The offsets the text writes a layer symbol at (`L-1`: -1)."""
    return {o.tag[1][0] for r in rows for o in r.occs if o.tag is not None
            and o.tag[1] is not None and o.tag[2] == symbol}


def _layers(rows: list[Row], named: dict[str, Named], front: dict, layer_var: str,
            used: set[str]) -> tuple[str | None, str | None, list[str]]:
    """The symbol of the last layer and the layer variable the definitions are written in."""
    depth = front.get("roles", {}).get("layers")
    offsets = _offsets(rows, layer_var)
    # a capital letter, as the number of layers is named, never written above itself
    if (len(layer_var) == 1 and layer_var.isupper() and offsets and max(offsets) == 0
            and depth not in used):
        var = next((v for v in _LAYER_VARIABLES if v not in used), None)
        if var is None:
            return None, None, []
        line = named["output"].line
        return layer_var, var, [
            f"${layer_var}$ read as the last layer: the text writes it only as ${layer_var}$ and "
            f"below, and the prose names the output layer (line {line}); the tool's layer "
            f"variable is ${var}$"]
    if depth in used:  # the text has both: l and L
        return depth, layer_var, []
    return None, None, []


def _generalised(rows: list[Row], pre: str, last: str, var: str,
                 defined: dict[str, int]) -> tuple[int, str] | None:
    """The pre-activation's definition at the last layer, rewritten in the layer variable."""
    line = defined.get(pre)
    row = next((r for r in rows if r.formula.line == line and r.occs and r.occs[0].name == pre
                and r.relation in _DEFINE and len(r.sides) == 2), None)
    if row is None:
        return None
    sides = [_retag(s, last, var) for s in row.sides]
    return row.formula.line, f"{sides[0]} {row.relation} {sides[1]}"


def _retag(toks: list[Tok], last: str, var: str) -> str:
    """The tokens as text, the layer symbol inside a superscript replaced by the variable."""
    out: list[str] = []
    depth = 0  # inside a superscript group, how deep
    script = False
    for t in toks:
        text = t.text
        if script and text == "{":
            depth += 1
        elif depth and text == "{":
            depth += 1
        elif depth and text == "}":
            depth -= 1
        if (script or depth) and t.kind == "letter" and text == last:
            text = var
        script = t.text == "^"
        # a space only where TeX needs one: after a command, before a letter
        gap = bool(out) and out[-1][:1] == "\\" and out[-1][1:].isalpha() and text[:1].isalnum()
        out.append((" " if gap else "") + text)
    return "".join(out)


def _loss(rows: list[Row], named: Named | None, front: dict, defined: dict[str, int],
          output: str, used: set[str], facts: list[str]) -> list[tuple[int, str]]:
    """The loss named in the prose, of the output activation and the label `y`."""
    loss = front.get("roles", {}).get("loss")
    label = front.get("quantities", {}).get("y")
    if named is None or loss is None or loss in defined or "y" in defined or (
            label is not None and (not label.get("given") or "layers" in label)):
        return []  # y is the text's label, given, or a name the text does not use
    if any(o.name == loss and (o.sub or o.sup or o.call) for r in rows for o in r.occs):
        return []  # a loss per sample or with arguments: not this reading
    vector, entries = named.latex, named.entries
    act = output.split("^")[0]
    by_entries = any(o.name == act and o.sub for r in rows for o in r.occs)
    j = next((v for v in ("j", "i", "k", "c") if v not in used), None)
    if by_entries and j is None:
        return []
    body = (entries if by_entries else vector).format(a=output, y="y", j=j)
    facts.append(f"line {named.line}: ${loss}$ read as {named.words} the prose names, "
                 f"${loss} = {body}$, of the output ${output}$ and the label $y$: taken from "
                 "the prose, not defined in the text")
    return [(named.line, f"{loss} = {body}")]


def prose_formulas(doc: Document, prose: Prose) -> list[Formula]:
    """The definitions as formulas of their own at their lines (for the inference: never
    reported; the check adds them to the model)."""
    lines = doc.formulas[0].lines if doc.formulas else doc.lines
    return [Formula(-1000 - k, doc.file, text, ((0, line, 1),), lines, ())
            for k, (line, text) in enumerate(prose.latex)]


def prose_rows(doc: Document, prose: Prose) -> list[Row]:
    return [r for f in prose_formulas(doc, prose) for r in _rows(f)]

