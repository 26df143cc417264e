"""Export items of the single table (storage only)."""

from pynamodb.attributes import UnicodeAttribute

from apps.core.aws.table import TableItem


class ExportItem(TableItem, discriminator="export"):
    """One account data package: its state and, once ready, where the zip is. TTL: 7 days."""

    export_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    format = UnicodeAttribute()  # "csv" | "json"
    status = UnicodeAttribute()  # "pending" | "ready" | "failed"
    created_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    object_key = UnicodeAttribute(null=True)


class PendingExportItem(TableItem, discriminator="export_pending"):
    """The user's one pending export (a lock: its conditional put makes "one pending at a time" atomic)."""

    export_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
