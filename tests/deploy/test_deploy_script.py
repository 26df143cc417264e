"""infra/deploy.sh --dry-run: the first deploy's commands, in an order where every stack's inputs exist."""

import json
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash") or "/bin/bash"


def dry_run(stage: str) -> list[str]:
    result = subprocess.run([BASH, "infra/deploy.sh", stage, "--dry-run"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert result.returncode == 0, result.stderr
    return [line[2:] for line in result.stdout.splitlines() if line.startswith("+ ")]


def step(command: str) -> str:
    if match := re.search(r"--stack-name kefir-\w+-(\w+)", command):
        return f"stack {match.group(1)}"
    for word in ("put-parameter", "package", "check-package", "update-stage"):
        if word in command.split():
            return word
    if match := re.search(r"zappa (deploy|update)", command):
        return f"zappa {match.group(1)}"
    if "package STAGE" in command:
        return "package"
    return command


def test_a_first_deploy_runs_the_stacks_zappa_and_throttling_in_order():
    steps = [step(c) for c in dry_run("dev")]
    assert steps == [
        "stack data", "stack iam", "stack monitoring", "put-parameter", "package", "check-package",
        "zappa deploy", "stack auth", "stack iam", "stack monitoring", "zappa update", "update-stage",
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
