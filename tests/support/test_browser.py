"""The support console in a real browser: Playwright driving Debian's chromium against the app served in-process
by pytest-django's live_server (a thread of this process, so it shares the emulator, settings and mail outbox).

Screenshots of every step go to test-artifacts/support/ (gitignored). Without /usr/bin/chromium (`make test`
installs it with apt-get) these tests are skipped, with the reason printed in the summary."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from apps.reminders import repository as reminders
from apps.support import repository as audit
from tests import factory
from tests.support.conftest import last_code, seed_demo_like

CHROMIUM = Path(os.environ.get("KEFIR_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "support"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"BROWSER TESTS SKIPPED: no chromium at {CHROMIUM} (install it: apt-get install -y chromium; "
           "`make test` tries to)",
)


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_staff_member_signs_in_with_a_code_cancels_a_demo_users_reminder_and_the_audit_log_shows_it(
        live_server, browser_page):
    page = browser_page
    staff = factory.make_user(groups=("staff",))
    demo = seed_demo_like(f"demo-{staff.id[:8]}@example.com")

    page.goto(f"{live_server.url}/admin/")
    assert page.url.startswith(f"{live_server.url}/admin/login/")
    shot(page, "01-sign-in-email")
    page.fill("input[name=email]", staff.email)
    page.click("input[type=submit]")
    page.wait_for_selector("input[name=code]")
    shot(page, "02-sign-in-code")
    page.fill("input[name=code]", last_code(staff.email))
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    assert page.url == f"{live_server.url}/admin/"
    assert "Site administration" not in page.content()
    shot(page, "03-index")

    page.click("text=Users")
    page.fill("#searchbar", demo.user.email)
    page.press("#searchbar", "Enter")
    page.wait_for_selector("#result_list")
    shot(page, "04-user-search")
    page.click(f"#result_list a:has-text('{demo.user.email}')")
    page.wait_for_selector("#profile")
    assert "Demo iPhone" in page.content()
    shot(page, "05-user")

    page.click("text=Morning milk kefir")
    page.wait_for_selector("#timeline")
    assert page.locator(".timeline-event").count() == 3
    # The photo is a presigned URL of the emulator's bucket, and the browser really loaded it.
    assert page.eval_on_selector("img.support-photo", "img => img.complete && img.naturalWidth") == 160
    shot(page, "06-batch")

    page.click(f"#reminder-{demo.reminder_id} >> text=Cancel reminder")
    page.wait_for_selector("#confirm")
    shot(page, "07-confirm")
    page.click("#confirm")
    page.wait_for_selector("ul.messagelist")
    assert "Reminder cancelled." in page.inner_text("ul.messagelist")
    assert page.inner_text(f"#reminder-{demo.reminder_id} .field-status") == "cancelled"
    shot(page, "08-cancelled")
    assert reminders.reminder_get(user_id=demo.user.id, reminder_id=demo.reminder_id).status == "cancelled"

    page.click("text=Home")
    page.click("text=Audit log")
    page.wait_for_selector(".audit-entry")
    row = page.locator(".audit-entry").first
    assert "cancel_reminder" in row.inner_text() and staff.email in row.inner_text()
    assert row.locator(f"code[title='{demo.reminder_id}']").count() == 1  # the full id, shortened on screen
    shot(page, "09-audit-log")
    [entry] = audit.audit_entries_recent(limit=10, actor_id=staff.id)
    assert entry.target_user_id == demo.user.id


def test_a_signed_in_developer_uses_the_browsable_api(live_server, browser_page):
    page = browser_page
    developer = factory.make_user(groups=("staff",))
    page.goto(f"{live_server.url}/admin/login/?next=/api/v1/batches")
    page.fill("input[name=email]", developer.email)
    page.click("input[type=submit]")
    page.fill("input[name=code]", last_code(developer.email))
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/api/v1/batches$"))
    assert "Django REST framework" in page.content() and '"results"' in page.content()
    shot(page, "10-browsable-api")
