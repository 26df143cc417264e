"""Reminder and push-ticket items (storage only)."""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from apps.core.aws.table import TableItem


class ReminderItem(TableItem, discriminator="reminder"):
    reminder_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    due_at = UnicodeAttribute()
    message = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Delivery bookkeeping: who holds the reminder (a run's claim id) until when (epoch ms), and how
    # many runs failed to deliver it.
    claim_id = UnicodeAttribute(null=True)
    claimed_until_ms = NumberAttribute(null=True)
    attempts = NumberAttribute(default=0)


class PushTicketItem(TableItem, discriminator="push_ticket"):
    """An Expo push ticket whose receipt a later run checks (Expo keeps receipts for 24 h)."""

    ticket_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    device_id = UnicodeAttribute()
    token = UnicodeAttribute()
    reminder_id = UnicodeAttribute()
    sent_at_ms = NumberAttribute()
