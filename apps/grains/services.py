"""Grains rules and writes: creation, optimistic-locked edits, weighings, splits, growth estimates, and
the check a batch makes of the grains it starts from."""

import dataclasses
import datetime as dt
import logging
from typing import Any

from apps.core import clock, ids
from apps.core.http.cursors import decode_cursor, encode_cursor
from apps.core.http.errors import Conflict, Invalid, NotFound
from apps.grains import growth, repository
from apps.grains.repository import Grains, GrainsWithHistory, HistoryEntry

logger = logging.getLogger("kefir.grains")
KINDS = ("milk", "water")
SPLIT_TARGETS = ("new", "given")
HISTORY_LIMIT = 50
# History entries read before a weighing or split: the last FIT_WEIGHINGS weighings with the splits between
# them, with room for many splits. A weighing back-dated behind all of these cannot be among the last six.
RECENT_ENTRIES = 30
NAME_MAX = 120
SPLIT_SUFFIX = " (split)"
STALE = "The grains changed since you loaded them (stale version); reload them and try again."


@dataclasses.dataclass(frozen=True)
class Weighing:
    grains: Grains
    entry: HistoryEntry


@dataclasses.dataclass(frozen=True)
class Split:
    grains: Grains
    entry: HistoryEntry
    created: Grains | None


def _require_id(grains_id: str) -> str:
    # Ids become part of keys: anything that is not one of our ids cannot name grains.
    if not ids.is_id(grains_id):
        raise NotFound("No such grains.")
    return grains_id


def estimated_mass_g(grains: Grains, *, now: dt.datetime) -> float:
    """The grains' mass now: their last known mass grown since at their rate (0..5000 g, to 0.1 g)."""
    return growth.estimate(mass_g=grains.mass_g, since=grains.mass_at, rate_per_day=grains.growth_rate_per_day,
                           now=now)


def growth_per_week(grains: Grains) -> float:
    """The rate estimates use, as growth per week (0.1 = +10 %/week)."""
    return round(growth.weekly_growth(grains.growth_rate_per_day), 4)


def grains_require(*, user_id: str, grains_id: str) -> Grains:
    """The caller's grains, or NotFound (another user's grains are indistinguishable from missing ones)."""
    grains = repository.grains_get(user_id=user_id, grains_id=_require_id(grains_id))
    if grains is None:
        raise NotFound("No such grains.")
    return grains


def grains_list(*, user_id: str, limit: int, cursor: str | None) -> tuple[list[Grains], str | None]:
    """A page of the caller's grains, newest first, and the cursor of the next page."""
    scope = f"grains:{user_id}"
    page = repository.grains_page(user_id=user_id, limit=limit, position=decode_cursor(cursor, scope=scope))
    return page.grains, encode_cursor(page.next_position, scope=scope)


def grains_create(*, user_id: str, name: str, kind: str, mass_g: float, acquired_at: dt.datetime | None = None,
                  notes: str | None = "") -> Grains:
    """Create grains (version 1) with their `created` history entry, growing at the default rate."""
    now = clock.now()
    grains = Grains(
        id=ids.new_id(at=now), user_id=user_id, name=name, kind=kind, mass_g=mass_g, mass_at=now,
        growth_rate_per_day=growth.DEFAULT_RATE_PER_DAY, growth_source="default", growth_based_on=0,
        acquired_at=acquired_at or now, created_at=now, updated_at=now, version=1, notes=notes or "",
    )
    entry = HistoryEntry(id=ids.new_id(at=now), grains_id=grains.id, user_id=user_id, type="created",
                         mass_g=mass_g, at=now, created_at=now)
    repository.grains_create(grains=grains, entry=entry)
    return grains


def grains_detail(*, user_id: str, grains_id: str) -> GrainsWithHistory:
    """The grains with their newest 50 history entries (one Query)."""
    found = repository.grains_with_history(user_id=user_id, grains_id=_require_id(grains_id), limit=HISTORY_LIMIT)
    if found is None:
        raise NotFound("No such grains.")
    return found


def grains_update(*, user_id: str, grains_id: str, version: int, changes: dict[str, Any]) -> Grains:
    """Apply `changes` (name, kind, acquired_at, notes) if `version` is current; 409 conflict if stale."""
    _require_id(grains_id)
    updated = repository.grains_update(user_id=user_id, grains_id=grains_id, expected_version=version,
                                       changes=changes, updated_at=clock.now())
    if updated is None:
        grains_require(user_id=user_id, grains_id=grains_id)  # NotFound when they are gone (or not yours)
        raise Conflict(STALE, fields={"version": ["Stale: reload the grains and send their current version."]})
    return updated


def grains_delete(*, user_id: str, grains_id: str) -> None:
    """Delete the grains and their whole history (batches started from them keep their grains_id)."""
    if not repository.grains_delete(user_id=user_id, grains_id=_require_id(grains_id)):
        raise NotFound("No such grains.")
    logger.info("grains deleted", extra={"user_id": user_id, "grains_id": grains_id})


