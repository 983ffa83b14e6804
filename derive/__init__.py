"""derive: machine-check the backpropagation mathematics of lecture notes written in LaTeX.

The package reads like the pipeline, and imports point one way along it:

    errors, results          plain values shared by every stage
    document                 Markdown file -> display formulas, annotations, front matter
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
    cli                      the only place that prints and chooses exit codes
"""

__version__ = "0.1.0"
