#!/usr/bin/env bash
# Deploys one stage end to end: `make deploy STAGE=dev` (or infra/deploy.sh dev [--dry-run]).
#
# Order (each stack's inputs exist before it is deployed):
#   1. kefir-<stage>-data        table, photo bucket, Zappa's package bucket
#   2. kefir-<stage>-iam         the Lambda role (its user-pool statement once the pool exists)
#   3. kefir-<stage>-monitoring  log group (before the function first runs), topic, alarms, dashboard
#   4. the package (scripts/build_package.sh, checked by scripts/check_package.py), then
#      `zappa deploy` the first time, `zappa update` after that (skipped when code and settings are unchanged).
#      With SnapStart (zappa_settings.json's snap_start), Zappa publishes a version, waits for its snapshot and
#      points the function's `snapstart` alias at it; API Gateway invokes that alias.
#   5. kefir-<stage>-auth        user pool whose triggers call the function's alias, app client, groups
#      kefir-<stage>-schedule    the reminder run and keep-warm rules, on the alias (Zappa's own rules, which
#                                invoke $LATEST, are turned off and removed once)
#   6. first run only: iam and monitoring again (pool ARN, API id now known), zappa update with the pool ids
#   7. HTTP API stage throttling (1000 req/s, burst 2000), then it prints the API URL, pool id and client id.
# Running it twice changes nothing the second time: CloudFormation deploys use
# --no-fail-on-empty-changeset, Zappa runs only when the package or settings differ, throttling only when off.
#
# Secrets: DJANGO_SECRET_KEY lives in SSM Parameter Store (SecureString /kefir/<stage>/django-secret-key,
# created with a random value on the first deploy). This script reads it and hands it to Zappa as an
# aws_environment_variable in a temporary settings file (mode 600, deleted on exit); it never touches the repo.
# The stack-derived variables are added to zappa_settings.json's own aws_environment_variables (inherited
# through `extends` as Zappa does), never instead of them: INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT is one, and
# without it Zappa builds Django on the first request instead of at init, outside the SnapStart snapshot.
#
# --dry-run prints every command that would change something, assumes nothing exists yet (a first deploy),
# and needs neither AWS credentials nor the aws/zappa tools. It also prints the settings Zappa would get
# (`  zappa settings: {...}`, the secret masked).
set -euo pipefail

usage() { echo "usage: infra/deploy.sh dev|prod [--dry-run]" >&2; exit 2; }
STAGE="${1:-}"
[[ "$STAGE" == dev || "$STAGE" == prod ]] || usage
DRY_RUN=0
[[ "${2:-}" == "--dry-run" ]] && DRY_RUN=1
[[ $# -le 2 ]] || usage

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export AWS_REGION="${AWS_REGION:-us-east-1}"
PY="${PY:-$ROOT/.venv/bin/python}"
ZAPPA="${ZAPPA:-$ROOT/.venv/bin/zappa}"
FUNCTION="kefir-app-$STAGE"
PACKAGE="$ROOT/.build/kefir-$STAGE.zip"
SECRET_PARAMETER="/kefir/$STAGE/django-secret-key"
DRY_CREATED=" "   # dry run: what this run would have created, so later reads see it

say() { printf '\n== %s\n' "$*"; }

# A command that changes something: printed, and run unless --dry-run.
run() {
    printf '+ %s\n' "$*"
    [[ $DRY_RUN == 1 ]] || "$@"
}

# A read. In a dry run nothing exists but what this run "created" (shown as <placeholders>).
read_or_empty() {
    local key="$1"; shift
    if [[ $DRY_RUN == 1 ]]; then
        [[ "$DRY_CREATED" == *" $key "* ]] && echo "<$key>"
        return 0
    fi
    local value
    value="$("$@" 2>/dev/null)" || value=""
    [[ "$value" == "None" ]] && value=""
    echo "$value"
}

stack_output() {  # stack_output data TableName
    read_or_empty "$1.$2" aws cloudformation describe-stacks --stack-name "kefir-$STAGE-$1" \
        --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue | [0]" --output text
}

deploy_stack() {  # deploy_stack data [Key=Value ...]
    local name="$1"; shift
    say "stack kefir-$STAGE-$name"
    run aws cloudformation deploy --stack-name "kefir-$STAGE-$name" --template-file "infra/$name.yaml" \
        --no-fail-on-empty-changeset --capabilities CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND \
        --parameter-overrides "Stage=$STAGE" "$@" --tags project=kefir "stage=$STAGE"
    local key
    for key in $(stack_outputs_of "$name"); do DRY_CREATED+="$name.$key "; done
}

stack_outputs_of() {  # the outputs later steps read, so a dry run can show them as created
    case "$1" in
        data) echo "PhotosBucketName DeploymentBucketName" ;;
        iam) echo "RoleArn" ;;
        auth) echo "UserPoolArn UserPoolId AppClientId" ;;
    esac
}

