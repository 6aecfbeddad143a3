"""Only text the database can keep reaches it: no NUL and no other control character.

FerretDB keeps documents in PostgreSQL, whose jsonb refuses "\\u0000": a NUL in a stored field or in
a query would come back as a database error (a 503), so it is refused up front with 422 instead.
Tab, line feed and carriage return are ordinary text.
"""

import re
from typing import Any

from pydantic import BaseModel, field_validator

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REFUSAL = "Text may not contain control characters such as NUL; only tab and line breaks are allowed."


def has_control_characters(value: Any) -> bool:
    """Whether a string, or any key or string inside nested dicts and lists, holds a control character."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(has_control_characters(key) or has_control_characters(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(has_control_characters(item) for item in value)
    return False


class StorableTextModel(BaseModel):
    """Base of every model whose input may be stored or looked up: each field refuses control characters
    (a 422 naming the field)."""

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_control_characters(cls, value: Any) -> Any:
        if has_control_characters(value):
            raise ValueError(REFUSAL)
        return value
