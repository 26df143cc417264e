import csv
import datetime as dt
import io
import json
import urllib.parse
import zipfile

import requests
from django.conf import settings

from apps.core import clock, ids
from apps.exports import erasure, repository, services
from kefir import aws
from tests import faults
from tests.exports import builders


def _start(client, fmt="csv") -> str:
    response = client.post("/api/v1/exports", {"format": fmt}, format="json")
    assert response.status_code == 202, response.content
    assert set(response.json()) == {"id", "status"} and response.json()["status"] == "pending"
    return response.json()["id"]


def _download(client, export_id) -> zipfile.ZipFile:
    status = client.get(f"/api/v1/exports/{export_id}").json()
    assert status["status"] == "ready", status
    answer = requests.get(status["download_url"], timeout=10)
    assert answer.status_code == 200
    return zipfile.ZipFile(io.BytesIO(answer.content))


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _bucket_keys() -> list[str]:
    return [o["Key"] for o in aws.client("s3").list_objects_v2(Bucket=settings.PHOTOS_BUCKET).get("Contents", [])]


def test_a_csv_export_becomes_ready_and_its_zip_holds_every_entity_and_the_photos(user_api, user):
    user_api.get("/api/v1/me")  # the profile exists once the user has used the app
    batch = builders.make_batch(user.id, name="Milk, \"best\"", notes="=1+1")
    photo = builders.make_photo_event(user.id, batch.id)
    builders.make_event(user.id, batch.id, type="tasted", rating=4, note="tangy")
    device = user_api.post("/api/v1/devices", {"token": "ExponentPushToken[abcdefgh1234]", "platform": "ios"},
                           format="json")
    assert device.status_code == 201
    reminder = user_api.post("/api/v1/reminders", {"batch_id": batch.id, "kind": "strain",
                                                    "due_at": clock.isoformat(clock.now() + dt.timedelta(hours=5))},
                             format="json")
    assert reminder.status_code == 201, reminder.content

    export_id = _start(user_api, "csv")
    archive = _download(user_api, export_id)

    assert set(archive.namelist()) == {"manifest.json", "profile.csv", "batches.csv", "events.csv", "reminders.csv",
                                       "devices.csv", "grains.csv", "grains_history.csv", f"photos/{photo.id}.jpg"}
    assert archive.read(f"photos/{photo.id}.jpg") == builders.JPEG_BYTES
    assert _csv(archive, "profile.csv")[0]["email"] == user.email
    batches = _csv(archive, "batches.csv")
    assert [(b["id"], b["name"], b["notes"]) for b in batches] == [(batch.id, 'Milk, "best"', "'=1+1")]
    events = {e["id"]: e for e in _csv(archive, "events.csv")}
    assert events[photo.id]["photo_file"] == f"photos/{photo.id}.jpg"
    assert {e["type"] for e in events.values()} == {"photo", "tasted"}
    assert [r["kind"] for r in _csv(archive, "reminders.csv")] == ["strain"]
    devices = _csv(archive, "devices.csv")
    assert [d["platform"] for d in devices] == ["ios"] and "token" not in devices[0]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["export_id"] == export_id and manifest["format"] == "csv"
    assert {f["name"]: f["rows"] for f in manifest["files"]} == {
        "profile.csv": 1, "batches.csv": 1, "events.csv": 2, "reminders.csv": 1, "devices.csv": 1, "grains.csv": 0,
        "grains_history.csv": 0}
    assert manifest["photos"] == {"folder": "photos/", "files": 1, "missing": 0}
    assert _bucket_keys().count(f"exports/{user.id}/{export_id}.zip") == 1


def test_a_json_export_holds_one_json_array_per_entity_type(user_api, user):
    batch = builders.make_batch(user.id, temperature_c=-2)
    builders.make_photo_event(user.id, batch.id)
    archive = _download(user_api, _start(user_api, "json"))
    names = set(archive.namelist())
    assert {"manifest.json", "profile.json", "batches.json", "events.json", "reminders.json", "devices.json"} <= names
    batches = json.loads(archive.read("batches.json"))
    assert batches[0]["id"] == batch.id and batches[0]["temperature_c"] == -2
    (event,) = json.loads(archive.read("events.json"))
    assert event["photo_file"] in names
    assert json.loads(archive.read("reminders.json")) == []


