"""Reminder capacity for 10 million users: hot partitions, drain time, concurrency and monthly cost.

    .venv/bin/python -m bench.capacity        (seconds; no emulator, no network)

A sample of one day's reminders (SAMPLE of them, scaled up to the population) is run through the project's
own due-index key function (apps.reminders.repository.due_index_keys: the hour bucket and the shard), for
1, 4, 16 and 64 shards. Limits and prices (us-east-1), with their sources:
- a partition serves 1,000 write units and 3,000 read units a second (DynamoDB developer guide,
  "Best practices for designing and using partition keys effectively", bp-partition-key-design.html);
- Expo accepts about 600 notifications a second per project (docs.expo.dev, push/sending-notifications);
- DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request units
  (aws.amazon.com/dynamodb/pricing/on-demand/); a transactional write costs 2 units per item;
- Lambda arm64: $0.0000133334 per GB-second, $0.20 per million requests (aws.amazon.com/lambda/pricing/);
- API Gateway HTTP API: $1.00 per million requests for the first 300 million a month, $0.90 after
  (aws.amazon.com/api-gateway/pricing/).
"""

import datetime as dt
import os
import random
import uuid
from collections import Counter

USERS = 10_000_000
SAMPLE = 200_000
EXPO_PER_S = 600
PARTITION_WCU, PARTITION_RCU = 1000, 3000
# Assumed mix of an English-language app's users by UTC offset (hours): North America 40 %, Europe 35 %,
# Latin America 8 %, Asia-Pacific 12 %, Africa and the Middle East 5 %. An assumption (no user data yet),
# weighted after the app-store markets of similar hobby apps; the model's conclusions hold for any mix
# that puts a third or more of the users in one offset.
TIMEZONES = {-8: 8, -7: 4, -6: 10, -5: 18, -4: 2, -3: 6, -5.5: 0, 0: 8, 1: 20, 2: 7, 3: 5, 5.5: 4, 8: 4, 9: 2, 10: 2}
# Reminders per user per day, from the product's cycles, with when (local time) they fall due:
# strain about daily (a 24 h ferment, most started in the morning or evening), a second ferment every other
# batch (1-2 days later, same spread), and the weekly fridge feed (a fixed weekday, mostly evenings).
KINDS = {
    "strain": (1.0, {7: 30, 8: 20, 18: 15, 19: 15, 20: 10, 12: 10}),
    "second_ferment_done": (0.5, {8: 30, 19: 40, 20: 30}),
    "feed": (1 / 7, {9: 20, 18: 40, 19: 40}),
}
DB_PRICE_WRU, DB_PRICE_RRU = 0.625e-6, 0.125e-6
LAMBDA_GB_S, LAMBDA_REQUEST = 0.0000133334, 0.20e-6
API_FIRST_300M, API_AFTER = 1.00e-6, 0.90e-6
DEVICES_PER_USER = 1.5
CAPACITY = 2000  # settings.REMINDER_RUN_CAPACITY: more due than this in a run fans out
BUDGET_S = 20  # settings.REMINDER_RUN_BUDGET_S
ITEM_KB = 0.6  # a reminder item, as stored


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefir.settings.test")
    import django

    django.setup()


def sample_day(rng: random.Random) -> list[tuple[str, dt.datetime]]:
    """SAMPLE reminders of one day: (reminder id, due at in UTC)."""
    day = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    rates = {kind: rate for kind, (rate, _) in KINDS.items()}
    kinds = rng.choices(list(rates), weights=list(rates.values()), k=SAMPLE)
    offsets = rng.choices(list(TIMEZONES), weights=list(TIMEZONES.values()), k=SAMPLE)
    found = []
    for kind, offset in zip(kinds, offsets, strict=True):
        hours = KINDS[kind][1]
        local_hour = rng.choices(list(hours), weights=list(hours.values()))[0]
        minute = 0 if rng.random() < 0.3 else rng.randrange(60)  # many pick the full hour
        local = day + dt.timedelta(hours=local_hour, minutes=minute, seconds=rng.randrange(60))
        found.append((uuid.UUID(int=rng.getrandbits(128)).hex, local - dt.timedelta(hours=offset)))
    return found


