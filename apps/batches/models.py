"""Batch and share-link items of the single table (storage only)."""

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from apps.core.aws.table import TableItem
from apps.events.keys import BATCH_ITEM_TYPE


class BatchItem(TableItem, discriminator=BATCH_ITEM_TYPE):
    batch_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    started_at = UnicodeAttribute()  # clock.isoformat(): sortable UTC text
    temperature_c = NumberAttribute(null=True)
    grains_g = NumberAttribute(null=True)
    liquid_ml = NumberAttribute(null=True)
    sugar_g = NumberAttribute(null=True)
    notes = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute()
    share_token = UnicodeAttribute(null=True)
    grains_id = UnicodeAttribute(null=True)  # the grains it started from (apps.grains)
    auto_reminders = BooleanAttribute(null=True)  # absent: true (API.md's default)


class ShareItem(TableItem, discriminator="share"):
    """A public link: lives under its own partition so the public page finds it by token alone."""

    user_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
