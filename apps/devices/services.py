"""Device rules: registering an Expo push token (a token that changed hands moves to its new owner)."""

import logging

from apps.core import clock, ids
from apps.core.http.errors import NotFound
from apps.devices import repository
from apps.devices.repository import Device, DeviceTokenTaken

logger = logging.getLogger("kefir.devices")


def device_register(*, user_id: str, token: str, platform: str, name: str | None = None) -> tuple[Device, bool]:
    """The caller's device for this token, and True if it was created now (False: already registered)."""
    for _ in range(3):
        existing = repository.device_get_by_token(token=token)
        if existing is not None and existing.user_id == user_id:
            return existing, False
        device = Device(ids.new_id(), user_id, token, platform, name, clock.isoformat(clock.now()))
        try:
            repository.device_put(device=device, replaces=existing)
        except DeviceTokenTaken:
            continue  # the old registration changed under us: look again
        if existing is not None:
            # A phone that changed hands: the previous owner stops getting this device's pushes.
            logger.info("push token moved to another user", extra={"device_id": device.id,
                                                                    "previous_device_id": existing.id})
        return device, True
    raise DeviceTokenTaken()


def device_delete(*, user_id: str, device_id: str) -> None:
    """Remove one of the caller's devices; NotFound if it is not theirs."""
    if not repository.device_delete(user_id=user_id, device_id=device_id):
        raise NotFound("No such device.")


def device_remove_unregistered(*, user_id: str, device_id: str, token: str) -> bool:
    """Forget a device Expo reports as DeviceNotRegistered (only if it still has that token)."""
    removed = repository.device_delete(user_id=user_id, device_id=device_id, token=token)
    if removed:
        logger.info("removed a device Expo no longer knows", extra={"device_id": device_id})
    return removed
