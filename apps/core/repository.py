"""Core access patterns: idempotency records."""

from dataclasses import dataclass

from pynamodb.exceptions import DeleteError, PutError

from apps.core.aws.table import TableItem
from apps.core.models import IdempotencyRecord, RevokedUser


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    state: str
    status_code: int | None
    body: str | None


def _key(user_id: str, key: str) -> tuple[str, str]:
    # In the user's partition (not DESIGN.md's IDEMPOTENCY#{sub}#{key}): a record holds a stored
    # response, i.e. user data, and account erasure must find it without a Scan.
    return f"USER#{user_id}", f"IDEMPOTENCY#{key}"


def idempotency_claim(*, user_id: str, key: str, fingerprint: str, created_at: str, expires_at: int) -> bool:
    """Record that a request with this key started; False if a record exists already."""
    pk, sk = _key(user_id, key)
    record = IdempotencyRecord(
        pk, sk, fingerprint=fingerprint, state="in_progress", created_at=created_at, TTL=expires_at
    )
    try:
        record.save(condition=IdempotencyRecord.PK.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def idempotency_get(*, user_id: str, key: str, now_epoch: int) -> StoredResponse | None:
    """The live record of this key (an expired one TTL has not removed yet counts as gone)."""
    pk, sk = _key(user_id, key)
    try:
        record = IdempotencyRecord.get(pk, sk, consistent_read=True)
    except IdempotencyRecord.DoesNotExist:
        return None
    if record.TTL is not None and record.TTL <= now_epoch:
        return None
    return StoredResponse(record.fingerprint, record.state, record.status_code, record.body)


def idempotency_complete(*, user_id: str, key: str, status_code: int, body: str) -> None:
    """Store the first response so a retry with the same key gets it back."""
    pk, sk = _key(user_id, key)
    IdempotencyRecord(pk, sk).update(
        actions=[
            IdempotencyRecord.state.set("done"),
            IdempotencyRecord.status_code.set(status_code),
            IdempotencyRecord.body.set(body),
        ]
    )


def idempotency_release(*, user_id: str, key: str) -> None:
    """Forget a key whose request failed, so the client may retry it."""
    pk, sk = _key(user_id, key)
    try:
        IdempotencyRecord(pk, sk).delete()
    except DeleteError:
        pass


def idempotency_replace_expired(*, user_id: str, key: str, fingerprint: str, created_at: str,
                                expires_at: int, now_epoch: int) -> bool:
    """Take over a record whose TTL passed but which DynamoDB has not deleted yet."""
    pk, sk = _key(user_id, key)
    record = IdempotencyRecord(
        pk, sk, fingerprint=fingerprint, state="in_progress", created_at=created_at, TTL=expires_at
    )
    try:
        record.save(condition=IdempotencyRecord.TTL <= now_epoch)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _revoked_key(user_id: str) -> tuple[str, str]:
    return f"REVOKED#{user_id}", "REVOKED"


def user_revoke(*, user_id: str, revoked_at: str, expires_at: int) -> None:
    """Mark the user's tokens as revoked until `expires_at` (epoch seconds)."""
    pk, sk = _revoked_key(user_id)
    RevokedUser(pk, sk, revoked_at=revoked_at, TTL=expires_at).save()


def user_is_revoked(*, user_id: str) -> bool:
    """True if the user's tokens were revoked (their account was erased)."""
    pk, sk = _revoked_key(user_id)
    try:
        RevokedUser.get(pk, sk)
    except RevokedUser.DoesNotExist:
        return False
    return True


def idempotency_delete_all(*, user_id: str) -> int:
    """Delete every idempotency record of the user; returns how many there were."""
    deleted = 0
    with IdempotencyRecord.batch_write() as batch:
        for record in IdempotencyRecord.query(
            f"USER#{user_id}", IdempotencyRecord.SK.startswith("IDEMPOTENCY#"),
            attributes_to_get=["PK", "SK", "ItemType"],
        ):
            batch.delete(record)
            deleted += 1
    return deleted


# A partition no item is ever written to: WARM-UP is not a key prefix of any item type.
_WARM_UP_PK = "WARM-UP#snapstart"


def table_warm_up() -> None:
    """Read nothing, once each way the API reads (GetItem, a Query, a GSI1 Query), before a SnapStart snapshot:
    botocore builds each operation's serializer, parser and endpoint on its first call."""
    try:
        TableItem.get(_WARM_UP_PK, _WARM_UP_PK)
    except TableItem.DoesNotExist:
        pass
    list(TableItem.query(_WARM_UP_PK, limit=1))
    list(TableItem.gsi1.query(_WARM_UP_PK, limit=1))
