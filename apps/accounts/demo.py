"""The demo user's profile (apps.core.demo runs this first, after the identity exists)."""

import datetime as dt

from apps.accounts import repository, services


def seed(*, user_id: str, email: str, now: dt.datetime) -> None:
    """Create the demo user's profile with the default settings (kept if it exists)."""
    repository.profile_create_if_missing(
        user_id=user_id, email=services.normalize_email(email), created_at=now,
        timezone=services.DEFAULT_TIMEZONE, temperature_unit=services.DEFAULT_TEMPERATURE_UNIT,
    )
