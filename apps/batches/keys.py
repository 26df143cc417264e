"""Key formats of the batch list (GSI1) and of share-link items (DESIGN.md's table); for the batches
repository only. The batch partition's own keys (a batch's META item and its events) are apps.events.keys."""


def batch_list_pk(user_id: str) -> str:
    return f"USER#{user_id}#BATCHES"


def share_pk(token: str) -> str:
    return f"SHARE#{token}"


SHARE_SK = "SHARE"
