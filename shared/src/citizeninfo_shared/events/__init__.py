"""CloudEvents envelope and one module of data models per topic."""

from citizeninfo_shared.events.envelope import CloudEvent, EventData

__all__ = ["CloudEvent", "EventData"]
