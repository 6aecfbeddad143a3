"""Pin rules that need no I/O."""

LOW_ACCURACY_METRES = 100.0


def quality_flags(accuracy_m: float | None) -> list[str]:
    flags = []
    if accuracy_m is not None and accuracy_m > LOW_ACCURACY_METRES:
        flags.append("low_accuracy")
    return flags
