"""Reactions to other apps' events (connected in RemindersConfig.ready)."""


def on_batch_deleted(sender, *, user_id: str, batch_id: str, **kwargs) -> None:
    """A deleted batch takes its reminders with it, so none of them is ever pushed."""
    # Imported here, not at start-up (ready() connects this receiver in every process): the reminders'
    # services, repository and timing model are a cold start's import time that only a batch deletion needs.
    from apps.reminders import services

    services.reminders_remove_for_batch(user_id=user_id, batch_id=batch_id)
