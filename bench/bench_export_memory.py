"""Time and peak memory of GET /exports/events.csv and of the full export (POST /exports), for a user
with 200 batches and 2,000 vs 20,000 events (issue 6: peak memory must not grow with the events).

Peak memory is Python's (tracemalloc) in the process serving the request. The emulator runs in a child
process here (harness.start_emulator(separate_process=True)), not in a thread of this one: moto's Query
reads a whole partition per page, and in-process that would be counted as ours. Each figure is one run
with tracemalloc on (it slows Python down; the emulator returns a few hundred items per second, so times
here are the emulator's, not DynamoDB's: compare the columns, not the absolute numbers). DynamoDB's read
timeout is raised to 120 s for the same reason.
Run: `python -m bench.bench_export_memory` (or `python -m bench export_memory`).
"""

import time
import tracemalloc

from bench import harness

BATCHES = 200
SIZES = (2_000, 20_000)
PHOTOS = 20
PHOTO_BYTES = 256 * 1024


def _seed(user_id: str, events: int) -> None:
    """200 batches and `events` events (spread over them), `PHOTOS` of them photos with objects in S3.
    Events go 25 to a BatchWriteItem request: the events repository builds each item."""
    import datetime as dt

    from django.conf import settings

    from apps.core import clock, ids
    from apps.events import photos
    from apps.events import repository as events_repository
    from apps.events.models import EventItem
    from kefir import aws
    from tests.exports import builders

    start = clock.now() - dt.timedelta(days=365)
    batch_ids = [builders.make_batch(user_id, name=f"Batch {n}, \"bench\"", at=start + dt.timedelta(hours=n)).id
                 for n in range(BATCHES)]
    photo = bytes(range(256)) * (PHOTO_BYTES // 256)
    with EventItem.batch_write() as batch:
        for n in range(events):
            batch_id = batch_ids[n % BATCHES]
            photo_key = None
            if n < PHOTOS:  # with its attached upload item, as after the app's upload and the event that took it
                upload_id = photos.new_upload_id()
                photo_key = photos.photo_key(upload_id)
                assert events_repository.upload_put(upload=events_repository.Upload(
                    id=upload_id, user_id=user_id, batch_id=batch_id, key=photo_key, content_type="image/jpeg",
                    created_at=start, attached=True))
                aws.client("s3").put_object(Bucket=settings.PHOTOS_BUCKET, Key=photo_key, Body=photo)
            occurred_at = start + dt.timedelta(minutes=n)
            event = events_repository.Event(
                id=ids.new_id(at=occurred_at), batch_id=batch_id, user_id=user_id,
                type="photo" if photo_key else "fed", occurred_at=occurred_at, created_at=occurred_at,
                note=f"fed 1 l of milk, note {n}: tangy, \"fizzy\"", temperature_c=-2 + n % 25, photo_key=photo_key,
            )
            batch.save(events_repository.event_item(event))


def _peak_kib(fn) -> tuple[float, object]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1024, result


def _run() -> None:
    from django.test import Client

    from apps.core.aws.counting import count_requests

    # Warm-up: the first export of a process imports zappa (and its boto3 clients); count that nowhere.
    warm = harness.signed_in_user()
    warm_client = Client(HTTP_AUTHORIZATION=f"Bearer {warm.access_token}")
    warm_client.get("/api/v1/exports/events.csv")
    warm_client.post("/api/v1/exports", {"format": "csv"}, content_type="application/json")

    rows = []
    for size in SIZES:
        user = harness.signed_in_user()
        seeded = time.perf_counter()
        _seed(user.id, size)
        seed_s = time.perf_counter() - seeded
        client = Client(HTTP_AUTHORIZATION=f"Bearer {user.access_token}")
        client.get("/api/v1/me")  # warm-up: the per-process revocation check, profile

        def events_csv(client=client) -> int:
            response = client.get("/api/v1/exports/events.csv")
            assert response.status_code == 200
            return sum(len(chunk) for chunk in response.streaming_content)  # consumed, never joined

        def full_export(client=client) -> int:
            response = client.post("/api/v1/exports", {"format": "csv"}, content_type="application/json")
            assert response.status_code == 202
            status = client.get(f"/api/v1/exports/{response.json()['id']}").json()
            assert status["status"] == "ready", status
            return 0

        with count_requests() as requests:
            started = time.perf_counter()
            csv_peak, csv_bytes = _peak_kib(events_csv)
            csv_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        export_peak, _ = _peak_kib(full_export)
        export_ms = (time.perf_counter() - started) * 1000
        rows.append([f"{size:,}", f"{seed_s:.1f}", f"{csv_bytes / 1024:,.0f}", requests.count,
                     f"{csv_ms:,.0f}", f"{csv_peak:,.0f}", f"{export_ms:,.0f}", f"{export_peak:,.0f}"])
    harness.print_table(
        f"Exports: {BATCHES} batches, {PHOTOS} photos of {PHOTO_BYTES // 1024} KiB, N events "
        f"(one run each; peak = tracemalloc in the serving process)",
        ["events", "seed s", "events.csv KiB", "csv DynamoDB requests", "events.csv ms", "events.csv peak KiB",
         "full export ms", "full export peak KiB"],
        rows,
    )


def main() -> None:
    from apps.core.aws.table import TableItem

    TableItem.Meta.read_timeout_seconds = 120  # the emulator's large queries; set before the first connection
    harness.with_emulator(_run, separate_process=True)


if __name__ == "__main__":
    main()
