"""Deleting a batch's or a user's photos: found through their UPLOAD# items, never through a key prefix
(current keys hold no owner). Used by batch deletion (apps.batches.services) and account erasure
(apps.events.erasure); both are idempotent, so the objects go before the items that find them.

Legacy layout: objects under `users/{sub}/batches/{batch_id}/` (before issue 21) have no UPLOAD# item
until `manage.py migrate_photo_keys` moves them, so both functions also sweep that prefix (one
ListObjectsV2 each). Once the migration has reported `remaining=0` on every stage, the sweep finds
nothing and can be removed.
"""

from apps.events import photos, repository


def batch_photos_delete(*, user_id: str, batch_id: str) -> int:
    """Delete every photo object of the user's batch, then its upload items; returns objects deleted."""
    # One Query over the user's uploads, filtered by batch (DESIGN.md's UPLOAD# items have no per-batch
    # key); every upload of the batch, attached or not, is deleted at once rather than left to expire.
    uploads = list(repository.uploads_iter(user_id=user_id, batch_id=batch_id))
    deleted = photos.delete_photos(upload.key for upload in uploads)
    deleted += photos.legacy_delete_prefix(photos.legacy_batch_prefix(user_id, batch_id))
    repository.uploads_delete(uploads=uploads)
    return deleted


def user_photos_delete(*, user_id: str) -> int:
    """Delete every photo object of the user, then their upload items; returns objects deleted."""
    deleted = 0
    page: list[repository.Upload] = []
    for upload in repository.uploads_iter(user_id=user_id):
        page.append(upload)
        if len(page) == photos.DELETE_BATCH:
            deleted += _delete_uploads(page)
            page = []
    deleted += _delete_uploads(page)
    return deleted + photos.legacy_delete_prefix(photos.legacy_user_prefix(user_id))


def _delete_uploads(uploads: list[repository.Upload]) -> int:
    if not uploads:
        return 0
    deleted = photos.delete_photos(upload.key for upload in uploads)
    repository.uploads_delete(uploads=uploads)
    return deleted
