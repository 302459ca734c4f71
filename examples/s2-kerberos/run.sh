#!/usr/bin/env bash
# Story S2 (seed 002): Kerberos personas mapped to roles. See README.md.
#
# This script starts its own throw-away Kerberos realm (realm.sh) and its OWN `sluice serve` with
# that realm's keytab (--krb5-keytab) on a free port, with the admin keys from the environment as
# its root keys; SLUICE_ENDPOINT is not used.
. "$(dirname "$0")/../lib.sh"
need aws sluice kinit "$PY"

step "A throw-away MIT Kerberos realm"
mkdir -p "$WORK/realm"
"$HERE/realm.sh" "$WORK/realm"
on_exit "'$HERE/realm.sh' stop '$WORK/realm'"
. "$WORK/realm/env"
SPN="HTTP/127.0.0.1@$REALM"

step "sluice serve with the realm's keytab"
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
EP="http://127.0.0.1:$PORT"
export SLUICE_ENDPOINT="$EP"
SLUICE_ROOT_ACCESS_KEY_ID="$ROOT_KEY_ID" SLUICE_ROOT_SECRET_ACCESS_KEY="$ROOT_SECRET" \
  sluice serve --addr "127.0.0.1:$PORT" --data-dir "$WORK/sluice-data" --log-level warn \
  --krb5-keytab "$KEYTAB" --krb5-service "$SPN" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
on_exit "kill $SERVE_PID; wait $SERVE_PID"
"$PY" - "$EP" <<'PY' || { cat "$WORK/serve.log"; exit 1; }
import sys, time, urllib.request
for _ in range(600):
    try:
        urllib.request.urlopen(sys.argv[1] + "/_sluice/health", timeout=1)
        break
    except Exception:
        time.sleep(0.1)
else:
    sys.exit("sluice serve did not become healthy")
PY
echo "sluice serve accepts Kerberos logins for $SPN"
ACCT="$(account)"
ROLE1="arn:aws:iam::$ACCT:role/blog-allowEMRFSAccessForUser1"
ROLE2="arn:aws:iam::$ACCT:role/blog-allowEMRFSAccessForUser2"
BUCKET_A=blog-s3bucket-x1y2z3
BUCKET_B=my-other-bucket

step "Admin: the buckets, the instance-profile role, and the persona roles (first trusting any principal)"
aws --endpoint-url "$EP" s3 mb "s3://$BUCKET_A"
aws --endpoint-url "$EP" s3 mb "s3://$BUCKET_B"
awsx iam create-role --role-name blog-EMRClusterinstanceProfileRole-ABC123 --query Role.Arn --output text \
  --assume-role-policy-document "file://$HERE/instance-profile-role-trust.json"
for n in 1 2; do
  awsx iam create-role --role-name "blog-allowEMRFSAccessForUser$n" --query Role.Arn --output text \
    --assume-role-policy-document "$(policy persona-role-trust-open.json account-id="$ACCT")"
  awsx iam put-role-policy --role-name "blog-allowEMRFSAccessForUser$n" --policy-name "blog-emrFS-user$n" \
    --policy-document "file://$HERE/blog-emrFS-user$n.json"
done

step "Admin: role mappings by Kerberos user"
AWS_ENDPOINT_URL="$EP" sluice mappings add --kerberos "user1@$REALM" --role "$ROLE1" >/dev/null
AWS_ENDPOINT_URL="$EP" sluice mappings add --kerberos "user2@$REALM" --role "$ROLE2" >/dev/null
AWS_ENDPOINT_URL="$EP" sluice mappings list | grep -o "kerberos:user[12]@$REALM.*role/[A-Za-z0-9-]*" | sed 's/  */ /g' | sort

step "The notebook's AWS config: one profile per persona, credentials from sluice creds"
cat >"$WORK/aws-config" <<CONF
[profile persona1]
credential_process = sluice creds --role $ROLE1 --endpoint-url $EP
[profile persona2]
credential_process = sluice creds --role $ROLE2 --endpoint-url $EP
CONF
cat "$WORK/aws-config" | sed "s|$EP|\$SLUICE_ENDPOINT|"
printf 'date,country,cases\n2020-11-30,US,13000000\n' >"$WORK/covid.csv"

