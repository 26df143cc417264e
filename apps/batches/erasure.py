"""Account erasure: the user's share links and batches (idempotent; events go in apps.events.erasure)."""

from apps.batches import repository


def erase_user(*, user_id: str) -> None:
    """Delete every batch of the user and its share link (SHARE# items live outside the user's partition)."""
    for batch in list(repository.batches_iter(user_id=user_id)):
        if batch.share_token:
            repository.share_delete(token=batch.share_token)
        repository.batch_delete(user_id=user_id, batch_id=batch.id)
