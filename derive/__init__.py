"""derive: machine-check the backpropagation mathematics of lecture notes written in LaTeX.

The package reads like the pipeline, and imports point one way along it:

    errors, results          plain values shared by every stage
    document                 Markdown file -> display formulas, annotations, front matter
    latex                    LaTeX -> SymPy through the document's notation (the only module
                             that imports the arithmetic parser, latex2sympy2_extended)
    notation                 the document's notation table
    model                    the document's definitions -> concrete symbolic networks
    derivation               differentiation of the forward model (the derived side)
    check                    claims against derivations: verdicts, witnesses, diagnoses
    cli                      the only place that prints and chooses exit codes
"""

__version__ = "0.1.0"
