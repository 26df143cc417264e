"""The audit log's storage: newest first, across months, filtered by staff member and by user, paged by position."""

import datetime as dt

from apps.core import clock
from apps.support import repository, services
from apps.support.services import Actor

ANNA = Actor(id="11111111-1111-4111-8111-111111111111", email="anna@example.com")
BEN = Actor(id="22222222-2222-4222-8222-222222222222", email="ben@example.com")
USER_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
USER_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"


def record(actor, user_id, action, at):
    with clock.frozen(at):
        return services.audit_record(actor=actor, action=action, target_type="user", target_id=user_id,
                                     target_user_id=user_id)


def test_entries_come_back_newest_first_across_months_and_filtered_by_staff_and_user():
    start = dt.datetime(2026, 1, 30, 12, tzinfo=dt.UTC)
    written = [
        record(ANNA, USER_A, "disable", start),
        record(BEN, USER_B, "disable", start + dt.timedelta(days=1)),  # January 31st
        record(ANNA, USER_B, "enable", start + dt.timedelta(days=3)),  # February
        record(BEN, USER_A, "enable", start + dt.timedelta(days=40)),  # March
    ]
    with clock.frozen(start + dt.timedelta(days=45)):
        everything = repository.audit_entries_recent(limit=10)
        assert everything == list(reversed(written))
        assert [e.actor_id for e in repository.audit_entries_recent(limit=10, actor_id=ANNA.id)] == [ANNA.id] * 2
        by_user = repository.audit_entries_for_user(user_id=USER_B, limit=10)
        assert [e.action for e in by_user] == ["enable", "disable"]
        assert repository.audit_entries_for_user(user_id=USER_B, limit=10, actor_id=BEN.id) == [written[1]]
        first_page = repository.audit_entries_recent(limit=2)
        second_page = repository.audit_entries_recent(limit=2, before=first_page[-1].position)
        assert first_page + second_page == list(reversed(written))
        assert repository.audit_entries_for_user(user_id=USER_A, limit=10, before=written[3].position) == [written[0]]


def test_an_entry_records_who_did_what_to_which_target_and_when():
    at = dt.datetime(2026, 5, 4, 3, 2, 1, tzinfo=dt.UTC)
    with clock.frozen(at):
        entry = services.audit_record(actor=ANNA, action="cancel_reminder", target_type="reminder",
                                      target_id="01J0000000000000000000000A", target_user_id=USER_A)
    [stored] = repository.audit_entries_for_user(user_id=USER_A, limit=5)
    assert stored == entry
    assert (stored.actor_email, stored.action, stored.target_type, stored.at) == (
        "anna@example.com", "cancel_reminder", "reminder", "2026-05-04T03:02:01.000Z")
