"""A cap on simultaneous exports: each reads a whole survey table, so a burst must queue at the client."""

from citizeninfo_shared.problems import Problem


class ExportSlot:
    def __init__(self, slots: "ExportSlots") -> None:
        self._slots = slots
        self._held = True

    def release(self) -> None:
        """Safe to call more than once (both the stream's end and the response's cleanup call it)."""
        if self._held:
            self._held = False
            self._slots.in_use -= 1


class ExportSlots:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0

    def take(self) -> ExportSlot:
        if self.in_use >= self.limit:
            raise Problem(429, "Other survey exports are running; please retry shortly.", headers={"Retry-After": "10"})
        self.in_use += 1
        return ExportSlot(self)
