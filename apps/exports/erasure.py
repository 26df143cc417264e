"""Account erasure's exports part: the user's export zips and export items."""

from apps.exports import repository, storage


def erase_user(*, user_id: str) -> None:
    """Remove every export zip and export item of the user (idempotent: a retry finishes the job)."""
    # Objects first: if the item deletion fails, a retry still finds the zips by their prefix.
    storage.delete_user_objects(user_id)
    repository.exports_delete_all(user_id=user_id)
