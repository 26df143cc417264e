from django.conf import settings

from apps.batches import erasure as batch_erasure
from apps.batches import repository
from apps.events import erasure as event_erasure
from apps.events import repository as events_repository
from kefir import aws
from tests.batches.helpers import add_event, create_batch
from tests.events.test_photos import upload


def test_erasure_removes_batches_events_share_links_and_photos_and_can_run_twice(user_api, user, other_api,
                                                                                  other_user, api):
    batch = create_batch(user_api)
    add_event(user_api, batch["id"])
    key = upload(user_api, batch["id"])
    token = user_api.post(f"/api/v1/batches/{batch['id']}/share").json()["token"]
    theirs = create_batch(other_api)
    add_event(other_api, theirs["id"])
    for _ in range(2):
        event_erasure.erase_user(user_id=user.id)
        batch_erasure.erase_user(user_id=user.id)
    assert list(repository.batches_iter(user_id=user.id)) == []
    assert list(events_repository.events_iter(user_id=user.id)) == []
    assert repository.share_get(token=token) is None
    assert api.get(f"/b/{token}").status_code == 404
    listing = aws.client("s3").list_objects_v2(Bucket=settings.PHOTOS_BUCKET)
    assert key not in [o["Key"] for o in listing.get("Contents", [])]
    assert list(events_repository.uploads_iter(user_id=user.id)) == []
    assert len(list(events_repository.events_iter(user_id=other_user.id))) == 1
