import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED_ENV = {
    "KEFIR_STAGE": "dev",
    "DJANGO_SECRET_KEY": "k" * 30 + "Z9!x_random_enough_for_the_deploy_check_0123456789",
    "DJANGO_ALLOWED_HOSTS": "api.kefir.example",
    "DYNAMODB_TABLE_NAME": "kefir-app-dev",
    "PHOTOS_BUCKET": "kefir-photos-dev",
    "COGNITO_USER_POOL_ID": "eu-west-1_abc",
    "COGNITO_APP_CLIENT_ID": "client",
    "PUBLIC_BASE_URL": "https://kefir.example",
    "DEFAULT_FROM_EMAIL": "Kefir <no-reply@kefir.example>",
    "AWS_REGION": "eu-west-1",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "KEFIR", "COGNITO", "AWS"))}
    clean.update(env, DJANGO_SETTINGS_MODULE="kefir.settings.aws")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=120)


def test_deployed_settings_refuse_to_start_and_name_the_missing_variable():
    env = dict(DEPLOYED_ENV)
    del env["COGNITO_APP_CLIENT_ID"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "COGNITO_APP_CLIENT_ID" in result.stderr


def test_deployed_pages_link_static_files_under_the_public_base_url():
    # The execute-api URL carries the stage: the admin's CSS must be linked as /dev/static/..., not /static/.
    show = ("shell", "-c", "from django.conf import settings; print(settings.STATIC_URL)")
    staged = manage(*show, env={**DEPLOYED_ENV,
                                "PUBLIC_BASE_URL": "https://abc123.execute-api.eu-west-1.amazonaws.com/dev"})
    assert staged.stdout.splitlines()[-1] == "/dev/static/", staged.stderr
    assert manage(*show, env=DEPLOYED_ENV).stdout.splitlines()[-1] == "/static/"


def test_check_deploy_is_clean_with_every_variable_set():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=DEPLOYED_ENV)
    assert result.returncode == 0, result.stderr + result.stdout


def test_the_garbage_collector_runs_with_the_configured_thresholds():
    import gc

    from django.conf import settings

    assert gc.get_threshold() == settings.GC_THRESHOLDS
