"""Reactions to other apps' events (connected in RemindersConfig.ready)."""

from apps.reminders import services


def on_batch_deleted(sender, *, user_id: str, batch_id: str, **kwargs) -> None:
    """A deleted batch takes its reminders with it, so none of them is ever pushed."""
    services.reminders_remove_for_batch(user_id=user_id, batch_id=batch_id)
