"""Photo objects in S3: presigned uploads, tags, existence, presigned reads and deletes.

Keys: `photos/{upload_id}`, where upload_id is 128 random bits (32 hex digits). A key holds no user id,
email, name, batch or time (a ULID would give away when the photo was taken), so a photo URL handed to
anyone (the public share page) says nothing about its owner. Who owns a key is recorded only in the
table: the user's `UPLOAD#{upload_id}` item (apps.events.repository), which is how attaching, batch
deletion and account erasure find the object. Nothing trusts a key's shape to tell its owner.

Lifecycle: a new object is tagged `attached=false` by its presigned POST and retagged `attached=true`
when a photo event takes it; infra/data.yaml's rule `expire-unattached-uploads` expires objects under
`photos/` tagged `attached=false` 1 day after their creation. S3 rounds that to the next midnight UTC
and runs lifecycle once a day, so a never-attached upload is gone between 24 and 48 hours after it
was uploaded ("within 2 days", API.md).

Legacy layout (before issue 21): `users/{sub}/batches/{batch_id}/photos/{photo_id}.{ext}`.
`python manage.py migrate_photo_keys` moves those objects to the layout above; until it has run on a
stage, batch deletion and erasure also sweep the legacy prefixes (LEGACY_* below).
"""

import re
import secrets
from collections.abc import Iterable
from xml.sax.saxutils import escape

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.storage import default_storage

from kefir import aws

MAX_PHOTO_BYTES = 10 * 1024 * 1024
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}
CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}

ATTACHED_TAG = "attached"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_KEY_PREFIX = "photos/"
_MISSING = {"404", "NoSuchKey", "NotFound"}
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


def new_upload_id() -> str:
    """A fresh upload id: 128 random bits as 32 lowercase hex digits (no time, no owner)."""
    return secrets.token_hex(16)


def photo_key(upload_id: str) -> str:
    """The S3 key of an upload."""
    return f"{_KEY_PREFIX}{upload_id}"


def upload_id_of(key: str) -> str | None:
    """The upload id a key names, if it has the shape of a current-layout key (it proves no ownership:
    callers look the id up in the user's own UPLOAD# items)."""
    if not isinstance(key, str) or not key.startswith(_KEY_PREFIX):
        return None
    upload_id = key[len(_KEY_PREFIX):]
    return upload_id if _UPLOAD_ID.match(upload_id) else None


def _tagging(attached: bool) -> str:
    value = "true" if attached else "false"
    return (f"<Tagging><TagSet><Tag><Key>{escape(ATTACHED_TAG)}</Key><Value>{value}</Value></Tag>"
            "</TagSet></Tagging>")


def presigned_upload(*, key: str, content_type: str) -> dict:
    """A presigned POST for exactly `key`, this content type, 1 byte..10 MiB and the tag attached=false,
    valid 300 s."""
    # generate_presigned_post adds the exact {"key": key} and {"bucket": ...} conditions itself. A POST
    # sets object tags through its `tagging` field (an XML Tagging document); the exact-match condition
    # makes S3 refuse an upload that drops or changes it, so every upload starts out expiring.
    tagging = _tagging(False)
    return aws.client("s3").generate_presigned_post(
        Bucket=settings.PHOTOS_BUCKET,
        Key=key,
        Fields={"Content-Type": content_type, "tagging": tagging},
        Conditions=[{"Content-Type": content_type}, {"tagging": tagging},
                    ["content-length-range", 1, MAX_PHOTO_BYTES]],
        ExpiresIn=settings.PRESIGNED_URL_EXPIRES_S,
    )


