"""Storage of the staff audit log (PynamoDB, storage only)."""

from pynamodb.attributes import UnicodeAttribute

from apps.core.aws.table import TableItem


class AuditEntryItem(TableItem, discriminator="audit_entry"):
    """One staff action. PK AUDIT#{yyyy-mm}, SK {at}#{entry_id}; GSI1 AUDITUSER#{sub} / {at} when it targets a user."""

    entry_id = UnicodeAttribute()
    at = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_email = UnicodeAttribute()
    action = UnicodeAttribute()
    target_user_id = UnicodeAttribute(null=True)
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute()
    detail = UnicodeAttribute(null=True)
