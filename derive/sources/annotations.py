"""Front matter and per-formula annotations: one schema, validated, every error placed.

Both are TOML, written in each format's own comment syntax (see the README). The TOML is parsed
with `tomllib`; since `tomllib` gives no positions, `key_offsets` finds where each key and value
is written, so that an unknown key, a value of the wrong type or a value out of range is
reported at its own line and column with a caret, and a misspelt key gets a "did you mean".
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from derive.errors import InputError, Span

Path_ = tuple[str, ...]

# --------------------------------------------------------------------------------------------
# The schema


@dataclass(frozen=True)
class Node:
    what: str  # "a string", ... for messages
    example: str = ""

    def ok(self, value: Any) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class Str(Node):
    what: str = "a string"

    def ok(self, value: Any) -> bool:
        return isinstance(value, str)


@dataclass(frozen=True)
class Bool(Node):
    what: str = "true or false"

    def ok(self, value: Any) -> bool:
        return isinstance(value, bool)


@dataclass(frozen=True)
class PosInt(Node):
    what: str = "a positive whole number"

    def ok(self, value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@dataclass(frozen=True)
class FirstLayer(Node):
    what: str = "0 or 1, the number the text gives its input layer"

    def ok(self, value: Any) -> bool:
        return value in (0, 1) and not isinstance(value, bool)


@dataclass(frozen=True)
class Vectors(Node):
    what: str = '"column" or "row", how the text writes its vectors (W a + b or x W + b)'

    def ok(self, value: Any) -> bool:
        return value in ("column", "row")


@dataclass(frozen=True)
class StrList(Node):
    what: str = "a list of strings"

    def ok(self, value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)


@dataclass(frozen=True)
class Slots(Node):
    what: str = "a list of index slots (1 for the first index)"

    def ok(self, value: Any) -> bool:
        return isinstance(value, list) and all(PosInt().ok(v) for v in value)


@dataclass(frozen=True)
class Definitions(Node):
    what: str = '"all" or a list of row numbers (1 for the first row)'

    def ok(self, value: Any) -> bool:
        if value == "all":
            return True
        return isinstance(value, list) and all(PosInt().ok(v) for v in value)


@dataclass(frozen=True)
class Table(Node):
    fields: tuple[tuple[str, Node], ...] = ()
    what: str = "a table"

    def ok(self, value: Any) -> bool:
        return isinstance(value, dict)

    def field(self, name: str) -> Node | None:
        return dict(self.fields).get(name)


@dataclass(frozen=True)
class MapOf(Node):
    """A table whose keys are the document's own names (quantities, functions, scalars)."""

    item: Node = Str()
    what: str = "a table"

    def ok(self, value: Any) -> bool:
        return isinstance(value, dict)


_QUANTITY = Table(fields=(
    ("layers", Str(example='layers = "1..n-1"')),
    ("shape", StrList(example='shape = ["C_{l+1}", "C_l"]')),
    ("parameter", Bool(example="parameter = true")),
    ("given", Bool(example="given = true")),
    ("given_layers", Str(example='given_layers = "1"')),
    ("tag", Str(example='tag = "sup"')),
    ("unit_layers", Str(example='unit_layers = "2"')),
    ("from_zero", Slots(example="from_zero = [2]")),  # Bishop's bias as weight index 0
), what="a table of its layers, shape, parameter, given, given_layers, tag",
    example='[quantities.w]\nlayers = "1..n-1"')
_SCALAR = Table(fields=(("parameter", Bool(example="parameter = true")),
                        ("given", Bool(example="given = true")),
                        ("per_layer", Bool(example="per_layer = true")),
                        ("range", StrList(example='range = ["0", "1"]'))),
                what="a table (parameter, given, per_layer, range)",
                example='[scalars."\\\\alpha"]')
_ARITY = PosInt(what="its number of arguments (a positive whole number)", example="g = 1")

FRONT = Table(fields=(
    ("title", Str(example='title = "Backpropagation"')),
    ("source", Str(example='source = "where the text comes from"')),
    ("roles", Table(fields=tuple((r, Str(example=f'{r} = "{v}"')) for r, v in (
        ("layers", "n"), ("width", "C"), ("batch", "m"), ("sample", "x"),
        ("loss", "\\\\mathcal{L}"), ("rate", "\\\\alpha"), ("labels", "y"),
        ("overall", "\\\\bar{J}"), ("layer", "k"))), example='[roles]\nlayers = "n"')),
    ("quantities", MapOf(item=_QUANTITY, what="a table of quantity tables",
                         example='[quantities.w]')),
    ("functions", MapOf(item=_ARITY, what="a table of name = number of arguments",
                        example="[functions]\ng = 1")),
    ("scalars", MapOf(item=_SCALAR, what="a table of scalar tables",
                      example='[scalars."\\\\alpha"]')),
    ("first_layer", FirstLayer(example="first_layer = 0")),
    ("vectors", Vectors(example='vectors = "row"')),
    ("sizes", MapOf(item=Str(example='D = "C_1"'), what="a table of name = the width it names",
                    example='[sizes]\nD = "C_1"')),
    ("diagonal", MapOf(item=Str(), what="a table of function = the function on its diagonal")),
    ("nonlinear", StrList(example='nonlinear = ["g"]')),
))

