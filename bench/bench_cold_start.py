"""Cold start from the unzipped Lambda package: a fresh Python process imports the package's Zappa handler
and serves its first authenticated GET /api/v1/batches, against a bare Django + DRF "hello" project through
the same handler (the floor, built by this script in a temporary folder). Issue 9's target was a ratio <= 1.3;
since issue 19 (SnapStart: init runs once per published version) it is a reference figure, and the cold
start a user meets is bench_restore's.

The deployed package is arm64 and cannot run on this x86-64 machine, so this benchmark builds the same
package for x86_64 (`PACKAGE_ARCH=x86_64 scripts/build_package.sh dev` -> .build/kefir-dev-x86_64.zip:
same requirements, same app copy, same botocore pruning and unchecked-hash bytecode; never deployed). It
reuses that zip only while it holds exactly the working tree's apps/, kefir/ and manage.py and is newer
than every build input; otherwise it rebuilds it, so it never measures stale code.

The zip is unzipped into a temporary folder that stands for Lambda's /var/task; its zappa_settings.py is
pointed at kefir.settings.test (the emulator, served by this parent process) and recompiled there. Each
child is `python -I -S` (the base interpreter, no site-packages, no PYTHON* variables) whose sys.path is
the unzipped package (and, for the floor, the hello project first) plus the standard library; every
child checks that no module it imported came from anywhere else (the dev .venv included). The floor
imports Django, DRF and Zappa from the same unzipped package, with its own tiny settings. For reference,
a third side is the same hello view in a project with `django-admin startproject`'s defaults (the
admin, sessions, messages, SQLite, seven middlewares: what kefir also runs); the target's ratio stays
against the stricter floor. Each side runs REPEAT fresh processes, in turns (kefir, floor, startproject,
kefir, ...) so that a burst of load on this shared machine falls on every side alike; medians are reported.

Run: `python -m bench cold_start`; `python -m bench.bench_cold_start PATH.zip` measures a given x86_64 zip
as it is (to compare two builds; no freshness check); `--api-only` adds a side in the same turns, the
package with the support console left out (API_ONLY_SETTINGS below), to price a console in a Lambda
function of its own.
"""

import fnmatch
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

from bench import harness, zappa_events

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 21
STAGE = "dev"
PACKAGE = ROOT / ".build" / f"kefir-{STAGE}-x86_64.zip"
# Besides the app, what the package is made from: a zip older than any of these is rebuilt.
BUILD_INPUTS = ("requirements.txt", "zappa_settings.json", "scripts/build_package.sh", "scripts/finish_package.py",
                "scripts/botocore_services.txt")
APP_PARTS = ("apps", "kefir", "manage.py")
# The interpreter without the dev virtualenv (-S would skip its site-packages anyway).
PYTHON = getattr(sys, "_base_executable", None) or sys.executable

sys.path.insert(0, str(ROOT / "scripts"))
import check_package  # noqa: E402
import finish_package  # noqa: E402

CHILD = textwrap.dedent("""
    import json, os, sys, time
    started = time.perf_counter()
    roots = json.loads(sys.argv[1])
    sys.path[:0] = roots
    from kefir.lambda_handler import lambda_handler  # what Lambda calls (zappa_settings.json: lambda_handler)
    response = lambda_handler(json.loads(sys.argv[2]), None)
    elapsed = (time.perf_counter() - started) * 1000
    allowed = tuple(os.path.realpath(p) + os.sep for p in [*roots, sys.base_prefix])
    outside = sorted(f"{name}: {module.__file__}" for name, module in list(sys.modules.items())
                     if getattr(module, "__file__", None) and not os.path.realpath(module.__file__).startswith(allowed))
    print(json.dumps({"status": response["statusCode"], "ms": elapsed, "outside": outside,
                      "settings": sys.modules["zappa_settings"].__file__, "django": sys.modules["django"].__file__}))
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

# A second, informational floor: what `django-admin startproject` makes (Django 5.2's template: the
# admin, auth, contenttypes, sessions, messages and staticfiles apps, its seven middlewares, SQLite),
# plus DRF and the same hello view. The headline ratio stays against the stricter floor above, which
# has none of that; kefir has all of it (the support console is the Django admin, DESIGN.md).
STARTPROJECT_SETTINGS = textwrap.dedent("""
    SECRET_KEY = "hello-floor-only"
    DEBUG = False
    ALLOWED_HOSTS = ["*"]
    INSTALLED_APPS = [
        "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
        "django.contrib.messages", "django.contrib.staticfiles", "rest_framework",
    ]
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    ROOT_URLCONF = "hello_urls"
    TEMPLATES = [{
        "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
        "OPTIONS": {"context_processors": [
            "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
            "django.contrib.messages.context_processors.messages",
        ]},
    }]
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/hello-floor.sqlite3"}}
    STATIC_URL = "static/"
    USE_TZ = True
    REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [], "DEFAULT_PERMISSION_CLASSES": []}
