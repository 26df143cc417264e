"""Support staff's actions on a user's data. Each one does the work through the owning app's service and
then writes an audit entry (who, what, target, when); an action that fails writes nothing."""

import logging
from dataclasses import dataclass

from apps.accounts.deletion import account_delete
from apps.accounts.providers import get_provider
from apps.batches.services import share_revoke
from apps.core import clock, ids
from apps.core.http.errors import NotFound
from apps.devices.services import device_delete
from apps.reminders.processor import process_due
from apps.reminders.services import reminder_cancel, reminder_get, reminder_update
from apps.support import repository
from apps.support.repository import AuditEntry

logger = logging.getLogger("kefir.support")


@dataclass(frozen=True)
class Actor:
    """The staff member acting: their Cognito sub and email."""

    id: str
    email: str


def audit_record(*, actor: Actor, action: str, target_type: str, target_id: str,
                 target_user_id: str | None = None, detail: str = "") -> AuditEntry:
    """Write one audit entry for a staff action, timestamped now."""
    now = clock.now()
    entry = AuditEntry(
        entry_id=ids.new_id(at=now), at=clock.isoformat(now), actor_id=actor.id, actor_email=actor.email,
        action=action, target_type=target_type, target_id=target_id, target_user_id=target_user_id,
        detail=detail or None,
    )
    repository.audit_entry_put(entry=entry)
    logger.info("staff action", extra={"action": action, "actor_id": actor.id, "target_type": target_type,
                                       "target_id": target_id, "user_id": target_user_id})
    return entry


@dataclass(frozen=True)
class SupportAction:
    """An action staff can take on a user's data, asked for confirmation first."""

    name: str
    title: str
    target_type: str  # "user", "reminder", "device" or "batch" (share link)
    question: str
    done: str
    destructive: bool = False


ACTIONS: dict[str, SupportAction] = {action.name: action for action in (
    SupportAction("disable", "Disable sign-in", "user",
                  "The user will be signed out everywhere and cannot sign in until enabled again.",
                  "Sign-in disabled.", destructive=True),
    SupportAction("enable", "Enable sign-in", "user", "The user will be able to sign in again.", "Sign-in enabled."),
    SupportAction("delete_account", "Delete the account", "user",
                  "Every batch, event, photo, grains, reminder, device, share link and export of this user, and the "
                  "identity itself, will be erased. This cannot be undone.", "Account deleted.", destructive=True),
    SupportAction("cancel_reminder", "Cancel reminder", "reminder",
                  "The reminder will not be sent (a finished one is removed from the list).", "Reminder cancelled.",
                  destructive=True),
    SupportAction("send_reminder", "Send reminder now", "reminder",
                  "The reminder becomes due now and a delivery run starts at once: its push goes to the user's "
                  "devices (that run also delivers any other reminder that is due, as the 5-minute schedule "
                  "would).", "Delivery run finished."),
    SupportAction("remove_device", "Remove device", "device",
                  "The device will no longer receive push notifications.", "Device removed.", destructive=True),
    SupportAction("revoke_share", "Revoke share link", "batch",
                  "The batch's public page will stop working; the user can share it again with a new link.",
                  "Share link revoked.", destructive=True),
)}


def support_action_perform(*, actor: Actor, action: str, user_id: str, target_id: str) -> AuditEntry:
    """Do one support action on the user's data and audit it; NotFound if the action or target is unknown."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise NotFound("No such action.")
    if spec.target_type == "user" and target_id != user_id:
        raise NotFound("No such user.")
    detail = _perform(spec.name, user_id=user_id, target_id=target_id)
    return audit_record(actor=actor, action=spec.name, target_type=spec.target_type, target_id=target_id,
                        target_user_id=user_id, detail=detail)


def _perform(action: str, *, user_id: str, target_id: str) -> str:
    # Each branch uses the owning app's own service, so its rules (and its cascade) apply unchanged.
    if action in ("disable", "enable"):
        provider = get_provider()
        if provider.get_user(user_id) is None:
            raise NotFound("No such user.")
        provider.set_enabled(user_id, action == "enable")
        return ""
    if action == "delete_account":
        account_delete(user_id=user_id)
        return ""
    if action == "cancel_reminder":
        reminder_cancel(user_id=user_id, reminder_id=target_id)
        return ""
    if action == "send_reminder":
        # The reminders app has no single-reminder send: make it due now and run the processor, so its rules
        # (claims, one push per device, retries, dropping pushes of deleted batches) apply unchanged.
        now = clock.now()
        reminder_update(user_id=user_id, reminder_id=target_id, changes={"due_at": now})
        process_due(now=now)
        return f"status after the delivery run: {reminder_get(user_id=user_id, reminder_id=target_id).status}"
    if action == "remove_device":
        device_delete(user_id=user_id, device_id=target_id)
        return ""
    if action == "revoke_share":
        share_revoke(user_id=user_id, batch_id=target_id)
        return ""
    raise NotFound("No such action.")