NOTE = Table(fields=(
    ("definitions", Definitions(example='definitions = [1, 2]')),
    ("local", Bool(example="local = true")),
    ("functions", MapOf(item=_ARITY, what="a table of name = number of arguments",
                        example="functions = { f = 2, g = 1 }")),
    ("given", StrList(example='given = ["y = f(x)"]')),
    ("coordinates", StrList(example='coordinates = ["x", "y"]')),
    ("variables", StrList(example='variables = ["x"]')),  # a local model's own variables
    ("compare", Table(fields=(("name", Str(example='name = "softmax over z"')),
                              ("replace", StrList(example='replace = ["a^{(n)}_i = z^{(n)}_i"]'))),
                      example='[compare]\nname = "..."')),
))


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def validate(data: dict[str, Any], schema: Table, where: Callable[[Path_, bool], Span],
             what: str) -> list[InputError]:
    """Every unknown key and ill-typed value of `data`, each placed by `where(path, at_value)`."""
    errors: list[InputError] = []

    def walk(value: Any, node: Node, path: Path_) -> None:
        name = ".".join(path)
        if not node.ok(value):
            hint = f"write it like `{node.example}`" if node.example else None
            if isinstance(node, Definitions) and isinstance(value, list):
                bad = [v for v in value if not PosInt().ok(v)]
                msg = (f"{what}: `{name}` holds {', '.join(_show(v) for v in bad)}: row "
                       "numbers start at 1")
            else:
                msg = f"{what}: `{name}` must be {node.what}; got {_show(value)}"
            errors.append(InputError(msg, where(path, True), hint))
            return
        if isinstance(node, Table) and node.fields:
            known = [k for k, _ in node.fields]
            for key, sub in value.items():
                child = node.field(key)
                if child is None:
                    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                    hint = (f"did you mean `{close[0]}`?" if close
                            else f"expected one of {', '.join(known)}")
                    where_ = ".".join(path + (key,))
                    errors.append(InputError(f"{what}: unknown key `{where_}`",
                                             where(path + (key,), False), hint))
                    continue
                walk(sub, child, path + (key,))
        elif isinstance(node, MapOf):
            for key, sub in value.items():
                walk(sub, node.item, path + (key,))

    walk(data, schema, ())
    return errors


def definitions_out_of_range(annotation: dict[str, Any], rows: int) -> list[int]:
    """Row numbers of a `definitions` list that the formula does not have (it has `rows`)."""
    marked = annotation.get("definitions")
    if not isinstance(marked, list):
        return []
    return [v for v in marked if isinstance(v, int) and not 1 <= v <= rows]


# --------------------------------------------------------------------------------------------
# Where each key is written


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _read_key(s: str, i: int) -> tuple[Path_, int, int] | None:
    """A (dotted) TOML key at s[i:]: its parts, where it starts, and where it ends."""
    parts: list[str] = []
    while i < len(s) and s[i] in " \t":
        i += 1
    start = i
    while i < len(s):
        if s[i] == '"':
            j = i + 1
            while j < len(s) and s[j] != '"':
                j += 2 if s[j] == "\\" else 1
            try:
                parts.append(tomllib.loads("k = " + s[i : j + 1])["k"])
            except tomllib.TOMLDecodeError:
                return None
            i = j + 1
        elif s[i] == "'":
            j = s.find("'", i + 1)
            if j < 0:
                return None
            parts.append(s[i + 1 : j])
            i = j + 1
        else:
            m = _BARE.match(s, i)
            if not m:
                return None
            parts.append(m.group())
            i = m.end()
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] == ".":
            i += 1
            while i < len(s) and s[i] in " \t":
                i += 1
            continue
        return tuple(parts), start, i
    return (tuple(parts), start, i) if parts else None


