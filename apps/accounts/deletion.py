"""DELETE /me: erase an account across every app (API.md: every item, photo, share link and device,
and the identity; the old tokens stop working)."""

import importlib
import logging
from types import ModuleType

from apps.core import hooks
from apps.core.auth import revocation

logger = logging.getLogger("kefir.accounts")


def _erasure_module(app: str) -> ModuleType | None:
    name = f"apps.{app}.erasure"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # This app stores nothing of users (yet); a module that exists but fails to import still raises.
        if exc.name is not None and (name == exc.name or name.startswith(f"{exc.name}.")):
            return None
        raise


def account_delete(*, user_id: str) -> None:
    """Revoke the user's tokens, then erase their data app by app; a retry after a failure finishes."""
    # First, so nothing the user still holds can write while the data goes.
    revocation.revoke(user_id)
    for app in hooks.ERASURE_ORDER:
        module = _erasure_module(app)
        if module is not None:
            module.erase_user(user_id=user_id)
    logger.info("account erased", extra={"user_id": user_id})
