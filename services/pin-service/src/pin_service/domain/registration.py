"""Registration requests from agencies (pure; no I/O).

A local body or agency asks, from the web page, for an account for its department: the department's
id, the applicant's name, an official e-mail address and an optional note. Nothing is created until a
national administrator approves; a refusal carries a reason. The applicant's name, e-mail and note are
personal data needed only to decide and to hand over the credentials: once the request is decided they
are erased from it (the e-mail and name move to the account created on approval, as its contact).
"""

from collections.abc import Iterable
from enum import StrEnum

from pin_service.domain.account_import import valid_email


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


# The fields of a request that hold personal data, erased when it is decided.
PERSONAL_FIELDS = ("name", "email", "note")


def official_email_problem(email: str, domains: Iterable[str]) -> str | None:
    """Why this address is not accepted as an official one (None when it is): valid syntax, and a
    domain equal to or below one of `domains` (go.th: government agencies and local bodies)."""
    if not valid_email(email):
        return "อีเมลไม่ถูกต้อง — the e-mail address is not valid."
    domain = email.rsplit("@", 1)[1].lower()
    allowed = [d.lower().strip(".") for d in domains]
    if allowed and not any(domain == d or domain.endswith("." + d) for d in allowed):
        listed = ", ".join(f".{d}" for d in allowed)
        return f"ต้องใช้อีเมลของหน่วยงานราชการ ({listed}) — use an official government address ({listed})."
    return None


def normalised_email(email: str) -> str:
    """The address as stored and compared: the domain is case-insensitive, the local part is kept."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}"
