"""Abuse limits on login, counted in DynamoDB: 5 codes per email and 30 calls per client IP per hour."""

import datetime as dt

from django.core import mail

from apps.accounts import services
from apps.core import clock
from apps.core.aws.table import TableItem

LOGIN = "/api/v1/auth/login"
T0 = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


def login(api, email, ip="198.51.100.7", **headers):
    return api.post(LOGIN, {"email": email}, format="json", REMOTE_ADDR=ip, **headers)


def test_the_sixth_code_for_one_email_within_an_hour_is_throttled(api):
    with clock.frozen(T0) as advance:
        for _ in range(5):
            assert login(api, "p@example.com").status_code == 200
            advance(dt.timedelta(minutes=5))
        throttled = login(api, "p@example.com")
        assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "throttled"
        # The first code was asked for 25 minutes ago: a slot frees 35 minutes from now.
        assert throttled["Retry-After"] == str(35 * 60)
        assert len(mail.outbox) == 5
        assert login(api, "other@example.com").status_code == 200
        advance(dt.timedelta(minutes=35))
        assert login(api, "p@example.com").status_code == 200


def test_the_email_limit_counts_addresses_case_insensitively(api):
    with clock.frozen(T0):
        for email in ["P@example.com", "p@EXAMPLE.com", "p@example.com", " p@example.com", "P@Example.Com"]:
            assert login(api, email).status_code == 200
        assert login(api, "p@example.com").status_code == 429


def test_the_thirty_first_login_from_one_ip_within_an_hour_is_throttled(api):
    with clock.frozen(T0) as advance:
        for n in range(30):
            assert login(api, f"person{n}@example.com").status_code == 200
        advance(dt.timedelta(minutes=10))
        throttled = login(api, "one.more@example.com")
        assert throttled.status_code == 429 and throttled["Retry-After"] == str(50 * 60)
        assert login(api, "one.more@example.com", ip="203.0.113.9").status_code == 200
        advance(dt.timedelta(minutes=50))
        assert login(api, "one.more@example.com").status_code == 200


def test_locally_x_forwarded_for_is_not_trusted(api):
    with clock.frozen(T0):
        for n in range(30):
            login(api, f"person{n}@example.com", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        assert login(api, "x@example.com", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_behind_api_gateway_the_last_forwarded_address_is_the_client(api, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    with clock.frozen(T0):
        for n in range(30):
            # A client may put anything first; API Gateway appends the address it saw.
            forwarded = f"10.0.0.{n}, 192.0.2.50"
            assert login(api, f"person{n}@example.com", HTTP_X_FORWARDED_FOR=forwarded).status_code == 200
        assert login(api, "x@example.com", HTTP_X_FORWARDED_FOR="192.0.2.50").status_code == 429
        assert login(api, "x@example.com", HTTP_X_FORWARDED_FOR="192.0.2.51").status_code == 200


def test_throttle_items_hold_no_email_or_ip_and_expire():
    with clock.frozen(T0):
        services.auth_login_start(email="visible@example.com", client_ip="198.51.100.7")
    items = list(TableItem.scan())
    assert items
    for item in items:
        text = str(item.serialize())
        assert "visible@example.com" not in text and "198.51.100.7" not in text
        if item.PK.startswith(("RATE#", "LOGINSESSION#")):
            assert item.TTL is not None and item.TTL > clock.epoch_seconds(T0)
