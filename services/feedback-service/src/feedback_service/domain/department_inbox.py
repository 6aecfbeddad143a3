"""One list of a department's feedback, newest first: ratings and complaints merged (pure)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Kind = Literal["rating", "complaint"]


@dataclass(frozen=True, slots=True)
class InboxEntry:
    kind: Kind
    at: datetime  # as the reader may see it (a protected complaint's time is to the hour)
    key: str
    body: dict[str, Any]


def newest_first(*sources: list[InboxEntry], offset: int, limit: int) -> list[InboxEntry]:
    """A page of the entries of every source, newest first. Each source must hold at least its newest
    offset + limit entries: no entry of a later page can then come before one of this page."""
    merged = sorted((entry for source in sources for entry in source), key=lambda e: (-e.at.timestamp(), e.kind, e.key))
    return merged[offset : offset + limit]
