"""Account erasure for reminders (see apps.core.hooks)."""

from apps.reminders import repository


def erase_user(*, user_id: str) -> None:
    """Delete every reminder, follow state and the calibration of the user (idempotent)."""
    repository.reminders_delete_all(user_id=user_id)
    repository.follow_delete_all(user_id=user_id)
