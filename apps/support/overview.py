"""What support staff see of a user and of a batch, read through each owning app's repository."""

import itertools
import re
from dataclasses import dataclass

from apps.accounts import repository as accounts
from apps.accounts.providers import IdentityUser, get_provider
from apps.batches import repository as batches
from apps.batches.repository import Batch
from apps.core import clock
from apps.devices import repository as devices
from apps.devices.repository import Device
from apps.events.photos import photo_url
from apps.events.repository import Event
from apps.exports import repository as exports
from apps.exports.repository import Export
from apps.grains import repository as grains
from apps.grains import services as grains_services
from apps.grains.repository import Grains
from apps.reminders import repository as reminders
from apps.reminders.repository import Reminder
from apps.support import repository
from apps.support.repository import AuditEntry

SUB_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
BATCHES_SHOWN = 100
GRAINS_SHOWN = 100
TIMELINE_SHOWN = 100
AUDIT_SHOWN = 20


@dataclass(frozen=True)
class GrainsLine:
    """Grains as the app shows them: with their estimated mass now and growth per week."""

    grains: Grains
    estimated_mass_g: float
    growth_per_week_percent: float


@dataclass(frozen=True)
class UserOverview:
    identity: IdentityUser
    profile: accounts.Profile | None
    batches: list[Batch]
    more_batches: bool
    grains: list[GrainsLine]
    more_grains: bool
    reminders: list[Reminder]
    devices: list[Device]
    exports: list[Export]
    audit: list[AuditEntry]


@dataclass(frozen=True)
class TimelineEntry:
    event: Event
    photo_url: str | None


@dataclass(frozen=True)
class BatchOverview:
    identity: IdentityUser
    batch: Batch
    timeline: list[TimelineEntry]
    more_events: bool
    reminders: list[Reminder]


def users_find(*, query: str) -> list[IdentityUser]:
    """Users whose id is `query` or whose email starts with it."""
    return get_provider().find_users(query, limit=50) if query.strip() else []


def user_identity(*, user_id: str) -> IdentityUser | None:
    """The identity with this sub, or None (also for anything that is not a sub)."""
    if not SUB_PATTERN.match(user_id or ""):
        return None
    return get_provider().get_user(user_id)


def user_overview(*, user_id: str) -> UserOverview | None:
    """The user's identity, profile, batches, grains, reminders, devices, exports and recent audit entries; None
    if unknown."""
    identity = user_identity(user_id=user_id)
    if identity is None:
        return None
    user_id = identity.sub
    listed = list(itertools.islice(batches.batches_iter(user_id=user_id), BATCHES_SHOWN + 1))
    their_grains = list(itertools.islice(grains.grains_iter(user_id=user_id), GRAINS_SHOWN + 1))
    now = clock.now()
    return UserOverview(
        identity=identity,
        profile=accounts.profile_get(user_id=user_id),
        batches=listed[:BATCHES_SHOWN],
        more_batches=len(listed) > BATCHES_SHOWN,
        grains=[GrainsLine(g, grains_services.estimated_mass_g(g, now=now),
                           round(grains_services.growth_per_week(g) * 100, 1)) for g in their_grains[:GRAINS_SHOWN]],
        more_grains=len(their_grains) > GRAINS_SHOWN,
        reminders=sorted(reminders.reminders_of(user_id=user_id), key=lambda r: r.due_at, reverse=True),
        devices=devices.devices_all(user_id=user_id),
        exports=exports.exports_of(user_id=user_id),
        audit=repository.audit_entries_for_user(user_id=user_id, limit=AUDIT_SHOWN),
    )


def batch_overview(*, user_id: str, batch_id: str) -> BatchOverview | None:
    """The user's batch with its newest events (photos as presigned URLs) and reminders; None if unknown."""
    identity = user_identity(user_id=user_id)
    if identity is None:
        return None
    found = batches.batch_with_timeline(user_id=identity.sub, batch_id=batch_id, limit=TIMELINE_SHOWN)
    if found is None:
        return None
    timeline = [TimelineEntry(event, photo_url(event.photo_key) if event.photo_key else None)
                for event in found.timeline]
    return BatchOverview(
        identity=identity, batch=found.batch, timeline=timeline, more_events=found.next_position is not None,
        reminders=reminders.reminders_of(user_id=identity.sub, batch_id=batch_id),
    )