def main() -> None:
    _setup()
    from apps.reminders.repository import due_index_keys

    rng = random.Random(21)
    per_user_day = sum(rate for rate, _ in KINDS.values())
    per_day = USERS * per_user_day
    scale = per_day / SAMPLE
    reminders = sample_day(rng)
    by_5min = Counter(due.replace(minute=due.minute - due.minute % 5, second=0) for _, due in reminders)
    peak_5min = max(by_5min.values()) * scale
    drain_s = peak_5min / EXPO_PER_S
    monthly = per_day * 30
    # DynamoDB units per reminder: place (table + GSI: 2), claim and settle in transactions (2 table + 1 GSI
    # each), push tickets (1 per device); reads: batch (1, consistent), devices (0.5), due query and tickets.
    wru = 2 + 3 + 3 + DEVICES_PER_USER
    rru = 1 + 0.5 + ITEM_KB / 4 * 0.5 * 2
    db_cost = monthly * (wru * DB_PRICE_WRU + rru * DB_PRICE_RRU)
    api_requests = monthly  # one API request places each reminder (the event or batch change behind it)
    api_cost = min(api_requests, 300e6) * API_FIRST_300M + max(0, api_requests - 300e6) * API_AFTER
    print(f"{USERS:,} users, {per_user_day:.2f} reminders per user per day = {per_day:,.0f} a day; "
          f"sample {SAMPLE:,} (x{scale:.0f})")
    print(f"peak 5 minutes: {peak_5min:,.0f} reminders due; at Expo's {EXPO_PER_S}/s they drain in {drain_s:,.0f} s")
    header = ["shards", "hottest partition writes/s (placing + delivering)", "hottest partition read units per query",
              "Lambda concurrency at the peak", "peak drain (s)", "DynamoDB $/month", "Lambda $/month",
              "HTTP API $/month"]
    print(" | ".join(header))
    windows = [count * scale for count in by_5min.values()]
    for shards in (1, 4, 16, 64):
        by_partition_minute: Counter = Counter()
        for reminder_id, due in reminders:
            # written about a day ahead (below): the key of a reminder not yet due
            partition, _ = due_index_keys(reminder_id=reminder_id, due_at=due, shards=shards,
                                          now=due - dt.timedelta(days=1))
            by_partition_minute[(partition, due.minute)] += 1
        # Placing: reminders are written about a day ahead at the same local time as they fall due, so a
        # partition's busiest minute of placements mirrors its busiest minute of due reminders.
        place_per_s = max(by_partition_minute.values()) * scale / 60
        # Delivering: claim + settle rewrite the GSI entry (projection ALL): 2 writes per reminder, at each
        # worker's share of Expo's rate.
        deliver_per_s = 2 * EXPO_PER_S / shards
        writes = place_per_s + deliver_per_s
        # Reads: a worker invocation queries at most what it can send in its budget (20 s at its share of
        # Expo's rate, plus 200), eventually consistent: 0.5 units per 4 KB, pages read back to back.
        per_invocation = min(peak_5min / shards, BUDGET_S * EXPO_PER_S / shards + 200)
        read_units = per_invocation * ITEM_KB / 4 * 0.5
        fan_out = peak_5min > CAPACITY
        workers = 1 + (shards if fan_out else 0)
        # Lambda time: a 5-minute window over the run's capacity is sent by `shards` workers, each paced at
        # 1/shards of Expo's rate (they wait, and Lambda bills the wait); the rest by the run itself.
        seconds_per_day = sum(count / EXPO_PER_S * (shards if count > CAPACITY else 1) for count in windows)
        seconds_per_day += 288 * 1.0  # the scheduled runs' own queries, about a second each
        invocations = 30 * (288 + sum(shards * (1 + count / EXPO_PER_S * shards // 20)
                                      for count in windows if count > CAPACITY))
        lambda_cost = 30 * seconds_per_day * 0.5 * LAMBDA_GB_S + invocations * LAMBDA_REQUEST
        verdict = "over the limit" if writes > PARTITION_WCU or read_units > PARTITION_RCU else "ok"
        print(f"{shards} | {writes:,.0f} ({place_per_s:,.0f} + {deliver_per_s:,.0f}) {verdict} | "
              f"{read_units:,.0f} | {workers} | {drain_s:,.0f} | {db_cost:,.0f} | {lambda_cost:,.0f} | {api_cost:,.0f}")

if __name__ == "__main__":
    main()
