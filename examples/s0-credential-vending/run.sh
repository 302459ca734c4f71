#!/usr/bin/env bash
# Story S0 (seed 000): Lake Formation credential vending for a notebook. See README.md.
. "$(dirname "$0")/../lib.sh"
need aws "$PY"

ACCT="$(account)"
TAG="sagemaker-notebook-7c1"
BUCKET="sagemaker-lf-demo"
export ACCOUNT="$ACCT" TAG BUCKET DB=lf_demo_db TABLE=customers
APP="arn:aws:iam::$ACCT:role/sagemaker-app-role"
EXEC="arn:aws:iam::$ACCT:role/sagemaker-exec-role"

step "Admin creates the application role (seed JSON; its self-trust is added once it exists)"
awsx iam create-role --role-name sagemaker-app-role --query Role.Arn --output text \
  --assume-role-policy-document "$(policy app-role-trust-initial.json account-id="$ACCT")"
awsx iam update-assume-role-policy --role-name sagemaker-app-role \
  --policy-document "$(policy app-role-trust.json account-id="$ACCT" lf-role-to-be-assumed="$APP" your-session-value-tag="$TAG")"
awsx iam put-role-policy --role-name sagemaker-app-role --policy-name LakeFormationAccess \
  --policy-document "file://$HERE/app-role-policy.json"

step "Admin creates the execution role (seed JSON: one-object Statement, \"Sid\": \"\", Service principals)"
awsx iam create-role --role-name sagemaker-exec-role --query Role.Arn --output text \
  --assume-role-policy-document "$(policy exec-role-trust.json account-id="$ACCT" your-session-value-tag="$TAG" application-role="$APP")"
awsx iam put-role-policy --role-name sagemaker-exec-role --policy-name LakeFormationPermissions \
  --policy-document "file://$HERE/exec-role-lf-policy.json"
awsx iam put-role-policy --role-name sagemaker-exec-role --policy-name AssumeApplicationRole \
  --policy-document "$(policy exec-role-assume-app-policy.json your-account-id="$ACCT" application-role=sagemaker-app-role)"
awsx iam put-role-policy --role-name sagemaker-exec-role --policy-name SageMakerFullAccessStandIn \
  --policy-document "$(policy sagemaker-stand-in-policy.json bucket="$BUCKET" database="$DB")"

step "Admin creates the role Lake Formation vends sessions of, for the bucket's location"
awsx iam create-role --role-name lf-data-access --query Role.Arn --output text \
  --assume-role-policy-document "file://$HERE/lf-location-role-trust.json"
awsx iam put-role-policy --role-name lf-data-access --policy-name s3 \
  --policy-document "$(policy lf-location-role-policy.json bucket="$BUCKET")"

step "SageMaker's stand-in, a user, assumes the execution role: only with the session tag"
new_user notebook-user "$(policy notebook-user-policy.json account-id="$ACCT")" "$WORK/user.env"
ASSUME=(--role-arn "$EXEC" --role-session-name SageMaker)
as "$WORK/user.env" expect_denied AccessDenied awsx sts assume-role "${ASSUME[@]}"
as "$WORK/user.env" expect_denied AccessDenied awsx sts assume-role "${ASSUME[@]}" --tags Key=LakeFormationAuthorizedCaller,Value=not-the-tag
assume "$WORK/user.env" "$WORK/exec.env" "${ASSUME[@]}" --tags "Key=LakeFormationAuthorizedCaller,Value=$TAG"
as "$WORK/exec.env" awsx sts get-caller-identity --query Arn --output text

step "Admin: bucket, registered location, execution role as data-lake admin, external filtering for the tag"
awsx s3api create-bucket --bucket "$BUCKET" --query Location --output text
awsx lakeformation register-resource --resource-arn "arn:aws:s3:::$BUCKET" --role-arn "arn:aws:iam::$ACCT:role/lf-data-access"
awsx lakeformation put-data-lake-settings \
  --data-lake-settings "$(policy data-lake-settings.json account-id="$ACCT" your-session-value-tag="$TAG")"

step "The notebook (execution role) creates the database and the CSV table, uploads the data, grants columns"
as "$WORK/exec.env" "$PY" "$HERE/notebook.py" setup

# put_full_table VALUE: get-modify-put of the settings as the execution role.
put_full_table() {
  as "$WORK/exec.env" awsx lakeformation get-data-lake-settings >"$WORK/settings.json"
  "$PY" - "$WORK/settings.json" "$1" >"$WORK/settings-new.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["DataLakeSettings"]
s["AllowFullTableExternalDataAccess"] = sys.argv[2] == "true"
print(json.dumps(s))
PY
  as "$WORK/exec.env" awsx lakeformation put-data-lake-settings --data-lake-settings "file://$WORK/settings-new.json"
  awsx lakeformation get-data-lake-settings >"$WORK/settings-after.json"
  "$PY" - "$WORK/settings-after.json" "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["DataLakeSettings"]
if str(s.get("AllowFullTableExternalDataAccess", False)).lower() != sys.argv[2]:
    sys.exit("FAILED: AllowFullTableExternalDataAccess did not reach Sluice: this aws CLI's model lacks it "
             "(Debian's aws CLI 2.9 does); use aws CLI v1 from pip or a newer v2")
print("AllowFullTableExternalDataAccess=%s; admins %s, tag values %s kept" % (
    sys.argv[2], [a["DataLakePrincipalIdentifier"].split(":", 4)[4] for a in s["DataLakeAdmins"]], s["AuthorizedSessionTagValueList"]))
PY
}

step "The notebook turns on AllowFullTableExternalDataAccess (get-modify-put: the rest survives)"
put_full_table true

step "The notebook reads the table with vended credentials into pandas"
as "$WORK/exec.env" "$PY" "$HERE/notebook.py" read

step "With AllowFullTableExternalDataAccess off, untagged full-table vending stops"
put_full_table false
as "$WORK/exec.env" "$PY" "$HERE/notebook.py" full-off

step "The trail shows the vending as GetDataAccess"
awsx cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=GetDataAccess \
  --query 'length(Events) > `0`' --output text
echo
echo "story S0 done"
