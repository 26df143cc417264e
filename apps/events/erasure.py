"""Account erasure: the user's timeline events and photo objects (idempotent)."""

from apps.events import photos, repository


def erase_user(*, user_id: str) -> None:
    """Delete every event of the user and every photo under users/{sub}/batches/."""
    repository.events_delete(user_id=user_id)
    photos.delete_prefix(f"{photos.user_prefix(user_id)}batches/")