""")

STARTPROJECT_URLS = HELLO_URLS.replace(
    "from django.urls import path", "from django.contrib import admin\nfrom django.urls import path"
).replace('urlpatterns = [', 'urlpatterns = [path("admin/", admin.site.urls), ')


# `--api-only`: the same package with the support console left out of the API's function (no admin,
# sessions, messages, static files, SQLite, nor their middlewares), as if it ran in a Lambda function of
# its own. Not a configuration of ours (DESIGN.md has one Zappa app per stage): it prices that option.
API_ONLY_SETTINGS = textwrap.dedent("""
    from .test import *

    INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in {
        "django.contrib.admin.apps.SimpleAdminConfig", "django.contrib.sessions", "django.contrib.messages",
        "django.contrib.staticfiles", "apps.support",
    }]
    MIDDLEWARE = [m for m in MIDDLEWARE if m.rsplit(".", 1)[-1] not in {
        "WhiteNoiseMiddleware", "SessionMiddleware", "CsrfViewMiddleware", "AuthenticationMiddleware",
        "StaffSessionMiddleware", "MessageMiddleware", "XFrameOptionsMiddleware",
    }]
    DATABASES = {}
    TEMPLATES[0]["OPTIONS"]["context_processors"] = ["django.template.context_processors.request"]
    REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.auth.authentication.CognitoAccessTokenAuthentication",
    ]}
""")


def _compile(path: Path) -> None:
    """Unchecked-hash bytecode, as finish_package.py makes it (only ever inside a temporary folder)."""
    py_compile.compile(str(path), doraise=True, dfile=f"{finish_package.LAMBDA_ROOT}/{path.name}",
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def _excluded(relative: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in relative.split("/") for pattern in patterns)


def stale_reason(package: Path) -> str | None:
    """Why the zip does not hold the working tree's code (None: it does), by content, not by time."""
    if not package.exists():
        return "not built yet"
    built = package.stat().st_mtime
    for name in BUILD_INPUTS:
        if (ROOT / name).stat().st_mtime > built:
            return f"{name} changed since the build"
    from zappa.core import ZIP_EXCLUDES

    # What Zappa leaves out of the copy it packs (shutil.ignore_patterns on every path part).
    patterns = [*ZIP_EXCLUDES, *json.loads((ROOT / "zappa_settings.json").read_text())[STAGE]["exclude"]]
    tree = {}
    for part in APP_PARTS:
        paths = [ROOT / part] if (ROOT / part).is_file() else sorted(p for p in (ROOT / part).rglob("*") if p.is_file())
        for path in paths:
            relative = path.relative_to(ROOT).as_posix()
            if not _excluded(relative, patterns):
                tree[relative] = path
    with zipfile.ZipFile(package) as zf:
        packed = {n for n in zf.namelist() if n.split("/")[0] in APP_PARTS and not n.endswith("/")
                  and not _excluded(n, patterns)}
        if packed != set(tree):
            return f"files differ: {sorted(packed ^ set(tree))[:3]}"
        for relative, path in tree.items():
            if zf.read(relative) != path.read_bytes():
                return f"{relative} changed since the build"
    return None


