"""Core's part of account erasure: the user's idempotency records (they hold stored responses)."""

from apps.core import repository


def erase_user(*, user_id: str) -> None:
    """Remove every idempotency record of the user (idempotent)."""
    repository.idempotency_delete_all(user_id=user_id)
