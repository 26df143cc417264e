"""Device items (storage only): an Expo push token registered by a user."""

from pynamodb.attributes import UnicodeAttribute

from apps.core.aws.table import TableItem


class DeviceItem(TableItem, discriminator="device"):
    device_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    token = UnicodeAttribute()
    platform = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
