"""Account erasure for grains (see apps.core.hooks)."""

from apps.grains import repository


def erase_user(*, user_id: str) -> None:
    """Delete every grains item and history entry of the user (idempotent)."""
    repository.grains_delete_all(user_id=user_id)
