"""Removes the schedule Zappa made on a function's bare ARN ($LATEST), once infra/schedule.yaml takes over.

Before SnapStart, `zappa deploy|update` scheduled the reminder run and keep-warm itself: EventBridge rules
whose target is the unqualified function (zappa/core.py schedule_events), that is $LATEST, which SnapStart
never snapshots, plus an events.amazonaws.com statement per rule in the function's policy. infra/deploy.sh
now gives Zappa no events and declares the same rules, under the same names, on the `snapstart` alias
(infra/schedule.yaml). Left in place, Zappa's rules would run the reminders a second time, and their names
would clash with the stack's. So, before the schedule stack is deployed:

- every rule that targets the bare function loses that target, and is deleted if nothing else is left in it
  (a rule on the alias, the stack's, does not target the bare ARN and is never touched);
- every events.amazonaws.com statement on the bare function leaves its policy (Zappa's; the stack's
  permissions are on the alias). API Gateway's and anyone else's statements stay.

Nothing to do (and nothing printed) for a function that does not exist yet or was already cleaned: after one
SnapStart deploy every later run finds nothing.

Usage: python scripts/retire_zappa_schedule.py FUNCTION_NAME --region us-east-1
"""

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

import boto3


def retire(function_name: str, lambda_client: Any, events_client: Any, say: Callable[[str], None] = print) -> int:
    """Remove Zappa's rules and permissions on the bare function; returns how many changes were made."""
    try:
        # The ARN Zappa gave its rules as their target (cli.py schedule: get_function's FunctionArn).
        function_arn = lambda_client.get_function(FunctionName=function_name)["Configuration"]["FunctionArn"]
    except lambda_client.exceptions.ResourceNotFoundException:
        return 0
    changes = 0
    rules = [name for page in events_client.get_paginator("list_rule_names_by_target").paginate(TargetArn=function_arn)
             for name in page["RuleNames"]]
    for rule in rules:
        targets = events_client.list_targets_by_rule(Rule=rule)["Targets"]
        ids = [target["Id"] for target in targets if target["Arn"] == function_arn]
        if ids:
            events_client.remove_targets(Rule=rule, Ids=ids)
            say(f"EventBridge rule {rule}: removed its target {function_arn} ($LATEST)")
            changes += 1
        if len(ids) == len(targets):
            events_client.delete_rule(Name=rule)
            say(f"EventBridge rule {rule}: deleted (it had no other target)")
            changes += 1
    try:
        policy = json.loads(lambda_client.get_policy(FunctionName=function_name)["Policy"])
    except lambda_client.exceptions.ResourceNotFoundException:
        return changes
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal")
        # Zappa's statements name the bare function; one naming the alias (or a version) is not ours to remove.
        on_latest = statement.get("Resource") in (function_arn, f"{function_arn}:$LATEST")
        if on_latest and isinstance(principal, dict) and principal.get("Service") == "events.amazonaws.com":
            lambda_client.remove_permission(FunctionName=function_name, StatementId=statement["Sid"])
            say(f"{function_name}: removed the policy statement {statement['Sid']} (EventBridge on $LATEST)")
            changes += 1
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Remove Zappa's schedule on a function's $LATEST.")
    parser.add_argument("function_name")
    parser.add_argument("--region", required=True)
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    retire(args.function_name, session.client("lambda"), session.client("events"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
