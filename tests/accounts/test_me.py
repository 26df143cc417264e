"""GET and PATCH /api/v1/me: the caller's profile and settings."""

import pytest

from apps.accounts import demo, repository
from apps.core import clock
from tests import factory


def test_a_user_created_outside_the_login_flow_gets_a_profile_on_first_use(user_api, user):
    response = user_api.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id and body["email"] == user.email
    assert body["created_at"].endswith("Z")
    assert body["settings"] == {"timezone": "UTC", "temperature_unit": "C", "quiet_hours": None}
    assert repository.profile_get(user_id=user.id) is not None
    assert repository.profile_user_id_by_email(email=user.email) == user.id


def test_me_needs_a_token(api):
    assert api.get("/api/v1/me").status_code == 401


def test_patch_changes_only_the_given_settings(user_api):
    changed = user_api.patch("/api/v1/me", {"settings": {"timezone": "Europe/Berlin"}}, format="json")
    assert changed.status_code == 200
    assert changed.json()["settings"] == {"timezone": "Europe/Berlin", "temperature_unit": "C", "quiet_hours": None}
    changed = user_api.patch("/api/v1/me", {"settings": {"temperature_unit": "F"}}, format="json")
    assert changed.json()["settings"] == {"timezone": "Europe/Berlin", "temperature_unit": "F", "quiet_hours": None}
    assert user_api.get("/api/v1/me").json()["settings"] == {
        "timezone": "Europe/Berlin", "temperature_unit": "F", "quiet_hours": None}


