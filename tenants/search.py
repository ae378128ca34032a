"""Text search helpers every domain app shares (no domain knowledge here: tenants
imports no domain app).

Search under RLS: PostgreSQL only turns a condition into an index condition when
its operator is LEAKPROOF (otherwise it could run on rows the policy hides).
LIKE/ILIKE, trigram similarity and array operators are not; text `=`, `<`, `>=`
are. So apps keep a token table (one row per word a record is found by, a
C-collated column indexed with the tenant first) and match a typed word as a
prefix with `prefix_range()`: `token >= 'word' AND token < 'wore'`, one range of
the index. See docs/performance.md (CRM and inventory sections).
"""

from __future__ import annotations

from django.db.models import QuerySet

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

# Arabic letters Persian keyboards and older systems type for the Persian ones.
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "\u200c": " "})


def digits_ascii(value: str) -> str:
    """Persian and Arabic-Indic digits as ASCII digits."""
    return (value or "").translate(_DIGITS)


def search_fold(value: str) -> str:
    """What search compares: lower case, ASCII digits, one Persian spelling, single
    spaces (a zero-width non-joiner separates words)."""
    return " ".join(digits_ascii(value).translate(_FOLD).lower().split())


def prefix_range(queryset: QuerySet, field: str, word: str) -> QuerySet:
    """Rows whose `field` starts with `word`, written as a range (`>= word AND < next`)
    with the leakproof text comparisons RLS lets into an index scan. The column must
    use the C collation (byte order), so that a prefix is one contiguous range."""
    if not word:
        return queryset
    upper = word[:-1] + chr(ord(word[-1]) + 1)
    return queryset.filter(**{f"{field}__gte": word, f"{field}__lt": upper})
