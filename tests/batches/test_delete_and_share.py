import requests
from django.conf import settings

from apps.batches import repository
from apps.core import hooks
from apps.events import repository as events_repository
from kefir import aws
from tests.batches.helpers import add_event, create_batch
from tests.events.test_photos import JPEG, upload


def objects_under(prefix: str) -> list[str]:
    listing = aws.client("s3").list_objects_v2(Bucket=settings.PHOTOS_BUCKET, Prefix=prefix)
    return [o["Key"] for o in listing.get("Contents", [])]


def test_delete_cascades_to_events_share_link_photos_and_tells_other_apps(user_api, user, api):
    batch, kept = create_batch(user_api), create_batch(user_api, name="kept")
    key = upload(user_api, batch["id"])
    upload(user_api, batch["id"])  # never attached
    kept_key = upload(user_api, kept["id"])
    user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "photo", "photo_key": key}, format="json")
    add_event(user_api, batch["id"])
    add_event(user_api, kept["id"])
    token = user_api.post(f"/api/v1/batches/{batch['id']}/share").json()["token"]
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    hooks.batch_deleted.connect(receiver)
    try:
        assert user_api.delete(f"/api/v1/batches/{batch['id']}").status_code == 204
    finally:
        hooks.batch_deleted.disconnect(receiver)
    assert [(r["user_id"], r["batch_id"]) for r in received] == [(user.id, batch["id"])]
    assert list(events_repository.events_iter(user_id=user.id, batch_id=batch["id"])) == []
    assert repository.share_get(token=token) is None
    assert api.get(f"/api/v1/public/b/{token}").status_code == 404
    # Photos are found through their UPLOAD# items: the deleted batch's go (attached or not), the other stays.
    assert objects_under("") == [kept_key]
    assert [u.key for u in events_repository.uploads_iter(user_id=user.id)] == [kept_key]
    assert len(list(events_repository.events_iter(user_id=user.id, batch_id=kept["id"]))) == 1


def test_share_returns_the_same_link_on_every_call_and_shows_on_the_batch(user_api, user):
    batch = create_batch(user_api)
    first = user_api.post(f"/api/v1/batches/{batch['id']}/share")
    again = user_api.post(f"/api/v1/batches/{batch['id']}/share/")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    token = first.json()["token"]
    assert len(token) >= 43 and first.json()["url"] == f"{settings.PUBLIC_BASE_URL}/b/{token}"
    assert user_api.get(f"/api/v1/batches/{batch['id']}").json()["share_url"] == first.json()["url"]


def test_the_public_view_shows_the_batch_without_personal_data(user_api, user, api):
    batch = create_batch(user_api, name="Shared milk")
    key = upload(user_api, batch["id"])
    user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "photo", "photo_key": key}, format="json")
    add_event(user_api, batch["id"], type="tasted", rating=4, note="Tangy")
    token = user_api.post(f"/api/v1/batches/{batch['id']}/share").json()["token"]
    response = api.get(f"/api/v1/public/b/{token}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"name", "kind", "status", "started_at", "timeline"}
    assert body["name"] == "Shared milk" and body["kind"] == "milk"
    assert [e["type"] for e in body["timeline"]] == ["tasted", "photo"]
    assert set(body["timeline"][0]) == {"type", "occurred_at", "note", "rating", "temperature_c", "photo_url"}
    photo_url = body["timeline"][1]["photo_url"]
    assert photo_url.startswith(f"{settings.PUBLIC_BASE_URL}/b/{token}/photos/")
    redirect = api.get(photo_url.removeprefix(settings.PUBLIC_BASE_URL))
    assert redirect.status_code == 302
    assert requests.get(redirect["Location"], timeout=10).content == JPEG
    text = response.content.decode()
    for secret in (user.id, user.email, key, batch["id"]):
        assert secret not in text


def test_revoking_makes_the_view_and_the_page_404(user_api, api):
    batch = create_batch(user_api)
    token = user_api.post(f"/api/v1/batches/{batch['id']}/share").json()["token"]
    assert user_api.delete(f"/api/v1/batches/{batch['id']}/share").status_code == 204
    assert api.get(f"/api/v1/public/b/{token}").status_code == 404
    assert api.get(f"/b/{token}").status_code == 404
    assert api.get(f"/b/{token}/photos/01HZZZZZZZZZZZZZZZZZZZZZZZ").status_code == 404
    assert user_api.get(f"/api/v1/batches/{batch['id']}").json()["share_url"] is None
    assert user_api.delete(f"/api/v1/batches/{batch['id']}/share").status_code == 204
    new = user_api.post(f"/api/v1/batches/{batch['id']}/share").json()["token"]
    assert new != token


def test_unknown_tokens_are_404(api):
    for token in ("nope", "x" * 43, "../../etc"):
        assert api.get(f"/api/v1/public/b/{token}").status_code == 404
        assert api.get(f"/b/{token}").status_code == 404


def test_the_page_escapes_user_text_and_has_open_graph_tags(user_api, user, api):
    batch = create_batch(user_api, name='<script>alert("x")</script> & "milk"')
    key = upload(user_api, batch["id"])
    user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "photo", "photo_key": key}, format="json")
    add_event(user_api, batch["id"], type="note", note='<img src=x onerror=alert(1)> "quoted"')
    share = user_api.post(f"/api/v1/batches/{batch['id']}/share").json()
    response = api.get(f"/b/{share['token']}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;milk&quot;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<meta property="og:title" content="&lt;script&gt;' in page
    assert f'<meta property="og:url" content="{share["url"]}">' in page
    assert f'<meta property="og:image" content="{share["url"]}/photos/' in page and 'name="viewport"' in page
    assert user.email not in page and user.id not in page
    assert "<link" not in page and "<script" not in page  # no external assets
