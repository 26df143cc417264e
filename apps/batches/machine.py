"""The batch status machine of API.md."""

STATUSES = ("active", "second_ferment", "in_fridge", "completed", "archived")
KINDS = ("milk", "water")

NEXT: dict[str, tuple[str, ...]] = {
    "active": ("second_ferment", "in_fridge", "completed", "archived"),
    "second_ferment": ("active", "in_fridge", "completed", "archived"),
    "in_fridge": ("active", "completed", "archived"),
    "completed": ("active", "archived"),
    "archived": ("active",),
}

LABELS = {
    "active": "First ferment",
    "second_ferment": "Second ferment",
    "in_fridge": "In the fridge",
    "completed": "Completed",
    "archived": "Archived",
}


def allowed_next(status: str) -> tuple[str, ...]:
    """The statuses a batch in `status` may move to."""
    return NEXT[status]


def is_allowed(current: str, new: str) -> bool:
    """Whether a batch may move from `current` to `new`."""
    return new in NEXT[current]
