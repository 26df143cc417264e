"""Key formats of the batch partition (DESIGN.md's table): a batch's META item and its events, under
USER#{sub}, BATCH#{batch_id}#…. For the events and batches repositories only (apps.batches.keys adds the
batch list's and share links' keys)."""

BATCH_ITEM_TYPE = "batch"
"""The discriminator (ItemType) of a batch's META item (apps.batches.models.BatchItem)."""


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def batch_prefix(batch_id: str) -> str:
    """Every item of one batch (its META and its events) sorts under this prefix."""
    return f"BATCH#{batch_id}#"


def batch_sk(batch_id: str) -> str:
    # "META" sorts after "EVENT", so a descending query returns the batch first, then the newest events.
    return f"BATCH#{batch_id}#META"


def event_prefix(batch_id: str) -> str:
    return f"BATCH#{batch_id}#EVENT#"


def event_sk(batch_id: str, occurred_at: str, event_id: str) -> str:
    return f"BATCH#{batch_id}#EVENT#{occurred_at}#{event_id}"