api_id() {  # the HTTP API Zappa created, from its CloudFormation stack (named like the function)
    read_or_empty zappa.ApiId aws cloudformation describe-stack-resource --stack-name "$FUNCTION" \
        --logical-resource-id ApiV2 --query StackResourceDetail.PhysicalResourceId --output text
}

# The schedule stack's parameters, from zappa_settings.json (checked before anything changes).
SCHEDULE_PARAMETERS="$("$PY" - "$STAGE" <<'PYEOF'
import json, sys
stage = sys.argv[1]
settings = json.load(open("zappa_settings.json"))
def setting(key, default):  # as Zappa resolves `extends`: the nearest stage that sets the key wins
    config = settings[stage]
    while key not in config and "extends" in config:
        config = settings[config["extends"]]
    return config.get(key, default)
events = setting("events", [])
known = ["apps.reminders.tasks.process_due_reminders"]  # the rules infra/schedule.yaml declares
if [e.get("function") for e in events] != known or not all(e.get("expression") for e in events):
    sys.exit(f"zappa_settings.json {stage}: events {events!r}; infra/schedule.yaml schedules exactly {known} "
             "(one expression each): change both together")
print(f"ReminderSchedule={events[0]['expression']}")
print(f"KeepWarm={'true' if setting('keep_warm', True) else 'false'}")
print(f"KeepWarmSchedule={setting('keep_warm_expression', 'rate(4 minutes)')}")
PYEOF
)"
mapfile -t SCHEDULE_PARAMETERS <<< "$SCHEDULE_PARAMETERS"

# --- 1-3: stacks the function needs ---------------------------------------------------------------
deploy_stack data
POOL_ARN="$(stack_output auth UserPoolArn)"
deploy_stack iam "UserPoolArn=$POOL_ARN" "SesIdentity=${KEFIR_SES_IDENTITY:-kefir.app}"
API_ID="$(api_id)"
deploy_stack monitoring "ApiId=$API_ID" "AlertEmail=${KEFIR_ALERT_EMAIL:-}"

# --- the secret -----------------------------------------------------------------------------------
say "secret $SECRET_PARAMETER (SSM SecureString)"
SECRET="$(read_or_empty secret aws ssm get-parameter --name "$SECRET_PARAMETER" --with-decryption \
    --query Parameter.Value --output text)"
if [[ -z "$SECRET" ]]; then
    SECRET="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')"
    printf '+ aws ssm put-parameter --name %s --type SecureString --value ****\n' "$SECRET_PARAMETER"
    if [[ $DRY_RUN == 0 ]]; then
        aws ssm put-parameter --name "$SECRET_PARAMETER" --type SecureString --value "$SECRET" >/dev/null
    fi
fi

# --- 4: the package and the function ----------------------------------------------------------------
say "package"
run make --no-print-directory package "STAGE=$STAGE"
run make --no-print-directory check-package "STAGE=$STAGE"

SETTINGS="$(mktemp "${TMPDIR:-/tmp}/kefir-zappa-$STAGE.XXXXXX")"
chmod 600 "$SETTINGS"
trap 'rm -f "$SETTINGS"' EXIT