def test_grains_and_their_history_are_in_the_package_as_csv_and_json(user_api, user):
    week = dt.timedelta(days=7)
    with clock.frozen(dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)) as advance:
        grains = user_api.post("/api/v1/grains", {"name": "=Anna's grains", "kind": "milk", "mass_g": 20,
                                                  "notes": "from Anna"}, format="json").json()
        advance(week)
        weighed = user_api.post(f"/api/v1/grains/{grains['id']}/weighings", {"mass_g": 24}, format="json")
        assert weighed.status_code == 201
        split = user_api.post(f"/api/v1/grains/{grains['id']}/splits", {"mass_g": 4, "to": "new", "note": "jar 2"},
                              format="json").json()
        batch = user_api.post("/api/v1/batches", {"name": "b", "kind": "milk", "grains_id": grains["id"]},
                              format="json").json()
        advance(week)  # the package shows the estimate when it is made: 20 g at +10 %/week
        archives = {fmt: _download(user_api, _start(user_api, fmt)) for fmt in ("csv", "json")}
    rows = {row["id"]: row for row in _csv(archives["csv"], "grains.csv")}
    assert rows[grains["id"]]["name"] == "'=Anna's grains" and rows[grains["id"]]["mass_g"] == "20"
    assert rows[grains["id"]]["estimated_mass_g"] == "22" and rows[grains["id"]]["notes"] == "from Anna"
    assert rows[split["created"]["id"]]["split_from"] == grains["id"]
    history = _csv(archives["csv"], "grains_history.csv")
    assert sorted((h["grains_id"] == grains["id"], h["type"], h["mass_g"]) for h in history) == [
        (False, "created", "4"), (True, "created", "20"), (True, "split", "4"), (True, "weighed", "24")]
    assert {h["grains_name"] for h in history if h["grains_id"] == grains["id"]} == {"'=Anna's grains"}
    assert [(b["id"], b["grains_id"]) for b in _csv(archives["csv"], "batches.csv")] == [(batch["id"], grains["id"])]
    as_json = json.loads(archives["json"].read("grains.json"))
    assert {g["id"]: g["estimated_mass_g"] for g in as_json} == {grains["id"]: 22, split["created"]["id"]: 4.4}
    assert len(json.loads(archives["json"].read("grains_history.json"))) == 4
    manifest = json.loads(archives["json"].read("manifest.json"))
    assert {f["name"]: f["rows"] for f in manifest["files"]}["grains_history.json"] == 4