# user PROFILE CMD…: CMD as a notebook user, with no AWS keys at all: only the profile's
# credential_process and the Kerberos ticket cache.
user() {
  local profile="$1"
  shift
  (
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PROFILE="$profile" \
      KRB5CCNAME="FILE:$WORK/krb5cc"
    "$@"
  )
}

step "kinit user2: its own role works; writing bucket A is AccessDenied"
echo pwd2 | KRB5CCNAME="FILE:$WORK/krb5cc" kinit "user2@$REALM" >/dev/null
KRB5CCNAME="FILE:$WORK/krb5cc" klist | grep -o "Default principal: .*"
user persona2 awsx sts get-caller-identity --query Arn --output text
user persona2 aws --endpoint-url "$EP" s3 cp --no-progress "$WORK/covid.csv" "s3://$BUCKET_B/covid.csv"
user persona2 expect_denied AccessDenied aws --endpoint-url "$EP" s3 cp --no-progress "$WORK/covid.csv" "s3://$BUCKET_A/covid.csv"
user persona2 expect_denied AccessDenied "$PY" "$HERE/notebook.py" "$BUCKET_A" covid/parsed.csv
echo "- user2's ticket never yields user1's role:"
user persona1 expect_denied "not mapped" awsx sts get-caller-identity

step "kinit user1 and a new kernel: the same write succeeds, nothing restarted on the server"
echo pwd1 | KRB5CCNAME="FILE:$WORK/krb5cc" kinit "user1@$REALM" >/dev/null
KRB5CCNAME="FILE:$WORK/krb5cc" klist | grep -o "Default principal: .*"
user persona1 "$PY" "$HERE/notebook.py" "$BUCKET_A" covid/parsed.csv
user persona1 aws --endpoint-url "$EP" s3 cp --no-progress "$WORK/covid.csv" "s3://$BUCKET_A/covid.csv"
user persona1 aws --endpoint-url "$EP" s3 ls "s3://$BUCKET_A/" --recursive | awk '{print $4}'

step "Admin tightens the trust: the seed's document verbatim, then the Kerberos form"
awsx iam update-assume-role-policy --role-name blog-allowEMRFSAccessForUser1 --policy-document \
  "$(policy seed-tightened-trust.json "account id=$ACCT" "EMR Cluster instanceProfile Role name=blog-EMRClusterinstanceProfileRole-ABC123")"
echo "seed trust accepted"
awsx iam update-assume-role-policy --role-name blog-allowEMRFSAccessForUser1 \
  --policy-document "$(policy kerberos-trust-user1.json account-id="$ACCT")"
awsx iam get-role --role-name blog-allowEMRFSAccessForUser1 --query 'Role.AssumeRolePolicyDocument.Statement[0].Action' --output text

step "After it: any other principal's AssumeRole is denied; Kerberos logins keep working"
new_user mallory "file://$HERE/mallory-policy.json" "$WORK/mallory.env"
as "$WORK/mallory.env" expect_denied AccessDenied awsx sts assume-role --role-arn "$ROLE1" --role-session-name mallory
echo "- mapping user2 to the tightened role:"
AWS_ENDPOINT_URL="$EP" expect_denied MappingRefusedByTrustPolicy sluice mappings add --kerberos "user2@$REALM" --role "$ROLE1"
user persona1 awsx sts get-caller-identity --query Arn --output text

step "The audit trail: Kerberos logins with the principal as source identity"
awsx cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRoleWithKerberos >"$WORK/events.json"
"$PY" - "$WORK/events.json" <<'PY'
import json, sys
seen = set()
for e in json.load(open(sys.argv[1]))["Events"]:
    r = json.loads(e["CloudTrailEvent"])
    seen.add((r["userIdentity"].get("sessionContext", {}).get("sourceIdentity", "?"), r.get("errorCode") or "ok"))
for who, result in sorted(seen):
    print("AssumeRoleWithKerberos by %s: %s" % (who, result))
PY
echo
echo "story S2 done"
