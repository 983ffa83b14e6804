"""A function named with its fixed layer tag (`g^{[1]}`: derive.infer.tagged_functions,
`Formula.tagged_functions`) lexed as one name, a prime in its superscript (`g^{[1]\\prime}`)
after it. Token level only."""

from __future__ import annotations

from derive.latex.lexer import Tok

_PRIMES = ("\\prime", "'")


def tag_at(toks: list[Tok], k: int) -> tuple[str, int, bool] | None:
    """`g^{[1]}` (or `g^{[1]\\prime}`, `g^{(1)}`) at k: the tag as written (`[1]`), where the
    name ends, and whether a prime is written in its superscript. None for any other use."""
    tx = [t.text for t in toks[k:k + 8]]
    if (len(tx) < 7 or toks[k].kind != "letter" or tx[1:3] != ["^", "{"]
            or (tx[3], tx[5]) not in (("[", "]"), ("(", ")")) or toks[k + 4].kind != "num"):
        return None
    tag = "".join(tx[3:6])
    if tx[6] == "}":
        return tag, k + 7, False
    if len(tx) == 8 and tx[6] in _PRIMES and tx[7] == "}":
        return tag, k + 8, True
    return None


def fused(toks: list[Tok], names: tuple[tuple[str, str], ...]) -> list[Tok]:
    """The tokens with each such function's tagged name as one token (a prime in its
    superscript after it)."""
    if not names:
        return toks
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        found = tag_at(toks, k) if not (k and toks[k - 1].text in ("^", "_")) else None
        if found is not None and (toks[k].text, found[0]) in names:
            tag, end, prime = found
            last = toks[end - 3] if prime else toks[end - 1]
            out.append(Tok("letter", f"{toks[k].text}^{{{tag}}}", toks[k].start, last.end))
            if prime:
                out.append(Tok("sym", "'", toks[end - 2].start, toks[end - 2].end))
            k = end
            continue
        out.append(toks[k])
        k += 1
    return out
