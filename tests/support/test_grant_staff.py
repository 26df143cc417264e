"""`manage.py grant_staff EMAIL [--admin]` puts an existing user into the staff (and admin) groups."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from apps.accounts.providers import get_provider
from tests import factory
from tests.support.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_granting_staff_lets_the_user_into_the_console():
    person = factory.make_user()
    client = Client()
    assert b"not a member of the support staff" in sign_in(client, person.email).content
    call_command("grant_staff", person.email.upper())
    assert get_provider().user_groups(person.id) == ("staff",)
    assert sign_in(client, person.email).status_code == 302
    assert client.get("/admin/support/users/").status_code == 200


def test_granting_admin_adds_both_groups():
    person = factory.make_user()
    call_command("grant_staff", person.email, "--admin")
    assert get_provider().user_groups(person.id) == ("admin", "staff")


def test_an_unknown_email_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="must sign in to the app once"):
        call_command("grant_staff", "nobody@example.com")
    with pytest.raises(CommandError, match="email address"):
        call_command("grant_staff", "not-an-email")