def built_package() -> Path:
    """The x86_64 package of the working tree: reused when up to date, else rebuilt."""
    reason = stale_reason(PACKAGE)
    if reason:
        print(f"building {PACKAGE.relative_to(ROOT)} ({reason})", flush=True)
        subprocess.run([shutil.which("bash") or "/bin/bash", "scripts/build_package.sh", STAGE], cwd=ROOT, check=True,
                       env={**os.environ, "PACKAGE_ARCH": "x86_64"}, stdout=subprocess.DEVNULL)
        reason = stale_reason(PACKAGE)
        if reason:
            raise RuntimeError(f"the tree changed during the build ({reason}); run the benchmark again")
    return PACKAGE


def unzipped(package: Path, *, api_only: bool = False) -> Path:
    """The package in a temporary /var/task, its zappa_settings pointed at the emulator's settings."""
    folder = Path(tempfile.mkdtemp(prefix="kefir-task-"))
    with zipfile.ZipFile(package) as zf:
        zf.extractall(folder)
    django_settings = "kefir.settings.test"
    if api_only:
        (folder / "kefir" / "settings" / "bench_api_only.py").write_text(API_ONLY_SETTINGS)
        django_settings = "kefir.settings.bench_api_only"
    settings = folder / "zappa_settings.py"
    settings.write_text(zappa_events.replace_settings(settings.read_text(), DJANGO_SETTINGS=django_settings))
    _compile(settings)  # its packaged unchecked-hash pyc would otherwise keep kefir.settings.aws
    return folder


def hello_project(task: Path, settings: str = HELLO_SETTINGS, urls: str = HELLO_URLS) -> Path:
    """The floor: a bare Django + DRF project, with the package's Zappa settings renamed to it."""
    folder = Path(tempfile.mkdtemp(prefix="hello-floor-"))
    (folder / "hello_settings.py").write_text(settings)
    (folder / "hello_urls.py").write_text(urls)
    (folder / "zappa_settings.py").write_text(zappa_events.replace_settings(
        (task / "zappa_settings.py").read_text(), DJANGO_SETTINGS="hello_settings", PROJECT_NAME="hello",
        COGNITO_TRIGGER_MAPPING={}))
    for path in folder.glob("*.py"):
        _compile(path)
    return folder


def measure(*, roots: list[Path], event: dict, env: dict) -> float:
    """Milliseconds to the first response of one fresh `python -I -S` process (cwd = roots[0])."""
    result = subprocess.run([PYTHON, "-I", "-S", "-c", CHILD, json.dumps([str(r) for r in roots]),
                             json.dumps(event)], cwd=roots[0], env=env, capture_output=True, text=True,
                            timeout=120)
    line = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode or not line.startswith("{"):
        raise RuntimeError(f"cold start child failed: {result.stderr[-2000:]}")
    outcome = json.loads(line)
    if outcome["status"] != 200:
        raise RuntimeError(f"first request answered {outcome['status']}")
    if outcome["outside"] or not outcome["settings"].startswith(str(roots[0])) or ".venv" in outcome["django"]:
        raise RuntimeError(f"the child imported from outside the package: {outcome}")
    return outcome["ms"]


def main(package: Path | None = None, *, api_only: bool = False) -> None:
    harness.with_emulator(lambda: _run(package or built_package(), api_only=api_only))


def _run(package: Path, *, api_only: bool = False) -> None:
    task = unzipped(package)
    api_task = unzipped(package, api_only=True) if api_only else None
    hello = hello_project(task)
    startproject = hello_project(task, STARTPROJECT_SETTINGS, STARTPROJECT_URLS)
    try:
        _measure_all(package, task, hello, startproject, api_task)
    finally:  # ~100 MB unzipped per run
        for folder in (task, api_task, hello, startproject):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


