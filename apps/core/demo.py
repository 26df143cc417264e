"""The demo data of DESIGN.md (`test@example.com`), seeded once by `make run`.

Each app that has demo data provides `apps.<app>.demo.seed(*, user_id, email, now)`; they run in
the order below, after the identity exists.
"""

import importlib
import logging

from django.conf import settings

from apps.core import clock
from apps.core.auth import identity
from kefir import aws

logger = logging.getLogger("kefir.demo")
DEMO_EMAIL = "test@example.com"
SEED_ORDER = ["accounts", "batches", "grains", "reminders", "devices", "exports"]


def demo_user_id() -> str | None:
    """The demo user's sub, or None if the identity does not exist yet."""
    idp = aws.client("cognito-idp")
    users = idp.list_users(
        UserPoolId=identity.pool_config().user_pool_id, Filter=f'email = "{DEMO_EMAIL}"', Limit=1
    )["Users"]
    if not users:
        return None
    return next(a["Value"] for a in users[0]["Attributes"] if a["Name"] == "sub")


def seed_demo() -> bool:
    """Create the demo user and their data unless the user exists; True if it seeded."""
    if demo_user_id() is not None:
        return False
    idp = aws.client("cognito-idp")
    idp.admin_create_user(
        UserPoolId=identity.pool_config().user_pool_id, Username=DEMO_EMAIL, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": DEMO_EMAIL}, {"Name": "email_verified", "Value": "true"}],
    )
    user_id = demo_user_id()
    now = clock.now()
    for app in SEED_ORDER:
        try:
            module = importlib.import_module(f"apps.{app}.demo")
        except ModuleNotFoundError:
            continue
        module.seed(user_id=user_id, email=DEMO_EMAIL, now=now)
    logger.info("seeded the demo user", extra={"user_id": user_id, "table": settings.DYNAMODB_TABLE_NAME})
    return True
