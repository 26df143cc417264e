"""Grains and grains history items of the single table (storage only)."""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from apps.core.aws.table import TableItem


class GrainsItem(TableItem, discriminator="grains"):
    grains_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    mass_g = NumberAttribute()  # the last known mass: weighed, or left after a split
    mass_at = UnicodeAttribute()  # when mass_g was true (clock.isoformat())
    growth_rate_per_day = NumberAttribute()  # the rate estimates use (apps.grains.growth)
    growth_source = UnicodeAttribute()  # "default" | "measured" | "parent"
    growth_based_on = NumberAttribute()  # weighings the measured fit used (0 otherwise)
    acquired_at = UnicodeAttribute()
    notes = UnicodeAttribute(null=True)
    split_from = UnicodeAttribute(null=True)  # grains split off others: the parent's id
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute()


class GrainsLogItem(TableItem, discriminator="grains_log"):
    """One history entry: created, weighed, split (to new grains) or given."""

    entry_id = UnicodeAttribute()
    grains_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    type = UnicodeAttribute()
    mass_g = NumberAttribute()  # weighed: the mass; split/given: the mass taken; created: the first mass
    at = UnicodeAttribute()  # clock.isoformat(): also part of the sort key
    note = UnicodeAttribute(null=True)
    other_grains_id = UnicodeAttribute(null=True)  # split: the new grains; created by a split: the parent
    created_at = UnicodeAttribute()
