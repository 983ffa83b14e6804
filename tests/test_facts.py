"""The "read as" summary says every inferred fact the verdicts rest on, true and short (issue 10),
on documents of our own (tests/data/facts/), each in two spellings, once correct and once with
planted slips:

* `named-sizes*.md`: a network without layer tags whose sizes have names (`N`, `M`, `P`; and
  `n_x`, `n_h`, `n_y`): the shapes are written in those names (`A`: M x N), the inputs it
  differentiates by are parameters (a text of one example), the summary says the sizes are the
  text's and never "no layer widths" beside them;
* `unbounded*.md`: sums written without bounds (`\\sum_k`, `\\sum_r`), said with the range each
  takes (the range of its index where it is used), `\\log` said as the natural logarithm (and
  `\\ln` needs no word).

The correct copies verify; each slip is refuted at its line with its diagnosis. The notation
read with sizes in shapes is also written as a front matter, which reads back the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.check import check_file, collect_model
from derive.errors import InputError
from derive.infer.logs import merged
from derive.notation import notation_from_front
from derive.results import Status
from tests.conftest import assert_slips_caught, assert_verdicts

DATA = Path(__file__).parent / "data" / "facts"
D, V = Status.DEFINITION, Status.VERIFIED


def _report(name: str):
    return check_file(DATA / name, f"tests/data/facts/{name}")


def _facts(name: str) -> list[str]:
    return [n.removeprefix("read as: ") for n in _report(name).notes if n.startswith("read as: ")]


# ---- sizes in the text's own names, one-example parameters ----------------------------------

NAMED = {
    "named-sizes.md": {
        "verdicts": [(8, D), (12, D), (16, D), (20, D), (26, V), (30, V), (34, V), (38, V)],
        "slips": [(26, "sign"), (34, "sum bound: $M$ should be $P$")],
        "shapes": {"A": ["M", "N"], "B": ["P", "M"], "d": ["M"], "e": ["P"], "x": ["N"],
                   "t": ["P"], "u": ["M"], "q": ["P"]},
        "parameters": {"A", "B", "d", "e"}, "inputs": {"x", "t"}, "sizes": "(M, N, P)"},
    "named-sizes-sub.md": {
        "verdicts": [(7, D), (11, D), (15, D), (19, D), (25, V), (29, V), (33, V)],
        "slips": [(29, "constant factor"), (33, "sum bound: $n_h$ should be $n_y$")],
        "shapes": {"U": ["n_h", "n_x"], "V": ["n_y", "n_h"], "x": ["n_x"], "y": ["n_y"],
                   "h": ["n_h"], "o": ["n_y"]},
        "parameters": {"V", "b"}, "inputs": {"x", "y", "U", "c"}, "sizes": "(n_h, n_x, n_y)"},
}


@pytest.mark.parametrize("name", list(NAMED))
def test_named_sizes_verdicts(name: str) -> None:
    want = NAMED[name]
    base = _report(name)
    assert_verdicts(base, [(line, s, None) for line, s in want["verdicts"]])
    slips = _report(name.replace(".md", "-slips.md"))
    assert_slips_caught(base, slips, want["slips"])


@pytest.mark.parametrize("name", list(NAMED))
def test_shapes_in_the_texts_names(name: str) -> None:
    n = collect_model(DATA / name).notation
    for q, shape in NAMED[name]["shapes"].items():
        assert list(n.quantities[q].shape) == shape, (q, n.quantities[q].shape)
    for q in NAMED[name]["parameters"]:
        assert n.quantities[q].parameter, q
    for q in NAMED[name]["inputs"]:  # not differentiated by, or the labels: no parameter
        assert not n.quantities[q].parameter, q


@pytest.mark.parametrize("name", list(NAMED))
def test_the_summary_names_the_sizes_and_nothing_else(name: str) -> None:
    facts = _facts(name)
    assert facts[0].startswith("no layer tags: one network, its sizes the text's"), facts[0]
    for size in NAMED[name]["sizes"].strip("()").split(", "):
        assert f"${size}$" in facts[0]
    text = "\n".join(facts)
    assert "no layer widths" not in text and "C_" not in text  # no name of derive's own
    first = next(q for q in NAMED[name]["parameters"] if len(NAMED[name]["shapes"].get(q, [])) == 2)
    rows, cols = NAMED[name]["shapes"][first]
    assert any(f.startswith(f"${first}_{{ij}}$: $i$ in 1..${rows}$, $j$ in 1..${cols}$, given, "
                            "a parameter") for f in facts), facts


def test_the_front_matter_of_named_sizes_reads_back() -> None:
    """What `derive notation` prints for such a text is a front matter that says the same."""
    from derive.check import prepare, read_document

    _doc, inferred = prepare(read_document(DATA / "named-sizes.md", "named-sizes.md"))
    assert inferred is not None
    assert inferred.front["quantities"]["A"]["shape"] == ["M", "N"]
    back = notation_from_front(inferred.front, "named-sizes.md")
    assert back.quantities["A"].dims == (("width", back.aliases["M"]),
                                         ("width", back.aliases["N"]))
    assert back.aliases["M"] != back.aliases["N"]


def test_a_size_of_sizes_in_a_layered_shape_is_an_error() -> None:
    front = {"sizes": {"H": "C_1"},
             "quantities": {"w": {"layers": "1..n-1", "shape": ["H", "C_l"]}}}
    with pytest.raises(InputError, match="a size of `sizes` is the width of one layer"):
        notation_from_front(front, "f.md")
    ok = notation_from_front({"sizes": {"H": "C_1"}, "quantities": {"h": {"shape": ["H"]}}},
                             "f.md")
    assert ok.quantities["h"].dims == (("width", (1, 0, 0)),)


# ---- sums without bounds, and the logarithm --------------------------------------------------

UNBOUNDED = {
    "unbounded.md": {
        "verdicts": [(7, D), (11, D), (15, D), (19, V), (23, V)],
        "slips": [(19, "sign"), (23, "wrong index")],
        "sums": ["$\\sum_{k}$ (line 7) $k$ = 1..$K_{l-1}$ as in $w$",
                 "$\\sum_{j}$ (line 15) $j$ = 1..$K_L$ as in $y$"],
        "log": "line 15: $\\log$ read as the natural logarithm"},
    "unbounded-ln.md": {
        "verdicts": [(6, D), (10, D), (14, D), (18, V), (22, V)],
        "slips": [(18, "wrong index"), (22, "sign")],
        "sums": ["$\\sum_{f}$ (line 6) $f$ = 1..$C_1$ as in $\\theta$",
                 "$\\sum_{r}$ (lines 10, 14) $r$ = 1..$C_n$ as in $s$"],
        "log": None},  # \ln: nothing to choose
}


@pytest.mark.parametrize("name", list(UNBOUNDED))
def test_unbounded_verdicts(name: str) -> None:
    want = UNBOUNDED[name]
    base = _report(name)
    assert_verdicts(base, [(line, s, None) for line, s in want["verdicts"]])
    assert_slips_caught(base, _report(name.replace(".md", "-slips.md")), want["slips"])


@pytest.mark.parametrize("name", list(UNBOUNDED))
def test_unbounded_sums_are_said_with_their_range(name: str) -> None:
    facts = _facts(name)
    said = [f for f in facts if f.startswith("sums written without bounds")]
    assert len(said) == 1, facts  # one fact for every such sum: the summary stays short
    for item in UNBOUNDED[name]["sums"]:
        assert item in said[0], (item, said[0])
    logs = [f for f in facts if "natural logarithm" in f]
    want = UNBOUNDED[name]["log"]
    assert [f.startswith(want) for f in logs] == ([True] if want else []), logs


def test_a_taken_function_is_said_once() -> None:
    """sigma used, never defined: said as taken for the logistic sigmoid, not also as a
    function 'not defined in the text'."""
    facts = _facts("unbounded.md")
    sigma = [f for f in facts if f.startswith("$\\sigma$")]
    assert len(sigma) == 1 and "logistic sigmoid" in sigma[0], sigma


def test_bounded_sums_are_not_said() -> None:
    assert not any(f.startswith("sums written without bounds") for f in _facts("named-sizes.md"))


# ---- facts of several lines said once --------------------------------------------------------

def test_merged_joins_the_lines_of_one_fact() -> None:
    facts = ["a", "line 80: x is y", "b", "line 81: x is y", "line 82: other", "a",
             "line 80: x is y"]
    assert merged(facts) == ["a", "lines 80, 81: x is y", "b", "line 82: other"]
    assert merged([]) == []


# ---- the number of classes the prose names ----------------------------------------------------

CLASSES = {
    "classes.md": {"verdicts": [(7, D), (11, D), (15, D), (19, V), (23, V)],
                   "slips": [(19, "extra term"), (23, "wrong index")], "size": "K",
                   "labels": "y", "classed": ["b", "p", "s", "y"], "weights": ("w", ["K", "C_1"])},
    "classes-zh.md": {"verdicts": [(6, D), (10, D), (14, D), (18, V), (22, V)],
                      "slips": [(18, "sign"), (22, "constant factor")], "size": "M",
                      "labels": "t", "classed": ["\\beta", "o", "q", "t"],
                      "weights": ("\\omega", ["M", "C_1"])},
}


@pytest.mark.parametrize("name", list(CLASSES))
def test_classes_verdicts(name: str) -> None:
    want = CLASSES[name]
    base = _report(name)
    assert_verdicts(base, [(line, s, None) for line, s in want["verdicts"]])
    assert_slips_caught(base, _report(name.replace(".md", "-slips.md")), want["slips"])


@pytest.mark.parametrize("name", list(CLASSES))
def test_the_number_of_classes_the_prose_names(name: str) -> None:
    want = CLASSES[name]
    n = collect_model(DATA / name).notation
    for q in want["classed"]:
        assert list(n.quantities[q].shape) == [want["size"]], (q, n.quantities[q].shape)
    w, shape = want["weights"]
    assert list(n.quantities[w].shape) == shape
    assert n.aliases[want["size"]] != n.aliases.get("C_1")
    facts = _facts(name)
    said = [f for f in facts if f.startswith(f"line 3: ${want['size']}$ read as the number of "
                                             "classes")]
    assert len(said) == 1 and f"labels ${want['labels']}$" in said[0], facts


def test_a_size_a_formula_uses_is_not_taken_from_the_prose(tmp_path: Path) -> None:
    """`$K$ classes` beside a formula that uses K as a number of its own: the formula's K."""
    text = (DATA / "classes.md").read_text(encoding="utf-8").replace(
        "$$\nL = - \\sum_k y_k \\log p_k\n$$", "$$\nL = - K \\sum_k y_k \\log p_k\n$$")
    assert "- K \\sum_k" in text
    path = tmp_path / "k.md"
    path.write_text(text, encoding="utf-8")
    n = collect_model(path).notation
    assert "K" not in n.aliases and list(n.quantities["y"].shape) != ["K"]


