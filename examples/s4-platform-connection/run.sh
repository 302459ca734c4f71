#!/usr/bin/env bash
# Story S4 (seed 004): a platform connection that assumes a role per end user. See README.md.
. "$(dirname "$0")/../lib.sh"
need aws rclone "$PY"

ACCT="$(account)"
ROLE="arn:aws:iam::$ACCT:role/dss-connection-role"
EXT_ID="dss-ext-7f3a"
CONN=warehouse

step "Admin: buckets and data (the connection may use s3://dss-data/team-a/ only)"
mkdir -p "$WORK/data/team-a" "$WORK/data/team-b"
for i in 1 2 3; do echo "order,$i,team-a" >"$WORK/data/team-a/part-$i.csv"; done
echo "order,9,team-b" >"$WORK/data/team-b/part-1.csv"
awsx s3api create-bucket --bucket dss-data --query Location --output text
awsx s3api create-bucket --bucket dss-archive --query Location --output text
aws --endpoint-url "$EP" s3 cp "$WORK/data" s3://dss-data/ --recursive --only-show-errors
aws --endpoint-url "$EP" s3 ls s3://dss-data --recursive | awk '{print $4}'

step "Admin: the connection's role trusts the account root with an external id; max session 2 h"
awsx iam create-role --role-name dss-connection-role --max-session-duration 7200 \
  --assume-role-policy-document "$(policy connection-role-trust.json account-id="$ACCT" external-id="$EXT_ID")" \
  --query Role.Arn --output text
awsx iam put-role-policy --role-name dss-connection-role --policy-name data \
  --policy-document "file://$HERE/connection-role-policy.json"

step "Admin: the platform's own identity (the instance profile's stand-in) may assume it; an intruder may not"
new_user dss-platform "$(policy platform-policy.json account-id="$ACCT")" "$WORK/platform.env"
new_user intruder "" "$WORK/intruder.env"

SESSION="dss-conn-$CONN-assumed-for-alice"
A=(sts assume-role --role-arn "$ROLE" --role-session-name "$SESSION")
step "STS checks both sides"
echo "- without the external id:"
as "$WORK/platform.env" expect_denied AccessDenied awsx "${A[@]}"
echo "- with a wrong external id:"
as "$WORK/platform.env" expect_denied AccessDenied awsx "${A[@]}" --external-id wrong-id
echo "- an identity whose own policy does not allow sts:AssumeRole:"
as "$WORK/intruder.env" expect_denied AccessDenied awsx "${A[@]}" --external-id "$EXT_ID"
echo "- a duration override beyond the role's maximum (7201 s > 7200 s):"
as "$WORK/platform.env" expect_denied ValidationError awsx "${A[@]}" --external-id "$EXT_ID" --duration-seconds 7201

step "The connection assumes the role for alice: external id, 90-minute override, session policy for s3://dss-data/team-a/"
as "$WORK/platform.env" awsx "${A[@]}" --external-id "$EXT_ID" --duration-seconds 5400 \
  --policy "$(policy session-policy.json bucket=dss-data path=team-a)" >"$WORK/alice.json"
session_env "$WORK/alice.json" >"$WORK/alice.env"
"$PY" - "$WORK/alice.json" <<'PY'
import datetime, json, sys
out = json.load(open(sys.argv[1]))
exp = datetime.datetime.fromisoformat(out["Credentials"]["Expiration"].replace("Z", "+00:00"))
left = exp - datetime.datetime.now(datetime.timezone.utc)
print("AssumedRoleUser.Arn: %s" % out["AssumedRoleUser"]["Arn"])
print("credentials last about %d minutes" % round(left.total_seconds() / 60))
PY
as "$WORK/alice.env" awsx sts get-caller-identity --query Arn --output text

step "alice's session reads inside the connection's path, and nothing outside it"
as "$WORK/alice.env" aws --endpoint-url "$EP" s3 ls s3://dss-data/team-a/ | awk '{print $4}'
as "$WORK/alice.env" aws --endpoint-url "$EP" s3 cp s3://dss-data/team-a/part-1.csv -
as "$WORK/alice.env" expect_denied AccessDenied awsx s3api get-object --bucket dss-data --key team-b/part-1.csv "$WORK/out.csv"
as "$WORK/alice.env" expect_denied AccessDenied aws --endpoint-url "$EP" s3 ls s3://dss-data/team-b/
as "$WORK/alice.env" expect_denied AccessDenied aws --endpoint-url "$EP" s3 ls s3://dss-archive/

step "The same credentials in four workers at once (three boto3 processes and rclone)"
for i in 1 2 3; do
  as "$WORK/alice.env" "$PY" "$HERE/worker.py" dss-data team-a/ 5 >"$WORK/worker-$i.out" 2>&1 &
  WORKERS[$i]=$!
done
(
  . "$WORK/alice.env"
  unset AWS_CA_BUNDLE
  export RCLONE_CONFIG_SLUICE_TYPE=s3 RCLONE_CONFIG_SLUICE_PROVIDER=Other RCLONE_CONFIG_SLUICE_ENDPOINT="$EP" \
    RCLONE_CONFIG_SLUICE_REGION="$AWS_DEFAULT_REGION" RCLONE_CONFIG_SLUICE_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
    RCLONE_CONFIG_SLUICE_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" RCLONE_CONFIG_SLUICE_SESSION_TOKEN="$AWS_SESSION_TOKEN" \
    RCLONE_CONFIG_SLUICE_FORCE_PATH_STYLE=true RCLONE_CONFIG=/dev/null
  rclone cat sluice:dss-data/team-a/ --include 'part-*.csv' | sort | tr '\n' ' '
  echo
) >"$WORK/worker-4.out" 2>&1 &
WORKERS[4]=$!
for i in 1 2 3 4; do
  if ! wait "${WORKERS[$i]}"; then echo "FAILED: worker $i:"; cat "$WORK/worker-$i.out"; exit 1; fi
  echo "worker $i: $(cat "$WORK/worker-$i.out")"
done

step "Connection without a bucket (for bob): it browses the buckets"
BOB="dss-conn-browse-assumed-for-bob"
assume "$WORK/platform.env" "$WORK/bob.env" --role-arn "$ROLE" --role-session-name "$BOB" --external-id "$EXT_ID"
as "$WORK/bob.env" awsx s3api list-buckets --query 'Buckets[].Name' --output text
# An empty LocationConstraint means us-east-1, as in AWS.
as "$WORK/bob.env" awsx s3api get-bucket-location --bucket dss-data --query "LocationConstraint || 'us-east-1'" --output text

step "The audit trail: the AssumeRole event names the session; every call of the session shows its ARN"
awsx cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRole >"$WORK/assume-events.json"
"$PY" "$HERE/audit.py" assume-role "$WORK/assume-events.json" "$SESSION"
awsx cloudtrail lookup-events --lookup-attributes "AttributeKey=Username,AttributeValue=$SESSION" >"$WORK/session-events.json"
"$PY" "$HERE/audit.py" session "$WORK/session-events.json" "arn:aws:sts::$ACCT:assumed-role/dss-connection-role/$SESSION"
echo
echo "story S4 done"
