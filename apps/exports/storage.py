"""Export zips in S3: exports/{sub}/{export_id}.zip.

One top-level prefix for every user's exports, so a single lifecycle rule (EXPORTS_PREFIX, 7 days)
expires them all; one folder per user, so account erasure removes a user's zips with a prefix listing.
"""

import datetime as dt

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from django.conf import settings

from kefir import aws

# upload_file reads the file part by part from disk: memory stays at one part whatever the zip's size.
_TRANSFER = TransferConfig(
    multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=2,
)
_CHUNK_BYTES = 256 * 1024


def user_prefix(user_id: str) -> str:
    return f"{settings.EXPORTS_PREFIX}{user_id}/"


def object_key(*, user_id: str, export_id: str) -> str:
    """Where the zip of this export is stored."""
    return f"{user_prefix(user_id)}{export_id}.zip"


def upload_file(*, path: str, key: str) -> None:
    """Upload the finished zip from disk (streamed in parts, never read whole into memory)."""
    aws.client("s3").upload_file(
        path, settings.PHOTOS_BUCKET, key, ExtraArgs={"ContentType": "application/zip"}, Config=_TRANSFER,
    )


def download_url(*, key: str, created_at: dt.datetime) -> str:
    """A presigned GET of the zip, valid PRESIGNED_URL_EXPIRES_S (300 s), saved under a dated name."""
    filename = f"kefir-export-{created_at.date().isoformat()}.zip"
    return aws.client("s3").generate_presigned_url(
        "get_object",
        Params={"Bucket": settings.PHOTOS_BUCKET, "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"'},
        ExpiresIn=settings.PRESIGNED_URL_EXPIRES_S,
    )


def delete_object(key: str) -> None:
    aws.client("s3").delete_object(Bucket=settings.PHOTOS_BUCKET, Key=key)


def delete_user_objects(user_id: str) -> int:
    """Delete every export zip of the user (a prefix listing, 1000 keys per request); how many went."""
    s3 = aws.client("s3")
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.PHOTOS_BUCKET,
                                                             Prefix=user_prefix(user_id)):
        keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        if keys:
            result = s3.delete_objects(Bucket=settings.PHOTOS_BUCKET, Delete={"Objects": keys, "Quiet": True})
            if result.get("Errors"):
                raise RuntimeError(f"S3 kept {len(result['Errors'])} export objects; erasure must be retried")
            deleted += len(keys)
    return deleted


def photo_chunks(key: str):
    """The bytes of a photo object in chunks, or None if the object is gone."""
    try:
        body = aws.client("s3").get_object(Bucket=settings.PHOTOS_BUCKET, Key=key)["Body"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    return body.iter_chunks(_CHUNK_BYTES)