def test_the_status_shows_a_download_url_valid_for_300_seconds_and_the_expiry(user_api):
    export_id = _start(user_api)
    body = user_api.get(f"/api/v1/exports/{export_id}/").json()
    assert body["id"] == export_id and body["format"] == "csv"
    query = urllib.parse.parse_qs(urllib.parse.urlparse(body["download_url"]).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert "kefir-export-" in query["response-content-disposition"][0]
    created = clock.parse(body["created_at"])
    assert clock.parse(body["expires_at"]) - created == dt.timedelta(days=7)


def test_a_second_request_while_one_is_pending_returns_the_pending_one(user_api, user):
    now = clock.now()
    pending = repository.Export(id=ids.new_id(), user_id=user.id, format="json", status="pending", created_at=now,
                                expires_at=clock.epoch_seconds(now + dt.timedelta(days=7)))
    assert repository.export_start(export=pending, stale_before=now - dt.timedelta(minutes=20))
    response = user_api.post("/api/v1/exports", {"format": "csv"}, format="json")
    assert response.status_code == 202
    assert response.json() == {"id": pending.id, "status": "pending"}
    assert user_api.get(f"/api/v1/exports/{pending.id}").json()["status"] == "pending"
    assert not _bucket_keys()


def test_a_pending_export_whose_task_died_counts_as_failed_and_a_new_one_can_start(user_api, user):
    long_ago = clock.now() - dt.timedelta(hours=1)
    dead = repository.Export(id=ids.new_id(at=long_ago), user_id=user.id, format="csv", status="pending",
                             created_at=long_ago, expires_at=clock.epoch_seconds(long_ago + dt.timedelta(days=7)))
    assert repository.export_start(export=dead, stale_before=long_ago - dt.timedelta(minutes=20))
    assert user_api.get(f"/api/v1/exports/{dead.id}").json()["status"] == "failed"
    fresh = _start(user_api)
    assert fresh != dead.id
    assert user_api.get(f"/api/v1/exports/{fresh}").json()["status"] == "ready"


def test_after_an_export_finished_the_next_request_starts_a_new_one(user_api):
    first = _start(user_api)
    second = _start(user_api)
    assert first != second
    assert user_api.get(f"/api/v1/exports/{second}").json()["status"] == "ready"


def test_someone_elses_export_is_not_found(user_api, other_api):
    export_id = _start(other_api)
    response = user_api.get(f"/api/v1/exports/{export_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_and_malformed_export_ids_are_not_found(user_api):
    for export_id in (ids.new_id(), "not-an-id", "EXPORT%23PENDING"):
        assert user_api.get(f"/api/v1/exports/{export_id}").status_code == 404


def test_an_unknown_or_missing_format_is_invalid_and_starts_nothing(user_api):
    for body in ({"format": "xml"}, {}, {"format": None}, {"format": ["csv"]}):
        response = user_api.post("/api/v1/exports", body, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"
        assert "format" in response.json()["error"]["fields"]
    assert not _bucket_keys()


def test_exports_need_a_token(api):
    assert api.post("/api/v1/exports", {"format": "csv"}, format="json").status_code == 401
    assert api.get(f"/api/v1/exports/{ids.new_id()}").status_code == 401


def test_when_storage_fails_the_export_is_failed_and_the_next_request_starts_again(user_api, user):
    builders.make_batch(user.id)
    with faults.s3(fault="s3-unavailable", operations={"PutObject", "CreateMultipartUpload"}):
        export_id = _start(user_api)
    body = user_api.get(f"/api/v1/exports/{export_id}").json()
    assert body["status"] == "failed" and body["download_url"] is None
    assert user_api.get(f"/api/v1/exports/{_start(user_api)}").json()["status"] == "ready"


def test_an_export_of_an_erased_account_builds_nothing(user):
    now = clock.now()
    export = repository.Export(id=ids.new_id(), user_id=user.id, format="csv", status="pending", created_at=now,
                               expires_at=clock.epoch_seconds(now + dt.timedelta(days=7)))
    assert repository.export_start(export=export, stale_before=now)
    erasure.erase_user(user_id=user.id)
    assert services.export_build(user_id=user.id, export_id=export.id) == "gone"
    assert not _bucket_keys()


def test_erasing_a_user_removes_their_export_items_and_zips_only(user_api, other_api, user, other_user):
    mine, theirs = _start(user_api), _start(other_api)
    erasure.erase_user(user_id=user.id)
    erasure.erase_user(user_id=user.id)  # idempotent
    assert repository.export_get(user_id=user.id, export_id=mine) is None
    assert repository.export_pending(user_id=user.id) is None
    assert _bucket_keys() == [f"exports/{other_user.id}/{theirs}.zip"]


def test_the_bucket_expires_exports_after_seven_days():
    rules = aws.client("s3").get_bucket_lifecycle_configuration(Bucket=settings.PHOTOS_BUCKET)["Rules"]
    (rule,) = [r for r in rules if r["ID"] == "expire-exports"]
    assert rule["Filter"]["Prefix"] == "exports/" and rule["Expiration"]["Days"] == 7


def test_exports_of_lists_the_users_exports_newest_first_and_only_theirs(user_api, other_api, user):
    from apps.exports import repository

    first = user_api.post("/api/v1/exports", {"format": "json"}, format="json").json()["id"]
    user_api.get(f"/api/v1/exports/{first}")
    other_api.post("/api/v1/exports", {"format": "csv"}, format="json")
    second = user_api.post("/api/v1/exports", {"format": "csv"}, format="json").json()["id"]
    assert [e.id for e in repository.exports_of(user_id=user.id)] == [second, first]
