"""derive: machine-check the backpropagation mathematics of lecture notes written in LaTeX.

The package reads like the pipeline, and imports point one way along it:

    errors, results          plain values shared by every stage
    sources/                 Markdown, rst, LaTeX, notebooks -> display formulas with a source map,
                             validated annotations and front matter (document: a re-export)
    notation, expr           the document's notation table; SymPy nodes for its constructs
    latex, arithcache        LaTeX -> SymPy through the notation (latex is the only module that
                             imports the arithmetic parser, latex2sympy2_extended; arithcache
                             keeps its results on disk)
    numbers                  30-digit numbers; the symbolic engines (SymEngine or SymPy)
    model                    the definitions -> concrete networks: values, and derivatives by
                             differentiating the expanded forward model (the derived side)
    evaluate                 both sides of a claim at every index value, network and point
    diagnose                 one edit, or one assumption, that explains a refutation
    check                    the document walk: definitions, verdicts, witnesses, lint, notes
    spec                     the definitions at the index level, for the numeric trainer
    report/                  Markdown, HTML and JSON reports of a check
    numeric/                 code generation, training, gradient check, benchmark
    budget                   wall-clock budgets for a claim and for sympy.simplify
    cache                    the symbolic confirmations (and their sizes) kept on disk, signed,
                             beside arithcache's parses
    sphinx, pytest_plugin    the Sphinx extension; `pytest -p derive`
    edits                    verdicts before and after an edit (check --since, derive diff)
    text, unicode, output    escapes for control characters; LaTeX as Unicode; check's formats
    cli                      the only place that prints and chooses exit codes
"""

__version__ = "0.1.0"

# The Python API, imported on first use so that `derive --version` does not load SymPy:
#     derive.check_file(path) -> FileReport;  derive.check_document(doc) -> FileReport
#     derive.read_document(path) -> Document;  results are frozen dataclasses (derive.results)
_API = {
    "check_file": "derive.check",
    "check_document": "derive.check",
    "read_document": "derive.document",
    "FileReport": "derive.results",
    "Result": "derive.results",
    "Status": "derive.results",
    "InputError": "derive.errors",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
