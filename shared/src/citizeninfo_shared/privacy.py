"""Personal data out of free text: Thai citizen ids, phone numbers and e-mail addresses; keyed HMACs."""

import hashlib
import hmac
import re

CITIZEN_ID_PLACEHOLDER = "[เลขประจำตัวประชาชน]"
PHONE_PLACEHOLDER = "[เบอร์โทรศัพท์]"
EMAIL_PLACEHOLDER = "[อีเมล]"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# 13 digits, optionally grouped 1-4-5-2-1 with dashes or spaces.
_CITIZEN_ID = re.compile(r"(?<!\d)\d(?:[\s\-]?\d){12}(?!\d)")
# Thai mobiles (06/08/09 + 8 digits), landlines (0 + 8 digits), and +66 forms.
_PHONE = re.compile(r"(?<![\d+])(?:\+66[\s\-]?|0)(?:\d[\s\-]?){7,8}\d(?!\d)")


def citizen_id_is_valid(digits: str) -> bool:
    """The 13th digit is (11 - Σ d_i·(14-i) mod 11) mod 10 over the first twelve."""
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def _redact_citizen_id(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return CITIZEN_ID_PLACEHOLDER if citizen_id_is_valid(digits) else match.group()


def redact(text: str) -> str:
    text = _EMAIL.sub(EMAIL_PLACEHOLDER, text)
    text = _CITIZEN_ID.sub(_redact_citizen_id, text)
    return _PHONE.sub(PHONE_PLACEHOLDER, text)


def keyed_hash(secret: bytes, value: str) -> str:
    """A stable pseudonym for a personal value; without the key it cannot be reversed or guessed."""
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()
