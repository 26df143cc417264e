"""Key formats of batch, event and share items (DESIGN.md's table); for the two repositories only."""


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def batch_prefix(batch_id: str) -> str:
    """Every item of one batch (its META and its events) sorts under this prefix."""
    return f"BATCH#{batch_id}#"


def batch_sk(batch_id: str) -> str:
    # "META" sorts after "EVENT", so a descending query returns the batch first, then the newest events.
    return f"BATCH#{batch_id}#META"


def batch_list_pk(user_id: str) -> str:
    return f"USER#{user_id}#BATCHES"


def event_prefix(batch_id: str) -> str:
    return f"BATCH#{batch_id}#EVENT#"


def event_sk(batch_id: str, occurred_at: str, event_id: str) -> str:
    return f"BATCH#{batch_id}#EVENT#{occurred_at}#{event_id}"


def share_pk(token: str) -> str:
    return f"SHARE#{token}"


SHARE_SK = "SHARE"
