"""Personal data out of free text: Thai citizen ids, phone numbers and e-mail addresses; keyed HMACs.

Every redaction looks at the text through one normaliser (`normalised`): NFKC (full-width digits and
`＠`), Thai digits ๐-๙ as 0-9, invisible characters (zero-width spaces, joiners, soft hyphens,
direction marks) dropped, every kind of dash and space made plain. The patterns run on that form;
what they find is replaced in the original text, so the rest of it (Thai vowels that NFKC would take
apart, line breaks, emoji) is stored exactly as it was written.
"""

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

CITIZEN_ID_PLACEHOLDER = "[เลขประจำตัวประชาชน]"
PHONE_PLACEHOLDER = "[เบอร์โทรศัพท์]"
EMAIL_PLACEHOLDER = "[อีเมล]"

_THAI_DIGITS = {ord(thai): str(n) for n, thai in enumerate("๐๑๒๓๔๕๖๗๘๙")}
_DASHES = {ord(dash): "-" for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}
# Invisible in print, so a citizen id or number can hide between them (format characters, Cf, and
# the few others that render as nothing).
_ALSO_INVISIBLE = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u034f"}


def _plain(char: str) -> str:
    """One character as the patterns see it ("" when invisible)."""
    if char in _ALSO_INVISIBLE or (unicodedata.category(char) == "Cf"):
        return ""
    char = char.translate(_THAI_DIGITS).translate(_DASHES)
    if char.isspace():
        return " " if char not in "\n\r" else char
    if char.isascii():
        return char
    folded = unicodedata.normalize("NFKC", char)
    # Keep what NFKC only decomposes (Thai ำ → ํ + า): only symbols and digits are worth folding.
    return folded if folded.isascii() else char


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """The text as the patterns see it, and where each of its characters came from in the original."""

    text: str
    origins: tuple[int, ...]  # origins[i] = index in the original of normalised character i

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.origins[start], self.origins[end - 1] + 1


def normalised(text: str) -> NormalisedText:
    """The one normaliser every redaction uses (see the module docstring)."""
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        for plain in _plain(char):
            chars.append(plain)
            origins.append(index)
    return NormalisedText("".join(chars), tuple(origins))


# Separators citizens put between digit groups: spaces, dashes, dots (after normalising).
_SEP = r"[ \-.]{0,3}"
# 13 digits in any grouping ("1-1017-00207-03-0", "1.1017.00207.03.0", "1 1017 00207 03 0").
_CITIZEN_ID = re.compile(rf"(?<![\d])\d(?:{_SEP}\d){{12}}(?![\d])")
# Thai numbers: 0 + 8 digits (landline 02-07) or 0 + 9 (mobile 06/08/09), also as +66 / 0066 without
# the 0; digits grouped by spaces, dashes, dots or brackets ("(02) 123 4567", "+66 (0)81-234-5678").
_PHONE = re.compile(
    r"(?<![\d+:/])"
    r"(?:(?:\+|00) ?66[ \-.]{0,3}(?:\(0\)[ \-.]{0,3})?\(?|\(?0)"
    r"\d(?:[ \-.()]{0,3}\d){7,8}"
    r"(?![\d:/])"
)
_LANDLINE_AREAS = set("23457")
_MOBILE_PREFIXES = set("689")
# An address in any script (Thai letters, accents), also written "somchai [at] mail [dot] com".
_LOCAL = r"[\w\u0e00-\u0e7f.!#$%&'*+/=?^`{|}~\-]+"
_LABEL = r"[\w\u0e00-\u0e7f\-]+"
_AT = r"(?:@| ?[\[(] ?(?:at|AT|แอท) ?[\])] ?)"
_DOT = r"(?:\.| ?[\[(] ?(?:dot|DOT|ดอท) ?[\])] ?)"
_TOP_LEVEL = r"(?:[A-Za-z]{2,63}(?![A-Za-z0-9])|[\u0e00-\u0e7f]{2,}|xn--[a-z0-9\-]+)"
_EMAIL = re.compile(rf"{_LOCAL}{_AT}(?:{_LABEL}{_DOT})+{_TOP_LEVEL}")


def citizen_id_is_valid(digits: str) -> bool:
    """The 13th digit is (11 - Σ d_i·(14-i) mod 11) mod 10 over the first twelve."""
    if len(digits) != 13 or not digits.isdigit() or not digits.isascii():
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _is_citizen_id(found: str) -> bool:
    return citizen_id_is_valid(_digits(found))


def _is_thai_phone(found: str) -> bool:
    digits = _digits(found)
    if found.lstrip("(").startswith(("+", "00")) and digits.startswith(("0066", "66")):
        national = digits.removeprefix("00").removeprefix("66").removeprefix("0")
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return False
    if len(national) == 9:
        return national[0] in _MOBILE_PREFIXES
    return len(national) == 8 and national[0] in _LANDLINE_AREAS


_FINDERS: tuple[tuple[re.Pattern[str], Callable[[str], bool] | None, str], ...] = (
    (_EMAIL, None, EMAIL_PLACEHOLDER),
    (_CITIZEN_ID, _is_citizen_id, CITIZEN_ID_PLACEHOLDER),
    (_PHONE, _is_thai_phone, PHONE_PLACEHOLDER),
)


def personal_data_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, placeholder) in `text` of every citizen id, phone number and e-mail address."""
    view = normalised(text)
    taken = [False] * len(view.text)
    spans: list[tuple[int, int, str]] = []
    for pattern, accept, placeholder in _FINDERS:
        for match in pattern.finditer(view.text):
            start, end = match.span()
            if any(taken[start:end]) or (accept is not None and not accept(match.group())):
                continue
            taken[start:end] = [True] * (end - start)
            spans.append((*view.original_span(start, end), placeholder))
    return sorted(spans)


def redact(text: str) -> str:
    """The text with citizen ids, phone numbers and e-mail addresses replaced by placeholders."""
    pieces: list[str] = []
    position = 0
    for start, end, placeholder in personal_data_spans(text):
        pieces += [text[position:start], placeholder]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def keyed_hash(secret: bytes, value: str) -> str:
    """A stable pseudonym for a personal value; without the key it cannot be reversed or guessed."""
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()
