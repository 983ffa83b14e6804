"""A document's own macros: `\\newcommand`, `\\renewcommand`, `\\providecommand`, `\\def`,
`\\gdef` (KaTeX macros in a Markdown page) and `\\DeclareMathOperator`, with arguments, expanded
in a formula before it is parsed.

An expansion keeps the source map: every character it produces is placed at the macro call, so an
error inside an expansion points at the `\\name` the author wrote. Expansion is bounded (depth and
length), so a macro that calls itself is an error, not a hang.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from derive.errors import InputError

Starts = tuple[tuple[int, int, int], ...]

MAX_DEPTH = 32
MAX_LENGTH = 200_000

_NAME = re.compile(r"\\([A-Za-z@]+|.)")
_DEFINERS = ("newcommand", "renewcommand", "providecommand", "def", "gdef", "edef", "xdef",
             "DeclareMathOperator", "DeclareRobustCommand")


@dataclass(frozen=True)
class Macro:
    name: str  # without the backslash
    nargs: int
    body: str
    default: str | None = None  # the optional first argument's default (\newcommand only)


def _group(text: str, i: int) -> int | None:
    """The index after the balanced `{...}` starting at text[i] (None if unbalanced)."""
    depth = 0
    j = i
    while j < len(text):
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return None


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n":
        i += 1
    return i


def _strip_comments(text: str) -> str:
    return re.sub(r"(?<!\\)%.*", "", text)


@dataclass
class Macros:
    table: dict[str, Macro] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.table)

    def names(self) -> list[str]:
        return sorted(self.table)

    # -- definitions ------------------------------------------------------------------------

    def definition_at(self, text: str, i: int) -> tuple[Macro, int] | None:
        """A macro definition starting at text[i] (a backslash), and the index after it."""
        m = _NAME.match(text, i)
        if not m or m.group(1).rstrip("*") not in _DEFINERS:
            return None
        kind = m.group(1)
        j = m.end()
        star = j < len(text) and text[j] == "*"
        if star:
            j += 1
        j = _skip_space(text, j)
        # the name: {\name} or \name
        if j < len(text) and text[j] == "{":
            end = _group(text, j)
            if end is None:
                return None
            inner = text[j + 1 : end - 1].strip()
            nm = _NAME.fullmatch(inner)
            if not nm:
                return None
            name, j = nm.group(1), end
        else:
            nm = _NAME.match(text, j)
            if not nm:
                return None
            name, j = nm.group(1), nm.end()
        if kind == "DeclareMathOperator":
            j = _skip_space(text, j)
            end = _group(text, j) if j < len(text) and text[j] == "{" else None
            if end is None:
                return None
            op = "\\operatorname*" if star else "\\operatorname"
            return Macro(name, 0, f"{op}{{{text[j + 1 : end - 1]}}}"), end
        nargs = 0
        default = None
        if kind in ("def", "gdef", "edef", "xdef"):
            params = re.match(r"(#\d)*", text[j:])
            assert params is not None
            nargs = len(params.group()) // 2
            j += len(params.group())
        else:
            j = _skip_space(text, j)
            am = re.match(r"\[\s*(\d)\s*\]", text[j:])
            if am:
                nargs = int(am.group(1))
                j += am.end()
                j = _skip_space(text, j)
                if j < len(text) and text[j] == "[":
                    close = text.find("]", j)
                    if close < 0:
                        return None
                    default = text[j + 1 : close]
                    j = close + 1
        j = _skip_space(text, j)
        if j >= len(text) or text[j] != "{":
            return None
        end = _group(text, j)
        if end is None:
            return None
        macro = Macro(name, nargs, text[j + 1 : end - 1], default)
        return macro, end

    def define(self, macro: Macro, provide: bool = False) -> None:
        if provide and macro.name in self.table:
            return
        self.table[macro.name] = macro

    def define_all(self, text: str) -> bool:
        """If `text` holds only macro definitions, define them all and say so."""
        body = _strip_comments(text)
        i = _skip_space(body, 0)
        found: list[Macro] = []
        while i < len(body):
            got = self.definition_at(body, i) if body[i] == "\\" else None
            if got is None:
                return False
            found.append(got[0])
            i = _skip_space(body, got[1])
        if not found:
            return False
        for mac in found:
            self.define(mac)
        return True

    def scan(self, text: str) -> None:
        """Define every macro defined anywhere in `text` (a LaTeX preamble)."""
        i = 0
        while True:
            i = text.find("\\", i)
            if i < 0:
                return
            got = self.definition_at(text, i)
            if got:
                self.define(got[0], provide=text.startswith("\\providecommand", i))
                i = got[1]
            else:
                i += 1

    # -- expansion --------------------------------------------------------------------------

    def _call(self, text: str, i: int, mac: Macro) -> tuple[str, int]:
        """The expansion of the call of `mac` whose name ends at text[i], and where it ends."""
        args: list[str] = []
        j = i
        for k in range(mac.nargs):
            if k == 0 and mac.default is not None:
                jj = _skip_space(text, j)
                if jj < len(text) and text[jj] == "[":
                    close = text.find("]", jj)
                    if close > 0:
                        args.append(text[jj + 1 : close])
                        j = close + 1
                        continue
                args.append(mac.default)
                continue
            j = _skip_space(text, j)
            if j >= len(text):
                raise ValueError(f"`\\{mac.name}` needs {mac.nargs} argument(s)")
            if text[j] == "{":
                end = _group(text, j)
                if end is None:
                    raise ValueError(f"unbalanced `{{` in an argument of `\\{mac.name}`")
                args.append(text[j + 1 : end - 1])
                j = end
            elif text[j] == "\\":
                nm = _NAME.match(text, j)
                assert nm is not None
                args.append(nm.group())
                j = nm.end()
            else:
                args.append(text[j])
                j += 1

        def sub(m: re.Match[str]) -> str:
            if m.group() == "##":
                return "#"
            n = int(m.group()[1])
            return args[n - 1] if n <= len(args) else m.group()

        return re.sub(r"##|#\d", sub, mac.body), j

    def _expand_plain(self, text: str, depth: int) -> str:
        if depth > MAX_DEPTH:
            raise ValueError("macros nest too deeply (a macro that calls itself?)")
        out: list[str] = []
        i = 0
        size = 0
        while i < len(text):
            m = _NAME.match(text, i) if text[i] == "\\" else None
            if m and m.group(1) in self.table:
                body, j = self._call(text, m.end(), self.table[m.group(1)])
                out.append(_unmerged(self._expand_plain(body, depth + 1), text, j))
                i = j
            else:
                end = m.end() if m else i + 1
                out.append(text[i:end])
                i = end
            size += len(out[-1])
            if size > MAX_LENGTH:
                raise ValueError(f"macro expansion longer than {MAX_LENGTH} characters")
        return "".join(out)

    def _expansion(self, text: str, i: int, m: re.Match[str],  # type: ignore[no-untyped-def]
                   place=None) -> tuple[str, int]:
        """The expansion of the macro call at text[i] (its name matched by `m`), and where the
        call ends; a bad call raises `InputError` there when `place` gives spans."""
        try:
            body, j = self._call(text, m.end(), self.table[m.group(1)])
            piece = self._expand_plain(body, 1)
        except ValueError as exc:
            if place is None:
                raise
            raise InputError(str(exc), place(i, m.end() - i)) from None
        return _unmerged(piece, text, j), j

    def expand(self, text: str, starts: Starts, place=None) -> tuple[str, Starts, list[str]]:  # type: ignore[no-untyped-def]
        """Expand the macros in `text` (whose source map is `starts`); returns the new text, its
        source map and the names of the macros used. A bad call raises `InputError` at it
        (`place(offset, width)` gives its span)."""
        if not self.table:
            return text, starts, []
        offsets = [s for s, _, _ in starts]

        def at(offset: int) -> tuple[int, int]:
            k = max(bisect.bisect_right(offsets, offset) - 1, 0)
            s, ln, col = starts[k]
            return ln, col + offset - s

        out = ""
        new: list[tuple[int, int, int]] = []
        used: list[str] = []
        i = 0
        copy_from = 0

        def copy(a: int, b: int) -> None:
            nonlocal out
            if a >= b:
                return
            ln, col = at(a)
            new.append((len(out), ln, col))
            for s, sl, sc in starts:
                if a < s < b:
                    new.append((len(out) + s - a, sl, sc))
            out += text[a:b]

        while i < len(text):
            m = _NAME.match(text, i) if text[i] == "\\" else None
            if m and m.group(1) in self.table:
                piece, j = self._expansion(text, i, m, place)
                copy(copy_from, i)
                ln, col = at(i)
                for k in range(max(len(piece), 1)):
                    new.append((len(out) + k, ln, col))
                out += piece
                used.append(m.group(1))
                i = copy_from = j
                if len(out) > MAX_LENGTH:
                    err = f"macro expansion longer than {MAX_LENGTH} characters"
                    if place is None:
                        raise ValueError(err)
                    raise InputError(err, place(i, 1))
            else:
                i = m.end() if m else i + 1
        copy(copy_from, len(text))
        return out, _deduplicated(new) or starts[:1], used


def _unmerged(piece: str, text: str, j: int) -> str:
    """An expansion followed by text[j:]: a control word at its end directly followed by a
    letter would merge with it, so a space goes between."""
    if piece and re.search(r"\\[A-Za-z]+$", piece) and j < len(text) and text[j].isalpha():
        return piece + " "
    return piece


def _deduplicated(new: list[tuple[int, int, int]]) -> Starts:
    """The breakpoints of a source map without those a later one at the same offset overrides."""
    dedup: dict[int, tuple[int, int, int]] = {}
    for bp in new:
        dedup[bp[0]] = bp
    return tuple(sorted(dedup.values()))
