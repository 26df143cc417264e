"""Account erasure for devices (see apps.core.hooks)."""

from apps.devices import repository


def erase_user(*, user_id: str) -> None:
    """Delete every device of the user (idempotent)."""
    repository.devices_delete_all(user_id=user_id)
