import csv
import datetime as dt
import io

from django.http import StreamingHttpResponse

from apps.core import clock
from apps.core.aws.counting import count_requests
from apps.events import repository as events_repository
from tests import faults
from tests.exports import builders


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:], newline="")))


def test_batches_csv_is_a_streamed_dated_attachment_with_one_header_row(user_api, user):
    with clock.frozen(dt.datetime(2026, 11, 23, 22, 30, tzinfo=dt.UTC)):
        batch = builders.make_batch(user.id, name="Morning milk", temperature_c=-2, notes="")
        response = user_api.get("/api/v1/exports/batches.csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv; charset=utf-8")
    assert response["Content-Disposition"] == 'attachment; filename="kefir-batches-2026-11-23.csv"'
    assert response["X-Request-ID"]
    rows = _rows(response)
    assert rows[0] == ["id", "name", "kind", "status", "started_at", "temperature_c", "grains_g", "grains_id",
                       "liquid_ml", "sugar_g", "notes", "auto_reminders", "share_url", "version", "created_at",
                       "updated_at"]
    assert rows[1:] == [[batch.id, "Morning milk", "milk", "active", "2026-11-23T22:30:00.000Z", "-2", "20", "",
                         "500", "", "", "true", "", "1", "2026-11-23T22:30:00.000Z", "2026-11-23T22:30:00.000Z"]]


def test_batches_csv_quotes_tricky_text_and_neutralises_formulas_but_not_numbers(user_api, user):
    builders.make_batch(user.id, name='=HYPERLINK("http://evil.example","x")', temperature_c=-2.5,
                        notes='line one\nline "two", with comma; Kéfir 🥛')
    rows = _rows(user_api.get("/api/v1/exports/batches.csv"))
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert row["name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["notes"] == 'line one\nline "two", with comma; Kéfir 🥛'
    assert row["temperature_c"] == "-2.5"


def test_batches_csv_holds_only_the_callers_batches(user_api, user, other_user):
    mine = builders.make_batch(user.id, name="mine")
    builders.make_batch(other_user.id, name="theirs")
    rows = _rows(user_api.get("/api/v1/exports/batches.csv"))
    assert [r[0] for r in rows[1:]] == [mine.id]


def test_a_user_without_data_gets_the_header_row_only(user_api):
    rows = _rows(user_api.get("/api/v1/exports/events.csv"))
    assert len(rows) == 1 and rows[0][0] == "id"


def test_events_csv_reads_dynamodb_page_by_page_and_names_each_events_batch(user_api, user, other_user):
    batch = builders.make_batch(user.id, name="Water kefir", kind="water")
    builders.make_events(user.id, batch.id, events_repository.ITER_PAGE_SIZE + 30)
    builders.make_event(other_user.id, builders.make_batch(other_user.id).id, note="not mine")
    user_api.get("/api/v1/exports/batches.csv")  # warm-up: the first request of a user checks revocation
    with count_requests() as requests:
        response = user_api.get("/api/v1/exports/events.csv")
        rows = _rows(response)
    assert isinstance(response, StreamingHttpResponse)
    assert requests.operations.count("Query") > 2  # the batch names, then more than one page of events
    assert len(rows) == 1 + events_repository.ITER_PAGE_SIZE + 30
    header = rows[0]
    assert header == ["id", "batch_id", "batch_name", "type", "occurred_at", "note", "temperature_c", "rating",
                      "status", "photo_key", "created_at"]
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert {r["batch_name"] for r in records} == {"Water kefir"}
    assert {r["batch_id"] for r in records} == {batch.id}
    assert "not mine" not in {r["note"] for r in records}
    occurred = [r["occurred_at"] for r in records]
    assert occurred == sorted(occurred, reverse=True)


def test_events_csv_neutralises_notes_and_keeps_negative_temperatures(user_api, user):
    batch = builders.make_batch(user.id, name="-fridge batch")
    builders.make_event(user.id, batch.id, type="temperature", temperature_c=-2, note="@cmd|' /C calc'!A0")
    rows = _rows(user_api.get("/api/v1/exports/events.csv"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["note"] == "'@cmd|' /C calc'!A0"
    assert row["batch_name"] == "'-fridge batch"
    assert row["temperature_c"] == "-2"


def test_without_a_token_the_csv_endpoints_answer_401_in_the_json_envelope(api):
    for path in ("/api/v1/exports/batches.csv", "/api/v1/exports/events.csv/"):
        response = api.get(path, HTTP_ACCEPT="text/csv")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response["X-Request-ID"]


def test_a_client_that_accepts_only_csv_gets_csv(user_api, user):
    builders.make_batch(user.id)
    response = user_api.get("/api/v1/exports/batches.csv", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert len(_rows(response)) == 2


def test_dynamodb_throttling_before_the_first_row_is_a_503_envelope_not_a_broken_file(user_api, user):
    builders.make_batch(user.id)
    user_api.get("/api/v1/exports/batches.csv")  # warm-up (revocation check)
    with faults.dynamodb(fault="throttle", operations={"Query"}):
        response = user_api.get("/api/v1/exports/events.csv")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert response["Retry-After"]
