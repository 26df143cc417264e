"""The support console through Django's test client: who gets in, what staff see, and every action audited."""

import datetime as dt

import pytest
from django.test import Client

from apps.accounts.providers import get_provider
from apps.batches import repository as batches
from apps.core import clock
from apps.core.auth import identity
from apps.devices import repository as devices
from apps.reminders import repository as reminders
from apps.support import repository as audit
from kefir import aws
from tests import factory
from tests.support.conftest import sign_in

pytestmark = pytest.mark.django_db

PAGES = ["/admin/", "/admin/support/users/", "/admin/support/audit/"]


def test_anonymous_visitors_are_sent_to_the_sign_in_form():
    client = Client()
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
    login = client.get("/admin/login/")
    assert login.status_code == 200
    assert b'name="email"' in login.content and b"Kefir support" in login.content


def test_a_user_outside_the_staff_groups_is_refused_after_the_code(user):
    client = Client()
    response = sign_in(client, user.email)
    assert response.status_code == 200
    assert b"not a member of the support staff" in response.content
    assert client.get("/admin/support/users/").status_code == 302


def test_a_wrong_code_is_refused_and_the_right_one_still_works(staff_member):
    client = Client()
    client.post("/admin/login/", {"step": "email", "email": staff_member.email})
    from tests.support.conftest import last_code

    code = last_code(staff_member.email)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/admin/login/", {"step": "code", "code": wrong})
    assert response.status_code == 200 and b"That code is not right" in response.content
    response = client.post("/admin/login/", {"step": "code", "code": code, "next": "/admin/support/users/"})
    assert response.status_code == 302 and response["Location"] == "/admin/support/users/"


def test_staff_see_the_console_pages(staff_client):
    for page in PAGES:
        response = staff_client.get(page)
        assert response.status_code == 200, page
        assert b"Kefir support" in response.content
    index = staff_client.get("/admin/").content.decode()
    assert "Users" in index and "Audit log" in index


def test_an_admin_group_member_is_a_superuser_of_the_console():
    boss = factory.make_user(groups=("admin",))
    client = Client()
    assert sign_in(client, boss.email).status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response.wsgi_request.user.is_superuser and response.wsgi_request.user.username == boss.id


def test_staff_find_a_user_by_email_or_id_and_see_everything_of_theirs(staff_client, demo):
    by_email = staff_client.get("/admin/support/users/", {"q": demo.user.email[:8]}).content.decode()
    assert demo.user.email in by_email and f"/admin/support/users/{demo.user.id}/" in by_email
    by_id = staff_client.get("/admin/support/users/", {"q": demo.user.id}).content.decode()
    assert demo.user.email in by_id
    page = staff_client.get(f"/admin/support/users/{demo.user.id}/").content.decode()
    for expected in ("Morning milk kefir", "Coconut water kefir", "in_fridge", "Time to strain", "pending",
                     "Demo iPhone", demo.device_id, demo.reminder_id, "Recent audit entries"):
        assert expected in page, expected


