"""Cold start: a fresh Python process imports the Zappa handler and serves its first authenticated
GET /api/v1/batches, against a bare Django + DRF "hello" project through the same handler (the floor,
built by this script in a temporary folder). Target (issue 9): ratio <= 1.3.

The deployed package is arm64 and cannot run on this x86-64 machine, so both sides run from this
machine's virtualenv. Like the package, each project's code runs from a copy in a temporary folder
with unchecked-hash bytecode (never compiled into the source tree, where such bytecode would outlive
edits). Each side is measured in REPEAT fresh processes; medians are reported. The emulator runs in
this (parent) process.
Run: `python -m bench cold_start`.
"""

import compileall
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from bench import harness, zappa_events

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 7

CHILD = textwrap.dedent("""
    import json, sys, time
    started = time.perf_counter()
    sys.path.insert(0, {settings_folder!r})
    from zappa.handler import lambda_handler
    event = json.loads({event!r})
    response = lambda_handler(event, None)
    elapsed = (time.perf_counter() - started) * 1000
    print(json.dumps({{"status": response["statusCode"], "ms": elapsed}}))
""")

HELLO_SETTINGS = textwrap.dedent("""
    SECRET_KEY = "hello-floor-only"
    DEBUG = False
    ALLOWED_HOSTS = ["*"]
    INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"]
    ROOT_URLCONF = "hello_urls"
    DATABASES = {}
    USE_TZ = True
    REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [], "DEFAULT_PERMISSION_CLASSES": []}
""")

HELLO_URLS = textwrap.dedent("""
    from django.urls import path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Hello(APIView):
        def get(self, request):
            return Response({"results": [], "next_cursor": None})

    urlpatterns = [path("api/v1/batches", Hello.as_view())]
""")


def _precompile(folder: Path) -> None:
    compileall.compile_dir(str(folder), quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def _kefir_copy() -> Path:
    """The project's code as the package holds it: apps, kefir and manage.py, precompiled."""
    folder = Path(tempfile.mkdtemp(prefix="kefir-cold-"))
    for name in ("apps", "kefir"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(ROOT / "manage.py", folder / "manage.py")
    _precompile(folder)
    return folder


def _hello_project() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="hello-floor-"))
    (folder / "hello_settings.py").write_text(HELLO_SETTINGS)
    (folder / "hello_urls.py").write_text(HELLO_URLS)
    (folder / "zappa_settings.py").write_text(textwrap.dedent("""
        API_STAGE = "dev"
        PROJECT_NAME = "hello"
        DJANGO_SETTINGS = "hello_settings"
        LOG_LEVEL = "INFO"
        DEBUG = False
        BINARY_SUPPORT = True
        CONTEXT_HEADER_MAPPINGS = {}
        ENVIRONMENT_VARIABLES = {}
        EXCEPTION_HANDLER = None
        DOMAIN = None
        BASE_PATH = None
        SETTINGS_FILE = None
        AWS_EVENT_MAPPING = {}
        AWS_BOT_EVENT_MAPPING = {}
        COGNITO_TRIGGER_MAPPING = {}
        ASYNC_RESPONSE_TABLE = ""
        ADDITIONAL_TEXT_MIMETYPES = []
    """))
    _precompile(folder)
    return folder


def _measure(*, cwd: Path, settings_folder: Path, event: dict, env: dict) -> list[float]:
    samples = []
    code = CHILD.format(settings_folder=str(settings_folder), event=json.dumps(event))
    for _ in range(REPEAT):
        result = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                                timeout=120)
        line = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        if result.returncode or not line.startswith("{"):
            raise RuntimeError(f"cold start child failed: {result.stderr[-2000:]}")
        outcome = json.loads(line)
        if outcome["status"] != 200:
            raise RuntimeError(f"first request answered {outcome['status']}")
        samples.append(outcome["ms"])
    return samples


def main() -> None:
    harness.with_emulator(_run)


def _run() -> None:
    from django.conf import settings

    user = harness.signed_in_user()
    project = _kefir_copy()
    ours_settings = zappa_events.write_zappa_settings(django_settings="kefir.settings.test")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    ours_env = {
        **base_env, "KEFIR_TEST_AWS_PORT": str(settings.TEST_AWS_PORT),
        "COGNITO_USER_POOL_ID": settings.COGNITO_USER_POOL_ID, "COGNITO_APP_CLIENT_ID": settings.COGNITO_APP_CLIENT_ID,
        "DJANGO_ALLOWED_HOSTS": ".execute-api.us-east-1.amazonaws.com",
    }
    event = zappa_events.http_api_v2_event("GET", "/api/v1/batches", token=user.access_token)
    ours = _measure(cwd=project, settings_folder=ours_settings, event=event, env=ours_env)
    hello = _hello_project()
    floor = _measure(cwd=hello, settings_folder=hello, event=event, env={**base_env, "PYTHONPATH": str(hello)})
    ratio = harness.median(ours) / harness.median(floor)
    harness.print_table(
        f"Cold start to the first authenticated GET /api/v1/batches, ms (median of {REPEAT} fresh processes)",
        ["project", "median", "min", "max"],
        [["kefir", f"{harness.median(ours):.0f}", f"{min(ours):.0f}", f"{max(ours):.0f}"],
         ["bare Django + DRF hello (floor)", f"{harness.median(floor):.0f}", f"{min(floor):.0f}", f"{max(floor):.0f}"]],
    )
    print(f"ratio kefir / floor: {ratio:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
