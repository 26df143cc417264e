"""Reminder and push-ticket items (storage only)."""

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute

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
    # Reminders that follow the batch: "auto" (placed by the server) or "user" (absent on older items: user);
    # why this time; and, for auto ones, the model's time before quiet hours moved it, when the ferment spoils
    # and the reason without what quiet hours added (re-placing them when the settings change starts there).
    source = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    model_due_at = UnicodeAttribute(null=True)
    spoils_at = UnicodeAttribute(null=True)
    reason_base = UnicodeAttribute(null=True)


class FollowItem(TableItem, discriminator="reminder_follow"):
    """A batch's cycle state and its pending auto reminders (see apps.reminders.repository)."""

    batch_id = UnicodeAttribute()
    state = UnicodeAttribute()  # JSON of apps.reminders.follow.Cycle
    pending = UnicodeSetAttribute(null=True)  # "{kind}:{reminder_id}" of each pending auto reminder
    rev = NumberAttribute()


class CalibrationItem(TableItem, discriminator="reminder_calibration"):
    """The user's completed cycles' samples (actual / model time), oldest first, per kind."""

    milk = ListAttribute(of=NumberAttribute, null=True)
    water = ListAttribute(of=NumberAttribute, null=True)
    rev = NumberAttribute()


class RunWatermarkItem(TableItem, discriminator="reminder_watermark"):
    """Where the next delivery run starts reading (repository.py explains the watermarks)."""

    position = UnicodeAttribute()  # an ISO time: a due hour, or the receipts' sent-before instant
    written_at = UnicodeAttribute()


class PushTicketItem(TableItem, discriminator="push_ticket"):
    """An Expo push ticket whose receipt a later run checks (Expo keeps receipts for 24 h)."""

    ticket_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    device_id = UnicodeAttribute()
    token = UnicodeAttribute()
    reminder_id = UnicodeAttribute()
    sent_at_ms = NumberAttribute()