def _regrown(history: list[HistoryEntry]) -> dict[str, Any]:
    """The growth fields after `history` (newest RECENT_ENTRIES, including the new entry): a fit of the
    weighings when there is one, else the rate the grains had (measured before, their parent's, or the
    default)."""
    fit = growth.fit_rate(growth.points(history))
    if fit is None:
        return {}
    return {"growth_rate_per_day": fit.rate_per_day, "growth_source": "measured", "growth_based_on": fit.based_on}


def _recent(user_id: str, grains_id: str) -> GrainsWithHistory:
    found = repository.grains_with_history(user_id=user_id, grains_id=_require_id(grains_id), limit=RECENT_ENTRIES,
                                           consistent=True)
    if found is None:
        raise NotFound("No such grains.")
    return found


def grains_weigh(*, user_id: str, grains_id: str, mass_g: float, measured_at: dt.datetime | None = None) -> Weighing:
    """Log a weighing: it becomes `mass_g` unless the grains already have a mass from a later time (then the
    back-dated weighing only joins the history and the growth fit); the growth rate is refitted. One Query,
    one transaction; a lost race with another write to the grains is retried (3 tries, then 409)."""
    for _ in range(3):
        found = _recent(user_id, grains_id)
        current, now = found.grains, clock.now()
        at = measured_at or now
        entry = HistoryEntry(id=ids.new_id(at=now), grains_id=current.id, user_id=user_id, type="weighed",
                             mass_g=mass_g, at=at, created_at=now)
        changes = _regrown([*found.history, entry])
        if at >= current.mass_at:
            changes.update(mass_g=mass_g, mass_at=at)
        updated = dataclasses.replace(current, **changes, updated_at=now, version=current.version + 1)
        if repository.grains_record(current=current, updated=updated, entries=[entry]):
            return Weighing(updated, entry)
        # Another write to these grains landed between our read and our transaction: read again.
    raise Conflict("The grains are changing; try again.")


def _split_name(parent_name: str) -> str:
    return parent_name[: NAME_MAX - len(SPLIT_SUFFIX)] + SPLIT_SUFFIX


def grains_split(*, user_id: str, grains_id: str, mass_g: float, to: str, note: str | None = None,
                 name: str | None = None) -> Split:
    """Take `mass_g` off the grains' estimated mass now: to new grains (of that mass, the same kind, growing at
    the parent's rate until weighed) or given away. More than the estimated mass is 400 invalid. One Query,
    one transaction (the grains, the split entry, and any new grains with their `created` entry)."""
    for _ in range(3):
        found = _recent(user_id, grains_id)
        current, now = found.grains, clock.now()
        available = estimated_mass_g(current, now=now)
        if mass_g > available:
            raise Invalid("The split is larger than the grains.", fields={
                "mass_g": [f"Ensure this value is at most {available:g}: the grains' estimated mass now."]})
        new_id = ids.new_id(at=now) if to == "new" else None
        entry = HistoryEntry(id=ids.new_id(at=now), grains_id=current.id, user_id=user_id,
                             type="split" if to == "new" else "given", mass_g=mass_g, at=now, created_at=now,
                             note=note or None, other_grains_id=new_id)
        changes = _regrown([*found.history, entry])
        # To the milligram: 17.5 - 12.3 is 5.199999999999999 in floating point.
        updated = dataclasses.replace(current, **changes, mass_g=max(0.0, round(available - mass_g, 3)), mass_at=now,
                                      updated_at=now, version=current.version + 1)
        created = None
        if new_id is not None:
            inherited = updated.growth_source != "default"
            new_grains = Grains(
                id=new_id, user_id=user_id, name=name or _split_name(current.name), kind=current.kind,
                mass_g=mass_g, mass_at=now, growth_rate_per_day=updated.growth_rate_per_day,
                growth_source="parent" if inherited else "default", growth_based_on=0, acquired_at=now,
                created_at=now, updated_at=now, version=1, split_from=current.id,
            )
            created_entry = HistoryEntry(id=ids.new_id(at=now), grains_id=new_id, user_id=user_id, type="created",
                                         mass_g=mass_g, at=now, created_at=now,
                                         note=note or f"Split from {current.name}", other_grains_id=current.id)
            created = (new_grains, created_entry)
        if repository.grains_record(current=current, updated=updated, entries=[entry], created=created):
            return Split(updated, entry, created[0] if created else None)
    raise Conflict("The grains are changing; try again.")


def grains_for_batch(*, user_id: str, grains_id: str, kind: str) -> Grains:
    """The caller's grains of `kind` a batch starts from; 400 invalid on `grains_id` otherwise (another
    user's grains get the same answer as missing ones). One GetItem."""
    grains = repository.grains_get(user_id=user_id, grains_id=grains_id) if ids.is_id(grains_id) else None
    if grains is None:
        raise Invalid("No such grains.", fields={"grains_id": ["No such grains."]})
    if grains.kind != kind:
        raise Invalid("The grains are of another kind than the batch.", fields={
            "grains_id": [f"These are {grains.kind} kefir grains; the batch is {kind} kefir."]})
    return grains
