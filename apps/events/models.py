"""Timeline event items of the single table (storage only)."""

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from apps.core.aws.table import TableItem


class EventItem(TableItem, discriminator="event"):
    event_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    type = UnicodeAttribute()
    occurred_at = UnicodeAttribute()  # clock.isoformat(): also part of the sort key
    note = UnicodeAttribute(null=True)
    temperature_c = NumberAttribute(null=True)
    rating = NumberAttribute(null=True)
    photo_key = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)  # status_changed events: the batch's new status
    created_at = UnicodeAttribute()


class UploadItem(TableItem, discriminator="upload"):
    """One photo upload (DESIGN.md: PK USER#{sub}, SK UPLOAD#{upload_id}): how the S3 object
    photos/{upload_id} is tied to its owner and batch. TTL is set until a photo event attaches it."""

    upload_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    object_key = UnicodeAttribute()
    content_type = UnicodeAttribute()
    created_at = UnicodeAttribute()
    attached = BooleanAttribute(default=False)
    legacy_key = UnicodeAttribute(null=True)  # migrated uploads: the key it had in the old layout