def test_patch_ignores_unknown_fields_and_never_changes_id_or_email(user_api, user):
    response = user_api.patch("/api/v1/me", {
        "email": "evil@example.com", "id": "someone-else", "nickname": "x",
        "settings": {"timezone": "America/New_York", "colour": "blue"},
    }, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id and body["email"] == user.email
    assert body["settings"] == {"timezone": "America/New_York", "temperature_unit": "C", "quiet_hours": None}


@pytest.mark.parametrize("body, field", [
    ({"settings": {"timezone": "Mars/Olympus"}}, "settings.timezone"),
    ({"settings": {"timezone": "../../etc/passwd"}}, "settings.timezone"),
    ({"settings": {"timezone": ""}}, "settings.timezone"),
    ({"settings": {"timezone": 5}}, "settings.timezone"),
    ({"settings": {"temperature_unit": "K"}}, "settings.temperature_unit"),
    ({"settings": {"temperature_unit": "c"}}, "settings.temperature_unit"),
    ({"settings": "UTC"}, "settings.non_field_errors"),
    ({}, "settings"),
])
def test_patch_with_bad_settings_is_invalid_and_changes_nothing(user_api, body, field):
    user_api.patch("/api/v1/me", {"settings": {"timezone": "Asia/Tokyo"}}, format="json")
    response = user_api.patch("/api/v1/me", body, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]
    assert user_api.get("/api/v1/me").json()["settings"] == {
        "timezone": "Asia/Tokyo", "temperature_unit": "C", "quiet_hours": None}


def test_each_user_sees_only_their_own_profile(user_api, other_api, user, other_user):
    other_api.patch("/api/v1/me", {"settings": {"temperature_unit": "F", "quiet_hours": None}}, format="json")
    assert user_api.get("/api/v1/me").json()["id"] == user.id
    assert user_api.get("/api/v1/me").json()["settings"]["temperature_unit"] == "C"
    assert other_api.get("/api/v1/me").json()["id"] == other_user.id


def test_the_profile_is_created_on_first_login_and_kept_afterwards(api):
    tokens = factory.login_with_code(api, "fresh@example.com")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    me = api.get("/api/v1/me").json()
    api.patch("/api/v1/me", {"settings": {"timezone": "Europe/Paris"}}, format="json")
    factory.login_with_code(api, "fresh@example.com")
    again = api.get("/api/v1/me").json()
    assert again["created_at"] == me["created_at"] and again["settings"]["timezone"] == "Europe/Paris"


def test_demo_seed_creates_the_demo_profile_in_berlin_with_quiet_nights(user):
    now = clock.now()
    demo.seed(user_id=user.id, email="Test@Example.com", now=now)
    profile = repository.profile_get(user_id=user.id)
    assert profile.email == "test@example.com" and profile.created_at == clock.parse(clock.isoformat(now))
    assert (profile.timezone, profile.temperature_unit) == ("Europe/Berlin", "C")
    assert profile.quiet_hours == {"start": "22:00", "end": "07:00"}


def test_quiet_hours_are_set_kept_when_left_out_and_cleared_with_null(user_api):
    quiet = {"start": "22:30", "end": "06:45"}
    assert user_api.patch("/api/v1/me", {"settings": {"quiet_hours": quiet}}, format="json").json()[
        "settings"]["quiet_hours"] == quiet
    kept = user_api.patch("/api/v1/me", {"settings": {"timezone": "Asia/Kathmandu"}}, format="json").json()
    assert kept["settings"] == {"timezone": "Asia/Kathmandu", "temperature_unit": "C", "quiet_hours": quiet}
    cleared = user_api.patch("/api/v1/me", {"settings": {"quiet_hours": None}}, format="json").json()
    assert cleared["settings"]["quiet_hours"] is None
    assert user_api.get("/api/v1/me").json()["settings"]["quiet_hours"] is None


@pytest.mark.parametrize("quiet_hours, field", [
    ({"start": "7:00", "end": "22:00"}, "settings.quiet_hours.start"),
    ({"start": "22:00", "end": "24:00"}, "settings.quiet_hours.end"),
    ({"start": "22:60", "end": "07:00"}, "settings.quiet_hours.start"),
    ({"start": "22:00"}, "settings.quiet_hours.end"),
    ({"start": "22:00", "end": "22:00"}, "settings.quiet_hours.end"),
    ({"start": 2200, "end": "07:00"}, "settings.quiet_hours.start"),
    ("22:00-07:00", "settings.quiet_hours.non_field_errors"),
])
def test_malformed_quiet_hours_are_invalid_and_change_nothing(user_api, quiet_hours, field):
    kept = {"start": "23:00", "end": "06:00"}
    user_api.patch("/api/v1/me", {"settings": {"quiet_hours": kept}}, format="json")
    response = user_api.patch("/api/v1/me", {"settings": {"timezone": "Europe/Berlin", "quiet_hours": quiet_hours}},
                              format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]
    assert user_api.get("/api/v1/me").json()["settings"] == {"timezone": "UTC", "temperature_unit": "C",
                                                             "quiet_hours": kept}


def test_an_unknown_timezone_with_quiet_hours_changes_neither(user_api):
    response = user_api.patch("/api/v1/me", {"settings": {"timezone": "Europe/Atlantis",
                                                          "quiet_hours": {"start": "22:00", "end": "07:00"}}},
                              format="json")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["settings.timezone"]
    assert user_api.get("/api/v1/me").json()["settings"]["quiet_hours"] is None


def test_a_failed_settings_transaction_leaves_settings_and_reminders_unchanged(user_api):
    from tests import faults
    from tests.reminders.conftest import make_batch

    batch = make_batch(user_api, auto_reminders=True)
    before = user_api.get(f"/api/v1/reminders?batch_id={batch['id']}").json()["results"]
    with faults.dynamodb(fault="throttle", operations={"TransactWriteItems"}):
        response = user_api.patch("/api/v1/me", {"settings": {"timezone": "Pacific/Chatham",
                                                              "quiet_hours": {"start": "00:00", "end": "23:59"}}},
                                  format="json")
    assert response.status_code == 503
    assert user_api.get("/api/v1/me").json()["settings"]["timezone"] == "UTC"
    assert user_api.get(f"/api/v1/reminders?batch_id={batch['id']}").json()["results"] == before