def test_a_batch_page_shows_its_timeline_with_presigned_photos(staff_client, demo):
    response = staff_client.get(f"/admin/support/users/{demo.user.id}/batches/{demo.batch_id}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Fresh whole milk" in page and "rated 4/5" in page and "Time to strain" in page
    assert demo.photo_key in page and "X-Amz-Signature=" in page


def test_unknown_users_and_batches_are_not_found(staff_client, demo):
    assert staff_client.get("/admin/support/users/not-a-sub/").status_code == 404
    assert staff_client.get("/admin/support/users/00000000-0000-4000-8000-000000000000/").status_code == 404
    other = factory.make_user()
    # The batch exists, but not for this user: nothing of it shows.
    assert staff_client.get(f"/admin/support/users/{other.id}/batches/{demo.batch_id}/").status_code == 404
    assert staff_client.get(f"/admin/support/users/{demo.user.id}/actions/explode/{demo.user.id}/").status_code == 404


def _confirm_and_do(client, demo, action, target_id):
    url = f"/admin/support/users/{demo.user.id}/actions/{action}/{target_id}/"
    confirmation = client.get(url)
    assert confirmation.status_code == 200 and b"Are you sure?" in confirmation.content
    response = client.post(url)
    assert response.status_code == 302
    return response


def test_every_action_asks_first_does_its_work_and_is_audited(staff_client, staff_member, demo):
    user_id = demo.user.id
    # Asking is not doing: a GET changes nothing.
    staff_client.get(f"/admin/support/users/{user_id}/actions/cancel_reminder/{demo.reminder_id}/")
    assert reminders.reminder_get(user_id=user_id, reminder_id=demo.reminder_id).status == "pending"

    _confirm_and_do(staff_client, demo, "cancel_reminder", demo.reminder_id)
    assert reminders.reminder_get(user_id=user_id, reminder_id=demo.reminder_id).status == "cancelled"
    _confirm_and_do(staff_client, demo, "remove_device", demo.device_id)
    assert devices.device_get(user_id=user_id, device_id=demo.device_id) is None
    _confirm_and_do(staff_client, demo, "revoke_share", demo.batch_id)
    assert batches.batch_get(user_id=user_id, batch_id=demo.batch_id).share_token is None
    _confirm_and_do(staff_client, demo, "disable", user_id)
    assert get_provider().get_user(user_id).enabled is False
    _confirm_and_do(staff_client, demo, "enable", user_id)
    assert get_provider().get_user(user_id).enabled is True
    response = _confirm_and_do(staff_client, demo, "delete_account", user_id)
    assert response["Location"] == "/admin/support/users/"
    assert get_provider().get_user(user_id) is None
    assert batches.batch_get(user_id=user_id, batch_id=demo.batch_id) is None

    entries = audit.audit_entries_for_user(user_id=user_id, limit=50)
    assert [e.action for e in entries] == ["delete_account", "enable", "disable", "revoke_share", "remove_device",
                                           "cancel_reminder"]
    assert {e.actor_id for e in entries} == {staff_member.id}
    assert {e.actor_email for e in entries} == {staff_member.email}
    assert entries[-1].target_type == "reminder" and entries[-1].target_id == demo.reminder_id
    log = staff_client.get("/admin/support/audit/", {"user": user_id}).content.decode()
    assert log.count('class="audit-entry"') == 6 and staff_member.email in log


def test_an_action_on_something_that_is_not_the_users_is_not_found_and_not_audited(staff_client, demo):
    other = factory.make_user()
    response = staff_client.post(f"/admin/support/users/{other.id}/actions/cancel_reminder/{demo.reminder_id}/")
    assert response.status_code == 404
    assert reminders.reminder_get(user_id=demo.user.id, reminder_id=demo.reminder_id).status == "pending"
    assert audit.audit_entries_for_user(user_id=other.id, limit=10) == []


def test_actions_need_the_csrf_token(staff_member, demo):
    client = Client(enforce_csrf_checks=True)
    sign_in_csrf(client, staff_member.email)
    url = f"/admin/support/users/{demo.user.id}/actions/cancel_reminder/{demo.reminder_id}/"
    assert client.post(url).status_code == 403
    assert reminders.reminder_get(user_id=demo.user.id, reminder_id=demo.reminder_id).status == "pending"
    token = client.get(url).context["csrf_token"]
    assert client.post(url, {"csrfmiddlewaretoken": str(token)}).status_code == 302
    assert reminders.reminder_get(user_id=demo.user.id, reminder_id=demo.reminder_id).status == "cancelled"


def sign_in_csrf(client, email):
    from tests.support.conftest import last_code

    token = str(client.get("/admin/login/").context["csrf_token"])
    client.post("/admin/login/", {"step": "email", "email": email, "csrfmiddlewaretoken": token})
    response = client.post("/admin/login/", {"step": "code", "code": last_code(email), "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_console_pages_cannot_be_framed(staff_client):
    assert staff_client.get("/admin/support/users/")["X-Frame-Options"] == "DENY"


def test_a_removed_staff_member_is_locked_out_at_the_next_check(staff_member):
    client = Client()
    with clock.frozen(clock.now()) as advance:
        assert sign_in(client, staff_member.email).status_code == 302
        aws.client("cognito-idp").admin_remove_user_from_group(
            UserPoolId=identity.pool_config().user_pool_id, Username=staff_member.email, GroupName="staff")
        advance(dt.timedelta(minutes=14))
        assert client.get("/admin/support/users/").status_code == 200  # not asked again yet
        advance(dt.timedelta(minutes=2))
        response = client.get("/admin/support/users/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        # The session is gone: being put back in the group later needs a new sign-in.
        aws.client("cognito-idp").admin_add_user_to_group(
            UserPoolId=identity.pool_config().user_pool_id, Username=staff_member.email, GroupName="staff")
        assert client.get("/admin/support/users/").status_code == 302


def test_a_staff_member_still_in_the_group_stays_signed_in_past_the_check(staff_member):
    client = Client()
    with clock.frozen(clock.now()) as advance:
        assert sign_in(client, staff_member.email).status_code == 302
        advance(dt.timedelta(minutes=16))
        assert client.get("/admin/support/users/").status_code == 200
        advance(dt.timedelta(minutes=16))
        assert client.get("/admin/support/audit/").status_code == 200


def test_a_disabled_staff_member_is_locked_out_at_the_next_check(staff_member):
    client = Client()
    with clock.frozen(clock.now()) as advance:
        assert sign_in(client, staff_member.email).status_code == 302
        get_provider().set_enabled(staff_member.id, False)
        advance(dt.timedelta(minutes=15))
        assert client.get("/admin/").status_code == 302


def test_the_admin_session_also_signs_in_to_the_browsable_api(staff_member):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/api/v1/batches", HTTP_ACCEPT="application/json").status_code == 401
    sign_in_csrf(client, staff_member.email)
    response = client.get("/api/v1/batches", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["results"] == []
    # The session's user is the staff member by their sub: writes land in their own account, CSRF enforced.
    body = {"name": "From the browser", "kind": "milk"}
    assert client.post("/api/v1/batches", body, content_type="application/json").status_code == 403
    token = client.cookies["csrftoken"].value
    created = client.post("/api/v1/batches", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201
    assert batches.batch_get(user_id=staff_member.id, batch_id=created.json()["id"]) is not None


def test_signing_out_ends_the_session(staff_client):
    response = staff_client.post("/admin/logout/")
    assert response.status_code == 200
    assert staff_client.get("/admin/support/users/").status_code == 302


def test_sending_a_reminder_now_pushes_it_to_the_users_devices_and_is_audited(staff_client, demo, settings):
    from tests.fakes.expo import FakeExpo

    with FakeExpo() as expo:
        settings.EXPO_PUSH_URL = expo.push_url
        response = _confirm_and_do(staff_client, demo, "send_reminder", demo.reminder_id)
        assert expo.pushed_tokens() == ["ExponentPushToken[demo-support-test]"]
    assert reminders.reminder_get(user_id=demo.user.id, reminder_id=demo.reminder_id).status == "sent"
    [entry] = audit.audit_entries_for_user(user_id=demo.user.id, limit=5)
    assert entry.action == "send_reminder" and entry.detail == "status after the delivery run: sent"
    page = staff_client.get(response["Location"]).content.decode()
    assert "Delivery run finished. (status after the delivery run: sent)" in page
    # A sent reminder cannot be sent again: the staff member is told, nothing is audited.
    staff_client.post(f"/admin/support/users/{demo.user.id}/actions/send_reminder/{demo.reminder_id}/")
    assert len(audit.audit_entries_for_user(user_id=demo.user.id, limit=5)) == 1
