"""CloudEvents 1.0 structured-mode JSON envelope; the message key is the subject (service point id)."""

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class EventData(BaseModel):
    """Base of every event payload. Readers ignore fields they do not know (forward compatible)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    event_type: ClassVar[str]


DataT = TypeVar("DataT", bound="EventData")


def _now() -> datetime:
    return datetime.now(UTC)


# Ids are stored by consumers (processed events): one with a NUL would fail that write on every retry.
_NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]+$"


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), pattern=_NO_CONTROL_CHARACTERS)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    specversion: Literal["1.0"] = "1.0"
    time: datetime = Field(default_factory=_now)
    subject: str = Field(pattern=_NO_CONTROL_CHARACTERS)
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]

    @classmethod
    def wrap(cls, data: EventData, *, source: str, subject: str, **extensions: Any) -> Self:
        return cls(
            source=source,
            type=data.event_type,
            subject=subject,
            data=data.model_dump(mode="json"),
            **extensions,
        )

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes | str) -> Self:
        return cls.model_validate_json(raw)

    def data_as(self, model: "builtins.type[DataT]") -> DataT:
        if self.type != model.event_type:
            raise ValueError(f"event {self.id} has type {self.type!r}, not {model.event_type!r}")
        return model.model_validate(self.data)

    @property
    def key(self) -> bytes:
        return self.subject.encode()
