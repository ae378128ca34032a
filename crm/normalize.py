"""How customer input is normalized before it is stored or searched: phones as ASCII
digits (Persian and Arabic-Indic digits converted), emails lower-cased, codes upper-
cased without separators, tags trimmed and de-duplicated."""

from collections.abc import Iterable

# Shared with other apps' search; re-exported here for CRM callers.
from tenants.search import digits_ascii, search_fold

__all__ = ["code_normalize", "digits_ascii", "email_normalize", "phone_normalize",
           "phone_readable", "search_fold", "search_tokens", "tags_normalize"]


def phone_normalize(value: str) -> str:
    """'+98 (912) ۱۲۳-۴۵۶۷' -> '+989121234567'; a leading 00 becomes +."""
    text = digits_ascii(value).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        return f"+{digits}" if digits else ""
    if digits.startswith("00") and len(digits) > 2:
        return f"+{digits[2:]}"
    return digits


def phone_readable(value: str) -> bool:
    """Whether typed text is a phone number: digits (any script) with + ( ) - . and
    spaces. "abc" or "0912 abc" is not, and must be refused rather than stored as no
    phone or as its digits alone."""
    text = digits_ascii(value or "").strip()
    return bool(phone_normalize(text)) and all(
        ch.isdigit() or ch in "+()-. /" or ch.isspace() for ch in text)


def email_normalize(value: str) -> str:
    return (value or "").strip().lower()


def code_normalize(value: str) -> str:
    """What a person types or scans -> the stored code: upper case, no spaces or dashes."""
    text = digits_ascii(value).upper()
    return "".join(ch for ch in text if ch.isalnum())


def tags_normalize(value: Iterable[str] | str) -> list[str]:
    if isinstance(value, str):
        value = value.replace("،", ",").split(",")
    seen: dict[str, None] = {}
    for tag in value:
        tag = " ".join(tag.split())[:40]
        if tag and tag.lower() not in {t.lower() for t in seen}:
            seen[tag] = None
    return list(seen)


def search_tokens(*, first_name: str, last_name: str, phone: str, email: str,
                  number: int | None) -> set[str]:
    """The words a customer is found by: name words, the phone (international and
    national forms) and its endings of 4+ digits, the email and its local part, the
    customer number. Search matches each typed word as a prefix of a token."""
    tokens: set[str] = set()
    for word in search_fold(f"{first_name} {last_name}").split():
        tokens.add(word)
        tokens.update(part for part in word.split("-") if part)
    digits = phone.lstrip("+")
    if digits:
        forms = {digits}
        if digits.startswith("98") and len(digits) > 4:
            forms.add("0" + digits[2:])
        for form in forms:
            tokens.add(form)
            tokens.update(form[-k:] for k in range(4, len(form)))
    if email:
        tokens.add(email)
        tokens.add(email.split("@")[0])
    if number:
        tokens.add(str(number))
    return {t[:120] for t in tokens if t}
