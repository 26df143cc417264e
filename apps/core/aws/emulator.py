"""The local AWS for `make run`: moto's server in this process, with its state kept on disk.

moto keeps nothing on disk, and it gives every user a random `sub` by which all their items are
keyed, so a snapshot (table items, bucket objects, users with their subs and groups) is written to
.local/ every few seconds and at exit, and restored at start with each user's old `sub`.
Never imported on AWS (moto is a development dependency).
"""

import contextlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from django.conf import settings

from apps.core.auth import identity
from apps.core.aws import bootstrap
from kefir import aws

logger = logging.getLogger("kefir.emulator")
SNAPSHOT_VERSION = 1


class LocalAws:
    def __init__(self, *, port: int, state_dir: Path):
        self.port = port
        self.state_dir = state_dir
        self.snapshot_path = state_dir / "aws-snapshot.json"
        self.objects_dir = state_dir / "s3"
        self._server = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- emulator ------------------------------------------------------------------------------
    def start(self) -> None:
        os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        self.snapshot()
        if self._server:
            self._server.stop()

    def keep_snapshotting(self, every_s: float = 3.0) -> None:
        def loop() -> None:
            while not self._stop.wait(every_s):
                try:
                    self.snapshot()
                except Exception:
                    logger.exception("local snapshot failed")

        self._thread = threading.Thread(target=loop, name="local-aws-snapshot", daemon=True)
        self._thread.start()

    # --- snapshot ------------------------------------------------------------------------------
    def snapshot(self) -> None:
        with self._lock:
            state = {
                "version": SNAPSHOT_VERSION,
                "items": self._table_items(),
                "objects": self._save_objects(),
                "users": self._users(),
            }
            self.state_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.snapshot_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            tmp.replace(self.snapshot_path)

    def _table_items(self) -> list[dict[str, Any]]:
        ddb = aws.client("dynamodb")
        items: list[dict[str, Any]] = []
        for page in ddb.get_paginator("scan").paginate(TableName=settings.DYNAMODB_TABLE_NAME):
            items.extend(page["Items"])
        return items

    def _save_objects(self) -> list[dict[str, str]]:
        s3 = aws.client("s3")
        objects = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.PHOTOS_BUCKET):
            for entry in page.get("Contents", []):
                key, etag = entry["Key"], entry["ETag"].strip('"')
                path = self.objects_dir / etag
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    response = s3.get_object(Bucket=settings.PHOTOS_BUCKET, Key=key)
                    path.write_bytes(response["Body"].read())
                    content_type = response.get("ContentType", "application/octet-stream")
                else:
                    content_type = s3.head_object(Bucket=settings.PHOTOS_BUCKET, Key=key).get(
                        "ContentType", "application/octet-stream")
                objects.append({"key": key, "etag": etag, "content_type": content_type})
        return objects

    def _users(self) -> list[dict[str, Any]]:
        idp = aws.client("cognito-idp")
        pool_id = identity.pool_config().user_pool_id
        users = []
        for page in idp.get_paginator("list_users").paginate(UserPoolId=pool_id):
            for user in page["Users"]:
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                groups = [g["GroupName"] for g in idp.admin_list_groups_for_user(
                    UserPoolId=pool_id, Username=user["Username"])["Groups"]]
                users.append({
                    "sub": attributes.get("sub", user["Username"]),
                    "attributes": {k: v for k, v in attributes.items() if k != "sub"},
                    "enabled": user.get("Enabled", True),
                    "groups": groups,
                })
        return users

    # --- restore -------------------------------------------------------------------------------
    def restore(self) -> bool:
        """Bring the last snapshot back into the (empty) emulator; False when there is none."""
        if not self.snapshot_path.exists():
            return False
        state = json.loads(self.snapshot_path.read_text())
        ddb = aws.client("dynamodb")
        items = state.get("items", [])
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
            ddb.batch_write_item(RequestItems={settings.DYNAMODB_TABLE_NAME: requests})
        s3 = aws.client("s3")
        for entry in state.get("objects", []):
            path = self.objects_dir / entry["etag"]
            if path.exists():
                s3.put_object(Bucket=settings.PHOTOS_BUCKET, Key=entry["key"], Body=path.read_bytes(),
                              ContentType=entry["content_type"])
        for user in state.get("users", []):
            self._restore_user(user)
        return True

    def _restore_user(self, user: dict[str, Any]) -> None:
        from moto.cognitoidp.models import cognitoidp_backends
        from moto.core import DEFAULT_ACCOUNT_ID

        idp = aws.client("cognito-idp")
        pool_id = identity.pool_config().user_pool_id
        email = user["attributes"]["email"]
        with contextlib.suppress(idp.exceptions.UsernameExistsException):
            idp.admin_create_user(
                UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                UserAttributes=[{"Name": k, "Value": v} for k, v in user["attributes"].items()],
            )
        # moto draws a new random sub; give the user back the one their items are keyed by.
        pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID][settings.COGNITO_REGION].user_pools[pool_id]
        moto_user = pool._get_user(email)
        pool.users.pop(moto_user.username, None)
        moto_user.id = moto_user.username = user["sub"]
        moto_user.update_attributes([{"Name": "sub", "Value": user["sub"]}])
        pool.users[user["sub"]] = moto_user
        for group in user.get("groups", []):
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
        if not user.get("enabled", True):
            idp.admin_disable_user(UserPoolId=pool_id, Username=email)


def bootstrap_all() -> None:
    """Create what is missing and make this process use the emulator's pool."""
    identity.reset()
    pool_id, client_id = bootstrap.ensure_all()
    settings.COGNITO_USER_POOL_ID, settings.COGNITO_APP_CLIENT_ID = pool_id, client_id
    identity.reset()
