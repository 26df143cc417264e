"""scripts/retire_zappa_schedule.py against the emulator: the schedule Zappa 0.63 itself made on $LATEST goes,
the stack's rules on the alias and everyone else's permissions stay."""

import io
import json
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from zappa.core import SNAPSTART_LAMBDA_ALIAS, Zappa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import retire_zappa_schedule  # noqa: E402

FUNCTION = "kefir-app-dev"
REGION = "us-east-1"
EVENTS = [{"function": "apps.reminders.tasks.process_due_reminders", "expression": "rate(5 minutes)"},
          {"name": "zappa-keep-warm", "function": "handler.keep_warm_callback", "expression": "rate(4 minutes)"}]


@pytest.fixture
def session(aws, monkeypatch):
    # Zappa creates its own clients from the session: the emulator's endpoint reaches them through the
    # environment (botocore's AWS_ENDPOINT_URL), ours get it the same way.
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws)
    return boto3.session.Session(region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture
def function(session):
    """A published function with the `snapstart` alias, as `zappa deploy` leaves it; returns its bare ARN."""
    role = session.client("iam").create_role(RoleName="kefir-app-dev-lambda", AssumeRolePolicyDocument="{}")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr("handler.py", "def lambda_handler(event, context):\n    return None\n")
    lam = session.client("lambda")
    created = lam.create_function(FunctionName=FUNCTION, Runtime="python3.13", Role=role["Role"]["Arn"],
                                  Handler="handler.lambda_handler", Code={"ZipFile": code.getvalue()}, Publish=True)
    lam.create_alias(FunctionName=FUNCTION, Name=SNAPSTART_LAMBDA_ALIAS, FunctionVersion=created["Version"])
    return lam.get_function(FunctionName=FUNCTION)["Configuration"]["FunctionArn"]


def zappa_schedules(session, function_arn: str) -> None:
    """What `zappa update` did before SnapStart: Zappa's own schedule_events, on the bare function."""
    zappa = Zappa(boto_session=session, aws_region=REGION, runtime="python3.13")
    zappa.credentials_arn = session.client("iam").get_role(RoleName="kefir-app-dev-lambda")["Role"]["Arn"]
    zappa.schedule_events(lambda_arn=function_arn, lambda_name=FUNCTION, events=[dict(e) for e in EVENTS])


def stack_schedules(session, function_arn: str) -> str:
    """What infra/schedule.yaml declares: a rule on the alias and its permission on the alias."""
    events, lam = session.client("events"), session.client("lambda")
    name = f"{FUNCTION}-apps.reminders.tasks.process_due_reminders-stack"
    rule = events.put_rule(Name=name, ScheduleExpression="rate(5 minutes)")["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "reminders", "Arn": f"{function_arn}:{SNAPSTART_LAMBDA_ALIAS}"}])
    lam.add_permission(FunctionName=FUNCTION, Qualifier=SNAPSTART_LAMBDA_ALIAS, StatementId="stack-reminders",
                       Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=rule)
    return name


def rules_on(session, arn: str) -> list[str]:
    return session.client("events").list_rule_names_by_target(TargetArn=arn)["RuleNames"]


def policy_sids(session, **qualifier) -> set[str]:
    policy = session.client("lambda").get_policy(FunctionName=FUNCTION, **qualifier)["Policy"]
    return {statement["Sid"] for statement in json.loads(policy)["Statement"]}


def retire(session) -> list[str]:
    said = []
    retire_zappa_schedule.retire(FUNCTION, session.client("lambda"), session.client("events"), say=said.append)
    return said


def test_zappas_rules_and_permissions_on_latest_are_removed(session, function):
    zappa_schedules(session, function)
    session.client("lambda").add_permission(FunctionName=FUNCTION, StatementId="api-gateway",
                                            Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com")
    assert len(rules_on(session, function)) == 2
    assert len(policy_sids(session)) == 3

    said = retire(session)

    assert rules_on(session, function) == []
    assert session.client("events").list_rules(NamePrefix=FUNCTION)["Rules"] == []
    assert policy_sids(session) == {"api-gateway"}
    assert len(said) == 2 * 2 + 2  # per rule: target removed, rule deleted; then two statements


def test_the_stacks_rule_and_permission_on_the_alias_stay(session, function):
    zappa_schedules(session, function)
    stack_rule = stack_schedules(session, function)

    retire(session)

    assert rules_on(session, f"{function}:{SNAPSTART_LAMBDA_ALIAS}") == [stack_rule]
    assert policy_sids(session, Qualifier=SNAPSTART_LAMBDA_ALIAS) == {"stack-reminders"}


def test_a_rule_with_another_target_loses_only_the_latest_one(session, function):
    zappa_schedules(session, function)
    events = session.client("events")
    (reminders,) = [r for r in rules_on(session, function) if r.endswith("process_due_reminders")]
    events.put_targets(Rule=reminders, Targets=[{"Id": "someone-else", "Arn": f"{function}:{SNAPSTART_LAMBDA_ALIAS}"}])

    retire(session)

    assert [t["Id"] for t in events.list_targets_by_rule(Rule=reminders)["Targets"]] == ["someone-else"]


def test_a_second_run_and_a_missing_function_change_nothing(session, function):
    zappa_schedules(session, function)
    retire(session)

    assert retire(session) == []
    assert retire_zappa_schedule.retire("kefir-app-nothing", session.client("lambda"), session.client("events")) == 0