def _skip_value(s: str, i: int) -> int:
    """The end of the TOML value starting at s[i] (arrays and tables may span lines)."""
    depth = 0
    while i < len(s):
        ch = s[i]
        if ch in "\"'":
            triple = s[i : i + 3] == ch * 3
            if triple:
                j = s.find(ch * 3, i + 3)
                i = len(s) if j < 0 else j + 3
                continue
            j = i + 1
            while j < len(s) and s[j] != ch and s[j] != "\n":
                j += 2 if (ch == '"' and s[j] == "\\") else 1
            i = j + 1
            continue
        if ch == "#":
            while i < len(s) and s[i] != "\n":
                i += 1
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            if depth == 0:
                return i
            depth -= 1
        elif ch in ",\n" and depth == 0:
            return i
        i += 1
    return i


def key_offsets(body: str) -> dict[Path_, tuple[int, int]]:
    """For each key written in a TOML text: (offset of the key, offset of its value)."""
    out: dict[Path_, tuple[int, int]] = {}
    s = body

    def pairs(i: int, table: Path_, inline: bool) -> int:
        """Read `key = value` pairs from s[i:] until the end (or the inline table's `}`)."""
        while True:
            i = _skip_blank(s, i)
            if i >= len(s):
                return i
            if inline and s[i] == "}":
                return i + 1
            if s[i] == "[" and not inline:
                table, i = _table_header(s, i, table, out)
                continue
            i = pair(i, table)

    def pair(i: int, table: Path_) -> int:
        """One `key = value` at s[i] (an inline table's pairs too); the offset after it."""
        got = _read_key(s, i)
        if got is None or got[2] >= len(s) or s[got[2]] != "=":
            j = s.find("\n", i)  # not a pair: the rest of the line is skipped
            return len(s) if j < 0 else j + 1
        parts, kstart, kend = got
        v = kend + 1
        while v < len(s) and s[v] in " \t":
            v += 1
        full = table + parts
        out.setdefault(full, (kstart, v))
        for k in range(1, len(parts)):  # dotted keys name their parents too
            out.setdefault(table + parts[:k], (kstart, v))
        if v < len(s) and s[v] == "{":
            return pairs(v + 1, full, True)
        return _skip_value(s, v)

    pairs(0, (), False)
    return out


def _skip_blank(s: str, i: int) -> int:
    """The offset past whitespace, commas and comments at s[i]."""
    while i < len(s):
        if s[i] in " \t\r\n,":
            i += 1
        elif s[i] == "#":
            while i < len(s) and s[i] != "\n":
                i += 1
        else:
            break
    return i


def _table_header(s: str, i: int, table: Path_,
                  out: dict[Path_, tuple[int, int]]) -> tuple[Path_, int]:
    """A `[table]` or `[[array]]` header at s[i]: the table it opens (recorded in `out`), and
    the end of its line (the end of the text if the header cannot be read)."""
    double = s.startswith("[[", i)
    got = _read_key(s, i + (2 if double else 1))
    if got is None:
        return table, len(s)
    if got[0] not in out:
        out[got[0]] = (got[1], got[1])
    j = s.find("\n", got[2])
    return got[0], len(s) if j < 0 else j


# --------------------------------------------------------------------------------------------
# Parsing one annotation


@dataclass(frozen=True)
class Parsed:
    data: dict[str, Any]
    spans: dict[Path_, Span]  # key path -> where its value is written


def parse_toml(body: str, span_at: Callable[[int, int], Span], schema: Table, what: str,
               fallback: Span) -> Parsed:
    """Parse and validate an annotation. `span_at(offset, width)` places an offset of `body`.

    Raises `InputError` (all problems of this annotation at once) on bad TOML or bad keys."""
    try:
        data = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        msg = msg.replace("(at end of document)", "(at the end of the annotation)")
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            lines = body.split("\n")
            offset = sum(len(x) + 1 for x in lines[: line - 1]) + col - 1
            span = span_at(min(offset, max(len(body) - 1, 0)), 1)
        else:
            span = fallback
        raise InputError(f"bad derive annotation: {msg}", span) from None
    offsets = key_offsets(body)

    def where(path: Path_, at_value: bool) -> Span:
        for k in range(len(path), 0, -1):
            hit = offsets.get(path[:k])
            if hit:
                key_at, value_at = hit
                if at_value and k == len(path):
                    end = _skip_value(body, value_at)
                    return span_at(value_at, max(1, min(end, len(body)) - value_at))
                return span_at(key_at, max(1, len(path[k - 1])))
        return fallback

    errors = validate(data, schema, where, what)
    if errors:
        raise InputErrors(errors)
    spans = {path: span_at(v, 1) for path, (_, v) in offsets.items()}
    return Parsed(data, spans)


class InputErrors(InputError):
    """Several placed input errors found together (an annotation with two bad keys)."""

    def __init__(self, errors: list[InputError]):
        first = errors[0]
        super().__init__(first.message, first.span, first.hint)
        self.errors = errors

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)
