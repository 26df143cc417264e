"""The support console's user page shows the user's grains as the app does (estimate and growth)."""

import datetime as dt

import pytest

from apps.core import clock
from apps.grains import services as grains

pytestmark = pytest.mark.django_db


def test_a_users_page_shows_their_grains_with_the_estimate_and_measured_growth(staff_client, demo):
    start = clock.now() - dt.timedelta(days=14)
    with clock.frozen(start) as advance:
        mine = grains.grains_create(user_id=demo.user.id, name="Kitchen <grains>", kind="milk", mass_g=20)
        for mass in (24, 30):
            advance(dt.timedelta(days=7))
            grains.grains_weigh(user_id=demo.user.id, grains_id=mine.id, mass_g=mass)
    page = staff_client.get(f"/admin/support/users/{demo.user.id}/").content.decode()
    section = page[page.index('id="grains"'):page.index('id="reminders"')]
    assert "Kitchen &lt;grains&gt;" in section and "<grains>" not in section
    assert mine.id in section and "30 g on" in section
    assert "25 %/week (measured, 2 weighings)" in section


def test_a_user_without_grains_says_so(staff_client, demo):
    page = staff_client.get(f"/admin/support/users/{demo.user.id}/").content.decode()
    assert "No grains." in page
