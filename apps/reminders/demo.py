"""Demo reminders: the timing model's suggestions for the demo user's active batch, pending."""

import datetime as dt

from apps.batches.repository import batches_iter
from apps.core import ids
from apps.reminders import repository, timing
from apps.reminders.repository import Reminder


def seed(*, user_id: str, email: str, now: dt.datetime) -> None:
    """A couple of pending reminders for the demo user's active batch (none if there is no such batch)."""
    active = next((b for b in batches_iter(user_id=user_id) if b.status == "active"), None)
    if active is None:
        return
    suggestions = timing.suggest(kind=active.kind, status=active.status, started_at=active.started_at, now=now,
                                 temperature_c=active.temperature_c, grains_g=active.grains_g,
                                 liquid_ml=active.liquid_ml)
    for suggestion in suggestions[:2]:
        repository.reminder_put(reminder=Reminder(
            id=ids.new_id(at=now), user_id=user_id, batch_id=active.id, kind=suggestion.kind,
            due_at=max(suggestion.due_at, now + dt.timedelta(minutes=30)), message=suggestion.reason,
            status="pending", sent_at=None, created_at=now, updated_at=now,
        ))
