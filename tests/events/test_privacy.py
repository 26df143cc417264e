"""API.md: a photo_key, and every photo URL (the public page's included), holds no user id, email or name;
for photos uploaded now and for photos migrated from the legacy users/{sub}/... layout."""

import re
import uuid
from urllib.parse import unquote

import requests
from django.conf import settings

from tests import factory
from tests.batches.helpers import create_batch
from tests.events.test_migration import PNG, legacy_photo, run
from tests.events.test_photos import JPEG, attach, upload


def identity_of(user) -> list[str]:
    local_part = user.email.split("@")[0]
    return [user.id, user.email, local_part, "users/"]


def assert_says_nothing_of(user, text: str) -> None:
    for value in (text, unquote(text)):
        for secret in identity_of(user):
            assert secret not in value, f"{secret!r} leaks"


def test_no_photo_url_or_field_of_the_public_view_names_the_owner(api):
    user = factory.make_user(f"ada.lovelace-{uuid.uuid4().hex[:6]}@example.com")
    user_api = factory.client_for(user)
    batch = create_batch(user_api, name="Shared milk")
    new_key = upload(user_api, batch["id"])
    assert attach(user_api, batch["id"], new_key).status_code == 201
    legacy_key = legacy_photo(user.id, batch["id"], PNG)
    assert user.id in legacy_key
    run()  # the legacy photo gets an opaque key

    token = user_api.post(f"/api/v1/batches/{batch['id']}/share").json()["token"]
    public_json = api.get(f"/api/v1/public/b/{token}")
    page = api.get(f"/b/{token}")
    assert public_json.status_code == 200 and page.status_code == 200
    assert_says_nothing_of(user, public_json.content.decode())
    assert_says_nothing_of(user, page.content.decode())

    photo_urls = [e["photo_url"] for e in public_json.json()["timeline"] if e["photo_url"]]
    assert len(photo_urls) == 2
    assert set(re.findall(r'src="([^"]+/photos/[^"]+)"', page.content.decode())) == set(photo_urls)
    fetched = set()
    for url in photo_urls:
        redirect = api.get(url.removeprefix(settings.PUBLIC_BASE_URL))
        assert redirect.status_code == 302
        assert_says_nothing_of(user, redirect["Location"])
        assert re.search(r"/photos/[0-9a-f]{32}\?", redirect["Location"])  # a presigned GET of the opaque key
        fetched.add(requests.get(redirect["Location"], timeout=10).content)
    assert fetched == {JPEG, PNG}

    # The owner's own view holds the same opaque keys and presigned URLs.
    for event in user_api.get(f"/api/v1/batches/{batch['id']}/events").json()["results"]:
        assert_says_nothing_of(user, event["photo_key"] + event["photo_url"])
