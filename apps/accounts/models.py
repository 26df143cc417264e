"""Accounts' item types in the single table (storage only)."""

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from apps.core.aws.table import TableItem


class ProfileItem(TableItem, discriminator="profile"):
    email = UnicodeAttribute()
    created_at = UnicodeAttribute()
    timezone = UnicodeAttribute()
    temperature_unit = UnicodeAttribute()
    # Quiet hours on the user's wall clock, "HH:MM" each; absent: none.
    quiet_start = UnicodeAttribute(null=True)
    quiet_end = UnicodeAttribute(null=True)


class LoginSessionItem(TableItem, discriminator="login_session"):
    """One step of a login: the opaque session a client holds, keyed by its hash (TTL)."""

    email_hash = UnicodeAttribute()
    failed_attempts = NumberAttribute()
    expires_at = UnicodeAttribute()
    # The identity provider's challenge state (JSON); null for a session that can never succeed.
    provider_state = UnicodeAttribute(null=True)
    used = BooleanAttribute(null=True)


class RateWindowItem(TableItem, discriminator="rate_window"):
    """Recent hits of one rate-limited key (epoch seconds), replaced with a revision check (TTL)."""

    hits = ListAttribute(of=NumberAttribute)
    revision = NumberAttribute()
