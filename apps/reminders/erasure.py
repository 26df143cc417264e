"""Account erasure for reminders (see apps.core.hooks)."""

from apps.reminders import repository


def erase_user(*, user_id: str) -> None:
    """Delete every reminder of the user (idempotent)."""
    repository.reminders_delete_all(user_id=user_id)