# ---- the units' letters say their layers (Bishop) --------------------------------------------

@pytest.mark.parametrize("path", ["bishop_letters/sigmoid-biases.md",
                                  "conventions/bishop.ipynb"])
def test_the_letters_layers_are_said(path: str) -> None:
    full = DATA.parent / path
    notes = check_file(full, path).notes
    said = [n for n in notes if "their index letter says the layer" in n]
    assert len(said) == 1, notes
    assert "($i$ the input, layer 0; $j$ layer 1; $k$ the output, layer 2)" in said[0]


def test_no_letters_fact_where_the_text_writes_the_tags() -> None:
    notes = check_file(DATA / "unbounded.md", "unbounded.md").notes
    assert not any("index letter says the layer" in n for n in notes)
    relu = check_file(DATA.parent / "letter_layers" / "relu.md", "relu.md").notes
    # its sizes are read from the vector form, after the summary: said as derive's, not the text's
    assert ("read as: no layer tags: one network; sizes the text does not name are called $C_1$, "
            "$C_2$ here (to name one: sizes.NAME = \"C_1\")") in relu, relu


def test_each_function_and_the_loss_said_once(tmp_path: Path) -> None:
    """A function that gets a stand-in, and a loss never defined, each get one fact (the
    stand-in's), not also a line saying it is not defined; the registry's softmax is derive's."""
    path = tmp_path / "g.md"
    path.write_text("# g\n\n$$\nz_j = \\sum_{k=1}^{N} w_{jk} x_k\n$$\n\n$$\na_j = g(z_j)\n$$\n\n"
                    "$$\n\\frac{\\partial J}{\\partial z_j} = \\frac{\\partial J}{\\partial a_j} "
                    "g'(z_j)\n$$\n", encoding="utf-8")
    facts = [n for n in check_file(path, "g.md").notes if n.startswith("read as: ")]
    assert len([f for f in facts if f.startswith("read as: $g$")]) == 1, facts
    assert len([f for f in facts if f.startswith("read as: $J$")]) == 1, facts
