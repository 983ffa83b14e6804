"""LaTeX formulas as Unicode text for the terminal: `\\frac{\\partial \\mathcal{L}}{\\partial
z^{(l)}_i}` reads `∂ℒ/∂z⁽ˡ⁾ᵢ`.

For display only, never parsed back: a construct it does not know stays as written (`\\foo`).
Sub- and superscripts use the Unicode sub/superscript letters when every character has one,
and `_x`, `^(x y)` otherwise.
"""

from __future__ import annotations

import re
import unicodedata

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_SYMBOLS = {
    "partial": "∂", "sum": "Σ", "prod": "Π", "cdot": "·", "times": "×", "odot": "⊙",
    "circ": "∘", "otimes": "⊗", "nabla": "∇", "leftarrow": "←", "gets": "←", "rightarrow": "→",
    "to": "→", "in": "∈", "ne": "≠", "neq": "≠", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "approx": "≈", "equiv": "≡", "infty": "∞", "prime": "′", "top": "ᵀ", "intercal": "ᵀ",
    "pm": "±", "mp": "∓", "ldots": "…", "cdots": "⋯", "dots": "…", "forall": "∀",
    "exists": "∃", "mid": "|", "{": "{", "}": "}", "|": "‖", "lVert": "‖", "rVert": "‖",
    "langle": "⟨", "rangle": "⟩", "ell": "ℓ", "hbar": "ℏ", "%": "%", "$": "$", "#": "#",
    "&": "&", "_": "_",
}
_NAMED = ("ln", "log", "exp", "max", "min", "sin", "cos", "tanh", "sinh", "cosh", "arg",
          "det", "tr", "lim", "sup", "inf")
_SPACES = {",": " ", ";": " ", ":": " ", " ": " ", "quad": "  ", "qquad": "    ", "!": "",
           "left": "", "right": "", "big": "", "Big": "", "bigg": "", "Bigg": "",
           "displaystyle": "", "nonumber": "", "notag": ""}
_MATHCAL = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "𝒜ℬ𝒞𝒟ℰℱ𝒢ℋℐ𝒥𝒦ℒℳ𝒩𝒪𝒫𝒬ℛ𝒮𝒯𝒰𝒱𝒲𝒳𝒴𝒵"))
_MATHBB = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "1": "𝟙", "I": "𝕀"}
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
            "bar": "\u0304", "overline": "\u0305", "vec": "\u20d7", "dot": "\u0307",
            "ddot": "\u0308"}
_PLAIN = ("mathrm", "mathbf", "mathit", "boldsymbol", "bm", "text", "textrm", "textbf",
          "mathsf", "operatorname", "mbox", "mathnormal", "substack")  # substack: its rows, "; "
_SUP = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχ′ᵀ",
                "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡ′ᵀ"))
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ",
                "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))

_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\s+)|(.)", re.S)


def _tokens(latex: str) -> list[str]:
    out = []
    for m in _TOKEN.finditer(latex):
        if m.group(1) is not None:
            out.append("\\" + m.group(1))
        elif m.group(2) is not None:
            out.append(" ")
        elif not (m.group(3) == "*" and out and out[-1] == "\\operatorname"):
            out.append(m.group(3))  # `\operatorname*` (limits below) prints as `\operatorname`
    return out


