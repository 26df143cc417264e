"""A Lambda execution environment with SnapStart, played by this process (tests/core/test_snapstart.py).

Init as Lambda runs it for a published version (Zappa's handler built at import, Django with it), two
requests as a container serves them, the before-snapshot hooks, one more request (so a pooled connection
is open when the snapshot is taken: the worst case), an id made for a given millisecond; then two forked
children stand for two environments restored from that snapshot (tests/snapstart.py). Each reports what
must differ between them, and what its first request imported. Prints one JSON line.
"""

import datetime as dt
import json
import re
import sys
import time


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail

    from apps.core import ids
    from bench import zappa_events
    from tests import snapstart

    arguments = json.loads(sys.argv[1])
    settings.ALLOWED_HOSTS.append(zappa_events.HOST)
    handler = zappa_events.lambda_handler(zappa_events.write_zappa_settings(django_settings="kefir.settings.test"))
    context = zappa_events.LambdaContext()
    token = arguments["token"]

    def call(method: str, path: str, body: dict | None = None, auth: bool = True) -> dict:
        event = zappa_events.http_api_v2_event(method, path, token=token if auth else None, body=body)
        return handler(event, context)

    import importlib

    importlib.import_module("zappa.handler").LambdaHandler()  # what INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT builds
    assert call("GET", "/api/v1/batches")["statusCode"] == 200
    snapshot = snapstart.take_snapshot()
    assert call("GET", f"/api/v1/batches/{arguments['batches'][0]}")["statusCode"] == 200
    at = dt.datetime.fromisoformat(arguments["same_millisecond"].replace("Z", "+00:00"))
    ulid_before = ids.new_id(at=at)
    restored_at = time.time()

    def copy(number: int) -> dict:
        loaded = set(sys.modules)
        first = call("GET", "/api/v1/batches")
        modules = sorted(set(sys.modules) - loaded)
        share = json.loads(call("POST", f"/api/v1/batches/{arguments['batches'][number]}/share")["body"])
        mail.outbox = []
        login = call("POST", "/api/v1/auth/login", {"email": arguments["emails"][number]}, auth=False)
        assert login["statusCode"] == 200, login
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
        import random

        return {"random": random.random(), "ulid": ids.new_id(at=at), "share_token": share["token"],
                "login_code": code, "first_request_status": first["statusCode"], "modules": modules}

    copies = [snapstart.restored(snapshot, lambda n=n: copy(n)) for n in range(2)]
    print(json.dumps({"copies": copies, "ulid_before_snapshot": ulid_before, "restored_at": restored_at}))


if __name__ == "__main__":
    main()
