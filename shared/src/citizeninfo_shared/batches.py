"""Bulk requests (many pins, many surveys): each item gets the result, or the problem, that the
single-item endpoint would have answered, located inside the batch."""

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ValidationError

from citizeninfo_shared.problems import THAI_TITLES

MAX_ITEMS_PER_REQUEST = 500
SCHEMA_MISMATCH = "The request does not match the schema."


class ItemProblem(BaseModel):
    """One item's problem, with the members of the single endpoint's problem+json (RFC 9457)."""

    type: str = "about:blank"
    title: str
    title_th: str | None
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


def item_problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> ItemProblem:
    return ItemProblem(
        title=HTTPStatus(status).phrase, title_th=THAI_TITLES.get(status), status=status, detail=detail, errors=errors
    )


def located_errors(index: int, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validation errors of item `index`, located as `["body", "items", index, ...]`."""
    return [
        {
            "loc": ["body", "items", index, *error.get("loc", [])],
            "msg": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in errors
    ]


def invalid_item(index: int, error: ValidationError) -> ItemProblem:
    """The 422 of an item that does not match its schema (the input itself is not echoed: it may hold
    personal data)."""
    found = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
    return item_problem(422, SCHEMA_MISMATCH, located_errors(index, found))


def claimed_id(raw: dict[str, Any], field: str = "service_point_id") -> str | None:
    """The id an invalid item names, if it looks like one, so its result can still say which it was."""
    value = raw.get(field)
    return value if isinstance(value, str) and 0 < len(value) <= 64 and value.isprintable() else None
