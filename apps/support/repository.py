"""The audit log's access patterns: write an entry, read the newest entries (all, by staff member, by user)."""

import datetime as dt
from dataclasses import dataclass

from apps.core import clock
from apps.support.models import AuditEntryItem

# The log is read newest month first; older months than this are not searched (the log keeps them).
HISTORY_MONTHS = 24


@dataclass(frozen=True)
class AuditEntry:
    entry_id: str
    at: str
    actor_id: str
    actor_email: str
    action: str
    target_type: str
    target_id: str
    target_user_id: str | None = None
    detail: str | None = None

    @property
    def position(self) -> str:
        """Where this entry sits in the log; pass it as `before` to read the entries older than it."""
        return f"{self.at}#{self.entry_id}"


def _month_key(at: str) -> str:
    return f"AUDIT#{at[:7]}"


def _entry(item: AuditEntryItem) -> AuditEntry:
    return AuditEntry(
        entry_id=item.entry_id, at=item.at, actor_id=item.actor_id, actor_email=item.actor_email,
        action=item.action, target_type=item.target_type, target_id=item.target_id,
        target_user_id=item.target_user_id, detail=item.detail,
    )


def audit_entry_put(*, entry: AuditEntry) -> None:
    """Write one audit entry (entries are never changed or deleted by the application)."""
    item = AuditEntryItem(
        _month_key(entry.at), entry.position,
        entry_id=entry.entry_id, at=entry.at, actor_id=entry.actor_id, actor_email=entry.actor_email,
        action=entry.action, target_type=entry.target_type, target_id=entry.target_id,
        target_user_id=entry.target_user_id, detail=entry.detail or None,
    )
    if entry.target_user_id:
        item.GSI1PK, item.GSI1SK = f"AUDITUSER#{entry.target_user_id}", entry.at
    item.save(condition=AuditEntryItem.PK.does_not_exist())


def _months_back(start: dt.datetime, count: int) -> list[str]:
    year, month = start.year, start.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def audit_entries_recent(*, limit: int, before: str | None = None, actor_id: str | None = None) -> list[AuditEntry]:
    """Up to `limit` entries, newest first, older than the position `before`, optionally by one staff member.

    One Query per month partition, newest month first, back HISTORY_MONTHS months at most.
    """
    start = clock.parse(before.split("#", 1)[0]) if before else clock.now()
    condition = AuditEntryItem.actor_id == actor_id if actor_id else None
    entries: list[AuditEntry] = []
    for month in _months_back(start, HISTORY_MONTHS):
        range_condition = AuditEntryItem.SK < before if before and before.startswith(month) else None
        for item in AuditEntryItem.query(
            f"AUDIT#{month}", range_condition, filter_condition=condition, scan_index_forward=False,
            page_size=limit,
        ):
            entries.append(_entry(item))
            if len(entries) >= limit:
                return entries
    return entries


def audit_entries_for_user(*, user_id: str, limit: int, before: str | None = None,
                           actor_id: str | None = None) -> list[AuditEntry]:
    """Up to `limit` entries whose target is the user `user_id`, newest first (one Query on GSI1)."""
    range_condition = AuditEntryItem.GSI1SK <= before.split("#", 1)[0] if before else None
    condition = AuditEntryItem.actor_id == actor_id if actor_id else None
    entries: list[AuditEntry] = []
    for item in AuditEntryItem.gsi1.query(
        f"AUDITUSER#{user_id}", range_condition, filter_condition=condition, scan_index_forward=False,
    ):
        entry = _entry(item)
        # Entries at the same instant as `before` but not older than it in the log's order are skipped.
        if before and entry.position >= before:
            continue
        entries.append(entry)
        if len(entries) >= limit:
            break
    return entries
