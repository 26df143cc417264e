"""Device access patterns. Keys: PK USER#{sub}, SK DEVICE#{id}; GSI1 PUSHTOKEN#{sha256(token)} / DEVICE."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from pynamodb.exceptions import DeleteError, TransactWriteError

from apps.core.aws.table import transact_write
from apps.devices.models import DeviceItem

DEVICE_PREFIX = "DEVICE#"


@dataclass(frozen=True)
class Device:
    id: str
    user_id: str
    token: str
    platform: str
    name: str | None
    created_at: str


class DeviceTokenTaken(Exception):
    """Another registration of the same token won the race."""


def _pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _token_key(token: str) -> str:
    # Hashed so the index key never carries the push token itself.
    return f"PUSHTOKEN#{hashlib.sha256(token.encode()).hexdigest()}"


def _to_device(item: DeviceItem) -> Device:
    return Device(item.device_id, item.user_id, item.token, item.platform, item.name, item.created_at)


def _item(device: Device) -> DeviceItem:
    return DeviceItem(
        _pk(device.user_id), f"{DEVICE_PREFIX}{device.id}", GSI1PK=_token_key(device.token), GSI1SK="DEVICE",
        device_id=device.id, user_id=device.user_id, token=device.token, platform=device.platform,
        name=device.name, created_at=device.created_at,
    )


def device_get_by_token(*, token: str) -> Device | None:
    """The device registered with this push token, whoever owns it (GSI1, eventually consistent)."""
    for item in DeviceItem.gsi1.query(_token_key(token), DeviceItem.GSI1SK == "DEVICE", limit=1):
        if isinstance(item, DeviceItem):
            return _to_device(item)
    return None


def device_get(*, user_id: str, device_id: str) -> Device | None:
    """One of the user's devices, or None."""
    try:
        return _to_device(DeviceItem.get(_pk(user_id), f"{DEVICE_PREFIX}{device_id}"))
    except DeviceItem.DoesNotExist:
        return None


def device_put(*, device: Device, replaces: Device | None = None) -> None:
    """Store a new device; if `replaces` (the same token under another user) is given, remove it in the
    same transaction, so a token is never registered twice."""
    item = _item(device)
    if replaces is None:
        item.save(condition=DeviceItem.PK.does_not_exist())
        return
    old = _item(replaces)
    try:
        with transact_write() as transaction:
            transaction.save(item, condition=DeviceItem.PK.does_not_exist())
            transaction.delete(old, condition=DeviceItem.token == replaces.token)
    except TransactWriteError as exc:
        raise DeviceTokenTaken() from exc


def devices_of(*, user_id: str, limit: int | None = None,
               start_key: dict | None = None) -> tuple[list[Device], dict | None]:
    """A page of the user's devices, oldest first, and where the next page starts."""
    result = DeviceItem.query(
        _pk(user_id), DeviceItem.SK.startswith(DEVICE_PREFIX), limit=limit, last_evaluated_key=start_key,
    )
    devices = [_to_device(item) for item in result if isinstance(item, DeviceItem)]
    return devices, result.last_evaluated_key


def devices_all(*, user_id: str) -> list[Device]:
    """Every device of the user (the push processor's fan-out)."""
    return [_to_device(item) for item in _items(user_id)]


def _items(user_id: str) -> Iterator[DeviceItem]:
    for item in DeviceItem.query(_pk(user_id), DeviceItem.SK.startswith(DEVICE_PREFIX)):
        if isinstance(item, DeviceItem):
            yield item


def device_delete(*, user_id: str, device_id: str, token: str | None = None) -> bool:
    """Delete one of the user's devices (only if it still has `token`, when given); True if it existed."""
    item = DeviceItem(_pk(user_id), f"{DEVICE_PREFIX}{device_id}")
    condition = DeviceItem.PK.exists()
    if token is not None:
        condition = condition & (DeviceItem.token == token)
    try:
        item.delete(condition=condition)
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def devices_delete_all(*, user_id: str) -> int:
    """Delete every device of the user; the number deleted."""
    items = list(_items(user_id))
    with DeviceItem.batch_write() as batch:
        for item in items:
            batch.delete(item)
    return len(items)
