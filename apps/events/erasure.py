"""Account erasure: the user's photo objects, upload items and timeline events (idempotent)."""

from apps.events import photo_deletion, repository


def erase_user(*, user_id: str) -> None:
    """Delete every photo of the user (found through their UPLOAD# items, plus the legacy prefix),
    then every event."""
    photo_deletion.user_photos_delete(user_id=user_id)
    repository.events_delete(user_id=user_id)