# The settings Zappa deploys with: zappa_settings.json plus what only exists on AWS. The `cognito` section
# is dropped here on purpose: the package already maps the triggers (zappa_settings.py inside the zip), and
# the pool's LambdaConfig belongs to auth.yaml. Zappa's own update_cognito calls UpdateUserPool with a subset
# of the pool's settings, which would silently reset others (deletion protection among them).
# Zappa's scheduling is turned off too (events [], keep_warm false): it targets the unqualified function,
# $LATEST, which has no SnapStart snapshot; schedule.yaml declares the same rules on the alias instead.
# aws_environment_variables: zappa_settings.json's (resolved through `extends`), plus the stack-derived ones.
write_settings() {
    local public_url="$1" pool_id="$2" client_id="$3"
    SECRET="$SECRET" "$PY" - "$STAGE" "$SETTINGS" "$ROLE_ARN" "$DEPLOY_BUCKET" "$PHOTOS_BUCKET" \
        "$public_url" "$pool_id" "$client_id" <<'PYEOF'
import hashlib, json, os, sys
stage, path, role_arn, bucket, photos, public_url, pool_id, client_id = sys.argv[1:]
settings = json.load(open("zappa_settings.json"))
def setting(key, default):  # as Zappa resolves `extends`: the nearest stage that sets the key wins
    config = settings[stage]
    while key not in config and "extends" in config:
        config = settings[config["extends"]]
    return config.get(key, default)
environment = dict(setting("aws_environment_variables", {}))
if setting("snap_start", "None") != "None" and not environment.get("INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT"):
    sys.exit(f"zappa_settings.json {stage}: snap_start without aws_environment_variables "
             "INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT would snapshot a process that has not built the app")
for config in settings.values():
    config.pop("cognito", None)
    config.update(events=[], keep_warm=False)
config = settings[stage]
config.update(role_arn=role_arn, s3_bucket=bucket, touch=False)
config["aws_environment_variables"] = environment | {
    "PHOTOS_BUCKET": photos, "PUBLIC_BASE_URL": public_url,
    "COGNITO_USER_POOL_ID": pool_id, "COGNITO_APP_CLIENT_ID": client_id,
    "DJANGO_SECRET_KEY": os.environ["SECRET"],
}
# A fingerprint of everything deployed but the code, kept as a tag: `zappa update` is skipped when
# neither it nor the package changed (the package is reproducible: scripts/finish_package.py).
fingerprint = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:32]
config.setdefault("tags", {})["kefir:settings"] = fingerprint
with open(path, "w") as fh:
    json.dump(settings, fh)
print(fingerprint)
PYEOF
}

zappa_apply() {  # zappa deploy|update with the current settings, unless nothing changed
    local fingerprint="$1" deployed local_sha
    deployed="$(read_or_empty lambda.current aws lambda get-function --function-name "$FUNCTION" \
        --query '[Configuration.CodeSha256, Tags."kefir:settings"]' --output text)"
    if [[ -z "$deployed" ]]; then
        run "$ZAPPA" deploy "$STAGE" -s "$SETTINGS" --zip "$PACKAGE"
        show_settings
        DRY_CREATED+="zappa.ApiId lambda.current "
        return
    fi
    local_sha="$("$PY" -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$PACKAGE" 2>/dev/null || echo dry-run)"
    if [[ "$deployed" == "$local_sha"$'\t'"$fingerprint" ]]; then
        echo "function $FUNCTION: package and settings unchanged, no zappa update"
    else
        run "$ZAPPA" update "$STAGE" -s "$SETTINGS" --zip "$PACKAGE"
        show_settings
    fi
}

