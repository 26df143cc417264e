"""Core's own items: idempotency records and revoked users (storage only, no behaviour)."""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from apps.core.aws.table import TableItem


class IdempotencyRecord(TableItem, discriminator="idempotency"):
    fingerprint = UnicodeAttribute()
    state = UnicodeAttribute()  # "in_progress" | "done"
    status_code = NumberAttribute(null=True)
    body = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class RevokedUser(TableItem, discriminator="revoked_user"):
    """A user whose tokens must stop working (account erased). Kept past the longest token life."""

    revoked_at = UnicodeAttribute()