def _measure_all(package: Path, task: Path, hello: Path, startproject: Path, api_task: Path | None) -> None:
    from django.conf import settings

    services = finish_package.kept_botocore_services()
    problems, available = check_package.client_creation_problems(task, services)
    if problems:
        raise RuntimeError(f"botocore in the package: {problems}")
    user = harness.signed_in_user()
    # As in a Lambda container (which sets the function's name, among others): the deployed settings
    # read it, e.g. to fetch the JWKS while starting (JWKS_PREFETCH).
    base_env = {"PATH": "/usr/bin:/bin", "HOME": str(task), "LANG": "C.UTF-8", "TZ": "UTC",
                "AWS_LAMBDA_FUNCTION_NAME": f"kefir-{STAGE}"}
    ours_env = {
        **base_env, "KEFIR_TEST_AWS_PORT": str(settings.TEST_AWS_PORT),
        "COGNITO_USER_POOL_ID": settings.COGNITO_USER_POOL_ID, "COGNITO_APP_CLIENT_ID": settings.COGNITO_APP_CLIENT_ID,
        "DJANGO_ALLOWED_HOSTS": ".execute-api.us-east-1.amazonaws.com",
    }
    event = zappa_events.http_api_v2_event("GET", "/api/v1/batches", token=user.access_token)
    ours, floor, default_project, api_only = [], [], [], []
    for _ in range(REPEAT):
        ours.append(measure(roots=[task], event=event, env=ours_env))
        if api_task is not None:
            api_only.append(measure(roots=[api_task], event=event, env=ours_env))
        floor.append(measure(roots=[hello, task], event=event, env=base_env))
        default_project.append(measure(roots=[startproject, task], event=event, env=base_env))
    ratio = harness.median(ours) / harness.median(floor)
    with zipfile.ZipFile(package) as zf:
        unzipped_mb = sum(m.file_size for m in zf.infolist()) / 1_000_000
    harness.print_table(
        f"Cold start to the first authenticated GET /api/v1/batches, ms (median of {REPEAT} fresh processes, "
        "from the unzipped x86_64 package)",
        ["project", "median", "min", "max"],
        [["kefir", f"{harness.median(ours):.0f}", f"{min(ours):.0f}", f"{max(ours):.0f}"],
         ["bare Django + DRF hello (floor)", f"{harness.median(floor):.0f}", f"{min(floor):.0f}", f"{max(floor):.0f}"],
         ["startproject defaults + DRF hello", f"{harness.median(default_project):.0f}", f"{min(default_project):.0f}",
          f"{max(default_project):.0f}"],
         *([["kefir without the support console (--api-only)", f"{harness.median(api_only):.0f}",
             f"{min(api_only):.0f}", f"{max(api_only):.0f}"]] if api_only else [])],
    )
    print(f"ratio kefir / floor: {ratio:.2f} (a reference: with SnapStart this is paid once per published version)")
    # Two estimates less sensitive to this shared machine's drifts: each kefir process against the floor
    # process run right after it (same machine state), and the best case of each side.
    paired = harness.median([o / f for o, f in zip(ours, floor, strict=True)])
    print(f"  median of the {REPEAT} paired ratios (kefir_i / floor_i, run back to back): {paired:.2f}; "
          f"ratio of the minimums: {min(ours) / min(floor):.2f}")
    paired_default = harness.median([o / d for o, d in zip(ours, default_project, strict=True)])
    print(f"  for reference, against startproject's defaults + DRF (admin, sessions, messages, SQLite, seven "
          f"middlewares): {harness.median(ours) / harness.median(default_project):.2f} (paired {paired_default:.2f})")
    if api_only:
        saved = harness.median([a - o for a, o in zip(api_only, ours, strict=True)])
        paired_api = harness.median([a / f for a, f in zip(api_only, floor, strict=True)])
        print(f"  --api-only: {harness.median(api_only) / harness.median(floor):.2f} against the floor (paired "
              f"{paired_api:.2f}); median difference to kefir in the same turn: {saved:+.0f} ms")
    listed = ", ".join(available) if len(available) <= 20 else "not pruned"
    print(f"package {package.name}: {package.stat().st_size / 1_000_000:.1f} MB zipped, {unzipped_mb:.1f} MB unzipped; "
          f"botocore models: {len(available)} ({listed}); a client of each kept service created from the package")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--api-only"]
    main(Path(arguments[0]).resolve() if arguments else None, api_only="--api-only" in sys.argv[1:])
