"""`make run` as a developer uses it: a real process, its own emulator, stopped and started again."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """`manage.py runlocal` in a subprocess with its own ports and state directory."""

    def __init__(self, state_dir: Path):
        self.port, self.aws_port = free_port(), free_port()
        self.state_dir = state_dir
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def aws_url(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KEFIR_", "DJANGO_"))}
        env.update(DJANGO_SETTINGS_MODULE="kefir.settings.local", LOCAL_AWS_PORT=str(self.aws_port),
                   KEFIR_LOCAL_STATE_DIR=str(self.state_dir), PORT=str(self.port))
        self.log = open(self.state_dir.parent / f"runlocal-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runlocal", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        self.stop()
        raise AssertionError("runlocal did not come up:\n" + Path(self.log.name).read_text()[-3000:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()

    def aws(self, service: str):
        return boto3.client(service, endpoint_url=self.aws_url, region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")

    def demo_user(self) -> dict:
        idp = self.aws("cognito-idp")
        pool_id = next(p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == "kefir-local")
        users = idp.list_users(UserPoolId=pool_id, Filter='email = "test@example.com"')["Users"]
        assert len(users) == 1
        return {a["Name"]: a["Value"] for a in users[0]["Attributes"]}


@pytest.fixture
def state_dir(tmp_path):
    path = tmp_path / "state"
    path.mkdir()
    return path


def test_make_run_serves_health_and_schema(state_dir):
    server = LocalServer(state_dir)
    server.start()
    try:
        assert requests.get(f"{server.url}/api/health", timeout=5).json() == {"status": "ok"}
        schema = requests.get(f"{server.url}/api/schema/", headers={"Accept": "application/json"}, timeout=30)
        assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
    finally:
        server.stop()


def test_local_data_and_identities_survive_a_restart(state_dir):
    server = LocalServer(state_dir)
    server.start()
    try:
        sub = server.demo_user()["sub"]
        server.aws("dynamodb").put_item(TableName="kefir-app-local", Item={
            "PK": {"S": f"USER#{sub}"}, "SK": {"S": "PROBE"}, "ItemType": {"S": "probe"}})
        server.aws("s3").put_object(Bucket="kefir-photos-local", Key=f"users/{sub}/probe.txt", Body=b"kept")
    finally:
        server.stop()
    assert (state_dir / "aws-snapshot.json").exists()

    again = LocalServer(state_dir)
    again.start()
    try:
        assert again.demo_user()["sub"] == sub
        item = again.aws("dynamodb").get_item(
            TableName="kefir-app-local", Key={"PK": {"S": f"USER#{sub}"}, "SK": {"S": "PROBE"}})
        assert "Item" in item
        body = again.aws("s3").get_object(Bucket="kefir-photos-local", Key=f"users/{sub}/probe.txt")["Body"].read()
        assert body == b"kept"
    finally:
        again.stop()