def tag_attached(key: str, *, attached: bool) -> bool:
    """Set the object's attached tag (one PutObjectTagging); False if there is no such object."""
    try:
        aws.client("s3").put_object_tagging(
            Bucket=settings.PHOTOS_BUCKET, Key=key,
            Tagging={"TagSet": [{"Key": ATTACHED_TAG, "Value": "true" if attached else "false"}]},
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING:
            return False
        raise
    return True


def photo_url(key: str) -> str:
    """A presigned GET of the photo, valid PRESIGNED_URL_EXPIRES_S (300 s)."""
    return default_storage.url(key)


def delete_photos(keys: Iterable[str]) -> int:
    """Delete these objects, 1,000 per DeleteObjects request (missing ones are no error); returns how
    many keys were sent."""
    s3 = aws.client("s3")
    deleted, chunk = 0, []

    def flush() -> None:
        result = s3.delete_objects(Bucket=settings.PHOTOS_BUCKET,
                                   Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True})
        if result.get("Errors"):
            raise RuntimeError(f"S3 kept {len(result['Errors'])} photo objects; the deletion must be retried")

    for key in keys:
        chunk.append(key)
        if len(chunk) == DELETE_BATCH:
            flush()
            deleted, chunk = deleted + len(chunk), []
    if chunk:
        flush()
        deleted += len(chunk)
    return deleted


def delete_photo(key: str) -> None:
    """Delete one photo object (no error if it is gone)."""
    aws.client("s3").delete_object(Bucket=settings.PHOTOS_BUCKET, Key=key)


# -- the legacy layout (until `migrate_photo_keys` has run) ---------------------------------------------

LEGACY_ROOT = "users/"
_LEGACY_KEY = re.compile(
    r"^users/(?P<user_id>[^/]+)/batches/(?P<batch_id>[^/]+)/photos/(?P<photo_id>[^/.]+)\.(?P<extension>[a-z]+)$"
)


def legacy_user_prefix(user_id: str) -> str:
    """Where a user's photos lived before issue 21 (exports live under exports/, not here)."""
    return f"users/{user_id}/batches/"


def legacy_batch_prefix(user_id: str, batch_id: str) -> str:
    return f"users/{user_id}/batches/{batch_id}/"


def legacy_key(*, user_id: str, batch_id: str, photo_id: str, content_type: str) -> str:
    """A key of the legacy layout (for the migration's tests and the exports of unmigrated photos)."""
    return f"{legacy_batch_prefix(user_id, batch_id)}photos/{photo_id}.{EXTENSIONS[content_type]}"


def parse_legacy_key(key: str) -> dict | None:
    """user_id, batch_id, photo_id and content_type of a legacy photo key; None for anything else."""
    match = _LEGACY_KEY.match(key)
    if not match or match["extension"] not in CONTENT_TYPES:
        return None
    return {"user_id": match["user_id"], "batch_id": match["batch_id"], "photo_id": match["photo_id"],
            "content_type": CONTENT_TYPES[match["extension"]]}


def legacy_delete_prefix(prefix: str) -> int:
    """Delete every legacy object under `prefix` (a ListObjectsV2 per 1,000, then a DeleteObjects);
    returns how many went."""
    s3 = aws.client("s3")
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.PHOTOS_BUCKET, Prefix=prefix):
        deleted += delete_photos(o["Key"] for o in page.get("Contents", []))
    return deleted


def legacy_pages(*, page_size: int = 1000):
    """The legacy layout's objects, one ListObjectsV2 page (a list of keys) at a time."""
    s3 = aws.client("s3")
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=settings.PHOTOS_BUCKET, Prefix=LEGACY_ROOT,
                                   PaginationConfig={"PageSize": page_size}):
        yield [o["Key"] for o in page.get("Contents", [])]


def copy_to(*, source: str, target: str, content_type: str, attached: bool) -> bool:
    """Copy an object to `target` with the attached tag set (one CopyObject); False if the source is gone."""
    try:
        aws.client("s3").copy_object(
            Bucket=settings.PHOTOS_BUCKET, Key=target, CopySource={"Bucket": settings.PHOTOS_BUCKET, "Key": source},
            MetadataDirective="REPLACE", ContentType=content_type,
            TaggingDirective="REPLACE", Tagging=f"{ATTACHED_TAG}={'true' if attached else 'false'}",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING:
            return False
        raise
    return True