show_settings() {  # dry run: the settings file Zappa was given, the secret masked
    [[ $DRY_RUN == 1 ]] || return 0
    "$PY" - "$SETTINGS" <<'PYEOF'
import json, sys
settings = json.load(open(sys.argv[1]))
for config in settings.values():
    if "DJANGO_SECRET_KEY" in config.get("aws_environment_variables", {}):
        config["aws_environment_variables"]["DJANGO_SECRET_KEY"] = "****"
print("  zappa settings:", json.dumps(settings, sort_keys=True))
PYEOF
}

say "function $FUNCTION"
ROLE_ARN="$(stack_output iam RoleArn)"
DEPLOY_BUCKET="$(stack_output data DeploymentBucketName)"
PHOTOS_BUCKET="$(stack_output data PhotosBucketName)"
POOL_ID="$(stack_output auth UserPoolId)"
CLIENT_ID="$(stack_output auth AppClientId)"
api_url() { [[ -n "$1" ]] && echo "https://$1.execute-api.$AWS_REGION.amazonaws.com/$STAGE"; }
# Before the first deploy the pool and the API do not exist yet: the function starts with placeholders
# for a minute, until step 6 sets the real values.
PUBLIC_URL="$(api_url "$API_ID" || echo https://pending.invalid)"
fingerprint="$(write_settings "$PUBLIC_URL" "${POOL_ID:-pending}" "${CLIENT_ID:-pending}")"
zappa_apply "$fingerprint"

# --- 5: the pool and the schedule (they invoke the function's alias, which now exists) ---------------
deploy_stack auth
# Zappa's own rules on $LATEST (from before SnapStart) go before the stack's take their names; a no-op once done.
say "Zappa's schedule on $FUNCTION (\$LATEST)"
run "$PY" scripts/retire_zappa_schedule.py "$FUNCTION" --region "$AWS_REGION"
deploy_stack schedule "${SCHEDULE_PARAMETERS[@]}"

# --- 6: what the first run could not know before ----------------------------------------------------
NEW_POOL_ARN="$(stack_output auth UserPoolArn)"
NEW_API_ID="$(api_id)"
[[ "$NEW_POOL_ARN" == "$POOL_ARN" ]] || deploy_stack iam "UserPoolArn=$NEW_POOL_ARN" \
    "SesIdentity=${KEFIR_SES_IDENTITY:-kefir.app}"
[[ "$NEW_API_ID" == "$API_ID" ]] || deploy_stack monitoring "ApiId=$NEW_API_ID" "AlertEmail=${KEFIR_ALERT_EMAIL:-}"
POOL_ID="$(stack_output auth UserPoolId)"
CLIENT_ID="$(stack_output auth AppClientId)"
PUBLIC_URL="$(api_url "$NEW_API_ID" || echo https://pending.invalid)"
new_fingerprint="$(write_settings "$PUBLIC_URL" "$POOL_ID" "$CLIENT_ID")"
if [[ "$new_fingerprint" != "$fingerprint" ]]; then
    say "function $FUNCTION: pool and API ids"
    zappa_apply "$new_fingerprint"
fi

# --- 7: throttling and the summary ----------------------------------------------------------------
say "HTTP API stage throttling"
current="$(read_or_empty stage.throttling aws apigatewayv2 get-stage --api-id "$NEW_API_ID" --stage-name "$STAGE" \
    --query '[DefaultRouteSettings.ThrottlingRateLimit, DefaultRouteSettings.ThrottlingBurstLimit]' --output text)"
if [[ "$current" == $'1000.0\t2000' || "$current" == $'1000\t2000' ]]; then
    echo "already 1000 req/s, burst 2000"
else
    run aws apigatewayv2 update-stage --api-id "$NEW_API_ID" --stage-name "$STAGE" \
        --default-route-settings ThrottlingRateLimit=1000,ThrottlingBurstLimit=2000
fi

if [[ $DRY_RUN == 0 ]]; then
    say "health"
    curl --silent --show-error --fail --max-time 30 "$PUBLIC_URL/api/health" && echo
fi
say "kefir $STAGE"
echo "API URL:       $PUBLIC_URL"
echo "User pool id:  $POOL_ID"
echo "App client id: $CLIENT_ID"
