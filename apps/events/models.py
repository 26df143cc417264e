"""Timeline event items of the single table (storage only)."""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

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