class _Reader:
    def __init__(self, tokens: list[str]):
        self.toks = tokens
        self.pos = 0

    def _next(self) -> str | None:
        if self.pos < len(self.toks):
            self.pos += 1
            return self.toks[self.pos - 1]
        return None

    def _skip_space(self) -> None:
        while self.pos < len(self.toks) and self.toks[self.pos] == " ":
            self.pos += 1

    def argument(self) -> str:
        """One argument: a braced group or a single token, rendered."""
        self._skip_space()
        tok = self._next()
        if tok is None:
            return ""
        if tok == "{":
            return self.sequence("}")
        self.pos -= 1
        return self.atom()

    def raw_argument(self) -> str:
        """A braced argument's text, unrendered (an environment's name)."""
        self._skip_space()
        if self.pos < len(self.toks) and self.toks[self.pos] == "{":
            self.pos += 1
            out = []
            while (tok := self._next()) not in (None, "}"):
                out.append(tok)
            return "".join(out)
        return ""

    def sequence(self, until: str | None = None) -> str:
        out = []
        while self.pos < len(self.toks):
            if self.toks[self.pos] == until:
                self.pos += 1
                break
            out.append(self.atom())
        return "".join(out)

    def atom(self) -> str:
        tok = self._next()
        if tok is None:
            return ""
        if not tok.startswith("\\"):
            return self._plain(tok)
        return self._command(tok, tok[1:])

    def _plain(self, tok: str) -> str:
        """A token that is no command: a group, a script, an alignment mark, a prime, a letter."""
        if tok == "{":
            return self.sequence("}")
        if tok in ("^", "_"):
            return _script(self.argument(), _SUP if tok == "^" else _SUB, tok)
        if tok == "&":
            return " "
        if tok == "'":
            return "′"
        return tok

    def _command(self, tok: str, name: str) -> str:
        """A command that shapes its arguments (`\\frac`, `\\sqrt`, an accent, a font), else a
        symbol (`_symbol`)."""
        if name == "frac" or name in ("dfrac", "tfrac"):
            num, den = _tidy(self.argument()), _tidy(self.argument())
            return f" {_wrap(num)}/{_wrap(den)} "
        if name == "sqrt":
            return "√" + _wrap(self.argument())
        if name in ("begin", "end"):
            env = self.raw_argument()
            if name == "begin" and env == "array":
                self.raw_argument()  # its column layout, {c}
            return _BRACKETS.get(env, ("", ""))[name == "end"]
        if name == "\\":
            return "; "
        if name in _ACCENTS:
            body = self.argument()
            return body + _ACCENTS[name] if len(body) == 1 else f"{body}{_ACCENTS[name]}"
        if name == "mathcal" or name == "mathscr":
            body = self.argument()
            return "".join(_MATHCAL.get(c, c) for c in body)
        if name == "mathbb":
            body = self.argument()
            return "".join(_MATHBB.get(c, c) for c in body)
        if name in _PLAIN:
            return self.argument()
        return self._symbol(tok, name)

    def _symbol(self, tok: str, name: str) -> str:
        """A Greek letter, a symbol, a space or an operator name; an unknown command as written."""
        for table in (_GREEK, _SYMBOLS, _SPACES):
            if name in table:
                return table[name]
        if name in _NAMED:
            return name
        if self.pos < len(self.toks) and self.toks[self.pos] == "{":  # unknown: as written
            self.pos += 1
            return tok + "{" + self.sequence("}") + "}"
        return tok

_BRACKETS = {"bmatrix": ("[", "]"), "pmatrix": ("(", ")")}  # a matrix's own brackets


def _wrap(text: str) -> str:
    """`text` as an operand of `/`: in parentheses unless it is one term."""
    t = text.strip()
    if len(t) <= 1 or re.fullmatch(r"[∂d]?[^\s+\-−/=·,;]+", t):
        return t
    return f"({t})"


def _script(text: str, table: dict[str, str], mark: str) -> str:
    t = text.strip()
    if t and all(c in table for c in t.replace(" ", "")):
        return "".join(table[c] for c in t.replace(" ", ""))
    return mark + t if len(t) == 1 else f"{mark}({t})"


def to_unicode(latex: str) -> str:
    """A formula's LaTeX as one line of Unicode text."""
    return _tidy(_Reader(_tokens(latex)).sequence())


def _tidy(text: str) -> str:
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    return re.sub(r"([∂∇√]) ", r"\1", text).replace("( ", "(").replace(" )", ")")
