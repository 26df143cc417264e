"""Photo objects in S3: presigned uploads, existence checks, presigned reads and cascading deletes.

Keys: users/{sub}/batches/{batch_id}/photos/{photo_id}.{ext}, so a batch's (or a user's) photos go
with one prefix delete and a key names its owner and batch for the checks below.
"""

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.storage import default_storage

from kefir import aws

MAX_PHOTO_BYTES = 10 * 1024 * 1024
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}


def user_prefix(user_id: str) -> str:
    return f"users/{user_id}/"


def batch_prefix(user_id: str, batch_id: str) -> str:
    return f"users/{user_id}/batches/{batch_id}/"


def photo_prefix(user_id: str, batch_id: str) -> str:
    return f"{batch_prefix(user_id, batch_id)}photos/"


def photo_key(*, user_id: str, batch_id: str, photo_id: str, content_type: str) -> str:
    """The key a new photo of the batch is uploaded to."""
    return f"{photo_prefix(user_id, batch_id)}{photo_id}.{EXTENSIONS[content_type]}"


def presigned_upload(*, key: str, content_type: str) -> dict:
    """A presigned POST for exactly `key`, this content type and 1 byte..10 MiB, valid 300 s."""
    # generate_presigned_post adds the exact {"key": key} and {"bucket": ...} conditions itself.
    return aws.client("s3").generate_presigned_post(
        Bucket=settings.PHOTOS_BUCKET,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, MAX_PHOTO_BYTES]],
        ExpiresIn=settings.PRESIGNED_URL_EXPIRES_S,
    )


def photo_exists(key: str) -> bool:
    """Whether the object was uploaded (a HEAD request)."""
    try:
        aws.client("s3").head_object(Bucket=settings.PHOTOS_BUCKET, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound", "403"}:
            return False
        raise
    return True


def photo_url(key: str) -> str:
    """A presigned GET of the photo, valid PRESIGNED_URL_EXPIRES_S (300 s)."""
    return default_storage.url(key)


def delete_prefix(prefix: str) -> int:
    """Delete every object under `prefix`; returns how many went."""
    s3 = aws.client("s3")
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.PHOTOS_BUCKET, Prefix=prefix):
        objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objects:
            s3.delete_objects(Bucket=settings.PHOTOS_BUCKET, Delete={"Objects": objects, "Quiet": True})
            deleted += len(objects)
    return deleted


def delete_photo(key: str) -> None:
    """Delete one photo object (no error if it is gone)."""
    aws.client("s3").delete_object(Bucket=settings.PHOTOS_BUCKET, Key=key)
