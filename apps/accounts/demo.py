"""The demo user's profile (apps.core.demo runs this first, after the identity exists): Berlin time, with quiet
hours at night, so the demo's automatic reminders show how they move out of them."""

import datetime as dt

from apps.accounts import repository, services


def seed(*, user_id: str, email: str, now: dt.datetime) -> None:
    """Create the demo user's profile (kept if it exists): Europe/Berlin, quiet hours 22:00-07:00."""
    repository.profile_create_if_missing(
        user_id=user_id, email=services.normalize_email(email), created_at=now,
        timezone=DEMO_TIMEZONE, temperature_unit=services.DEFAULT_TEMPERATURE_UNIT,
    )
    repository.profile_update_settings(user_id=user_id, timezone=None, temperature_unit=None,
                                       quiet_hours=DEMO_QUIET_HOURS)


DEMO_TIMEZONE = "Europe/Berlin"
DEMO_QUIET_HOURS = {"start": "22:00", "end": "07:00"}
