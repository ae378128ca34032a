"""The words an item is found by (stored in ItemSearchToken, matched by prefix)."""

from __future__ import annotations

import re

from tenants.search import search_fold

TOKEN_LENGTH = 120  # ItemSearchToken.token max_length
# Around a name word, not part of it: "(18k)," is found by "18k".
_PUNCTUATION = "()[]{}<>.,;:!?\"'«»،؛؟*/"
# Inside a code, between its parts: "GOL-0008", "R/12.5".
CODE_SEPARATORS = re.compile(r"[-/.]")


def code_token(value: str) -> str:
    """A SKU, barcode or serial number as search compares it: folded (lower case,
    ASCII digits), spaces dropped, so a typed or scanned code is one word."""
    return search_fold(value).replace(" ", "")


def code_tokens(value: str) -> set[str]:
    """A code's tokens: the whole code, the code without its separators, and each
    part, so "GOL-0008" is found by "gol-0008", "gol0008", "gol" and "0008"."""
    whole = code_token(value)
    parts = [part for part in CODE_SEPARATORS.split(whole) if part]
    return {whole, "".join(parts), *parts} - {""}


def item_search_tokens(*, name: str, sku: str, barcode: str, serial_number: str) -> set[str]:
    """Name words (folded: lower case, ASCII digits, one Persian spelling), with and
    without the punctuation around them, and their hyphen parts; the codes (whole,
    without separators, and their parts: code_tokens).
    Search matches each typed word as a prefix of a token."""
    tokens: set[str] = set()
    for word in search_fold(name).split():
        for form in {word, word.strip(_PUNCTUATION)}:
            tokens.add(form)
            tokens.update(part for part in form.split("-") if part)
    for code in (sku, barcode, serial_number):
        tokens.update(code_tokens(code))
    return {t[:TOKEN_LENGTH] for t in tokens if t}
