"""infra/deploy.sh --dry-run: the first deploy's commands, in an order where every stack's inputs exist, and
the settings Zappa gets; the templates that invoke the function (SnapStart needs a published version)."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cfnlint.decode import decode
from zappa.cli import ZappaCLI
from zappa.core import SNAPSTART_LAMBDA_ALIAS, Zappa

ROOT = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash") or "/bin/bash"
SETTINGS_LINE = "  zappa settings: "
LAMBDA_ARN = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:kefir-app-${Stage}"


def dry_run_output(stage: str) -> str:
    result = subprocess.run([BASH, "infra/deploy.sh", stage, "--dry-run"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def dry_run(stage: str) -> list[str]:
    return [line[2:] for line in dry_run_output(stage).splitlines() if line.startswith("+ ")]


def deployed_settings(stage: str, tmp_path: Path) -> list[ZappaCLI]:
    """What Zappa itself makes of each settings file the dry run hands it (`extends` resolved by Zappa)."""
    clis = []
    for index, line in enumerate(dry_run_output(stage).splitlines()):
        if line.startswith(SETTINGS_LINE):
            path = tmp_path / f"settings-{stage}-{index}.json"
            path.write_text(line.removeprefix(SETTINGS_LINE))
            cli = ZappaCLI()
            cli.api_stage = stage
            cli.load_settings(str(path))
            clis.append(cli)
    return clis


def template(name: str) -> dict:
    loaded, errors = decode(str(ROOT / "infra" / name))
    assert not errors, errors
    return loaded


def step(command: str) -> str:
    if match := re.search(r"--stack-name kefir-\w+-(\w+)", command):
        return f"stack {match.group(1)}"
    for word in ("put-parameter", "package", "check-package", "update-stage"):
        if word in command.split():
            return word
    if match := re.search(r"zappa (deploy|update)", command):
        return f"zappa {match.group(1)}"
    if "scripts/retire_zappa_schedule.py kefir-app-" in command:
        return "retire zappa schedule"
    if "package STAGE" in command:
        return "package"
    return command


def test_a_first_deploy_runs_the_stacks_zappa_and_throttling_in_order():
    steps = [step(c) for c in dry_run("dev")]
    assert steps == [
        "stack data", "stack iam", "stack monitoring", "put-parameter", "package", "check-package",
        "zappa deploy", "stack auth", "retire zappa schedule", "stack schedule", "stack iam", "stack monitoring",
        "zappa update", "update-stage",
    ]


def test_every_stack_deploy_is_idempotent_and_names_the_stage():
    for command in dry_run("prod"):
        if "cloudformation deploy" in command:
            assert "--no-fail-on-empty-changeset" in command
            assert "Stage=prod" in command
            assert "kefir-prod-" in command


def test_the_secret_is_never_printed_and_throttling_is_1000_per_second_burst_2000():
    commands = dry_run("dev")
    (put,) = [c for c in commands if "put-parameter" in c]
    assert put.endswith("--value ****")
    (throttle,) = [c for c in commands if "update-stage" in c]
    assert "ThrottlingRateLimit=1000,ThrottlingBurstLimit=2000" in throttle


def test_an_unknown_stage_is_refused():
    result = subprocess.run([BASH, "infra/deploy.sh", "staging", "--dry-run"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "usage" in result.stderr


def test_prod_extends_dev_and_repeats_every_environment_variable():
    stages = json.loads((ROOT / "zappa_settings.json").read_text())
    assert stages["prod"]["extends"] == "dev"
    assert set(stages["prod"]["environment_variables"]) == set(stages["dev"]["environment_variables"])
    assert stages["prod"]["environment_variables"]["KEFIR_STAGE"] == "prod"
    dev = stages["dev"]
    assert (dev["runtime"], dev["architecture"], dev["memory_size"], dev["timeout_seconds"]) == (
        "python3.13", "arm64", 512, 30)
    assert dev["apigateway_version"] == "v2" and dev["log_level"] == "INFO" and dev["manage_roles"] is False
    assert dev["snap_start"] == "PublishedVersions"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_what_snapstart_init_needs_reaches_the_function_environment_on_every_zappa_run(stage, tmp_path):
    runs = deployed_settings(stage, tmp_path)
    assert len(runs) == 2  # zappa deploy, then zappa update with the pool ids
    for cli in runs:
        environment = cli.aws_environment_variables
        # zappa/handler.py builds the app at import (so into the snapshot) only when this one is set and truthy.
        assert environment["INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT"] == "true"
        assert {"PHOTOS_BUCKET", "PUBLIC_BASE_URL", "COGNITO_USER_POOL_ID", "COGNITO_APP_CLIENT_ID"} <= set(environment)
        assert environment["DJANGO_SECRET_KEY"] == "****"  # the dry run never prints the secret
        assert (cli.snap_start, cli.runtime, cli.architecture) == ("PublishedVersions", "python3.13", "arm64")
        assert cli.apigateway_lambda_qualifier == SNAPSTART_LAMBDA_ALIAS  # API Gateway invokes the alias
        assert cli.num_retained_versions >= 2  # Zappa's floor with SnapStart: the alias's version survives pruning


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_zappa_neither_schedules_on_latest_nor_touches_the_user_pool(stage, tmp_path):
    for cli in deployed_settings(stage, tmp_path):
        assert cli.stage_config["events"] == [] and cli.stage_config["keep_warm"] is False
        assert cli.cognito is None


def test_cognito_triggers_and_their_permission_use_the_snapstart_alias():
    resources = template("auth.yaml")["Resources"]
    alias_arn = {"Fn::Sub": f"{LAMBDA_ARN}:{SNAPSTART_LAMBDA_ALIAS}"}
    lambda_config = resources["UserPool"]["Properties"]["LambdaConfig"]
    assert set(lambda_config) == {"DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse"}
    assert all(arn == alias_arn for arn in lambda_config.values())
    assert resources["CognitoInvokePermission"]["Properties"]["FunctionName"] == alias_arn


def test_the_schedule_invokes_the_alias_under_the_rule_names_zappas_handler_routes_by():
    stages = json.loads((ROOT / "zappa_settings.json").read_text())
    resources = template("schedule.yaml")["Resources"]
    alias_arn = {"Fn::Sub": f"{LAMBDA_ARN}:{SNAPSTART_LAMBDA_ALIAS}"}
    rules = {key: value["Properties"] for key, value in resources.items() if value["Type"] == "AWS::Events::Rule"}
    permissions = [value["Properties"] for value in resources.values() if value["Type"] == "AWS::Lambda::Permission"]
    assert all(rule["Targets"] == [{"Id": rule["Targets"][0]["Id"], "Arn": alias_arn}] for rule in rules.values())
    assert sorted(p["SourceArn"]["Fn::GetAtt"][0] for p in permissions) == sorted(rules)
    assert all(p["FunctionName"] == alias_arn and p["Principal"] == "events.amazonaws.com" for p in permissions)
    (reminder,) = stages["dev"]["events"]
    for stage in ("dev", "prod"):
        names = {key: rule["Name"]["Fn::Sub"].replace("${Stage}", stage) for key, rule in rules.items()}
        # The names Zappa's schedule_events gives its rules; the handler runs what follows the last "-".
        assert names == {
            "ReminderRule": Zappa.get_event_name(f"kefir-app-{stage}", reminder["function"]),
            "KeepWarmRule": Zappa.get_event_name(f"kefir-app-{stage}", "zappa-keep-warm-handler.keep_warm_callback"),
        }
        assert names["ReminderRule"].split("-")[-1] == "apps.reminders.tasks.process_due_reminders"


def test_the_schedule_stack_gets_zappa_settings_expressions():
    stages = json.loads((ROOT / "zappa_settings.json").read_text())
    (schedule,) = [c for c in dry_run("prod") if "--stack-name kefir-prod-schedule" in c]
    dev = stages["dev"]
    assert (f"ReminderSchedule={dev['events'][0]['expression']} KeepWarm=true "
            f"KeepWarmSchedule={dev['keep_warm_expression']}") in schedule
