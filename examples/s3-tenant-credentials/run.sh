#!/usr/bin/env bash
# Story S3 (seed 003): tenant-scoped credentials inside a Glue job. See README.md.
. "$(dirname "$0")/../lib.sh"
need aws "$PY"

ACCT="$(account)"
REGION="$AWS_DEFAULT_REGION"
ASSETS="aws-glue-assets-$ACCT-$REGION"
export ACCOUNT="$ACCT"

step "Admin creates the buckets and uploads the job script and the data"
for b in "$ASSETS" my-glue-data; do awsx s3api create-bucket --bucket "$b" --query Location --output text; done
aws --endpoint-url "$EP" s3 cp "$HERE/job.py" "s3://$ASSETS/scripts/job.py" --only-show-errors
aws --endpoint-url "$EP" s3 cp "$HERE/MOCK_DATA.json" s3://my-glue-data/input/MOCK_DATA.json --only-show-errors
for t in a b; do
  grep "\"tenant\":\"$t\"" "$HERE/MOCK_DATA.json" >"$WORK/tenant-$t.json"
  aws --endpoint-url "$EP" s3 cp "$WORK/tenant-$t.json" "s3://my-glue-data/tenant-$t/input.json" --only-show-errors
done
aws --endpoint-url "$EP" s3 ls s3://my-glue-data --recursive | awk '{print $4}'

step "Admin creates my-glue-job-role (trusted by glue.amazonaws.com) and my-glue-assumed-role (seed JSON)"
awsx iam create-role --role-name my-glue-job-role \
  --assume-role-policy-document "$(policy job-role-trust.json account-id="$ACCT")" --query Role.Arn --output text
awsx iam put-role-policy --role-name my-glue-job-role --policy-name GlueAssets \
  --policy-document "$(policy glue-assets-policy.json account-id="$ACCT" region="$REGION")"
awsx iam put-role-policy --role-name my-glue-job-role --policy-name AssumeTenantRole \
  --policy-document "file://$HERE/assume-tenant-role-policy.json"
awsx iam create-role --role-name my-glue-assumed-role \
  --assume-role-policy-document "file://$HERE/assumed-role-trust.json" --query Role.Arn --output text
awsx iam put-role-policy --role-name my-glue-assumed-role --policy-name data \
  --policy-document "file://$HERE/assumed-role-policy.json"

step "Only the job role may assume my-glue-assumed-role: a user allowed sts:AssumeRole on * is refused by its trust"
new_user intruder "file://$HERE/intruder-policy.json" "$WORK/intruder.env"
as "$WORK/intruder.env" expect_denied AccessDenied \
  awsx sts assume-role --role-arn "arn:aws:iam::$ACCT:role/my-glue-assumed-role" --role-session-name intruder

step "The job starts: Glue would run it as my-glue-job-role; here the admin assumes it"
assume - "$WORK/job.env" --role-arn "arn:aws:iam::$ACCT:role/my-glue-job-role" --role-session-name glue-job-run
as "$WORK/job.env" expect_denied AccessDenied aws --endpoint-url "$EP" s3 ls s3://my-glue-data/

step "The job assumes my-glue-assumed-role with boto3, reads MOCK_DATA.json and writes output"
as "$WORK/job.env" "$PY" "$HERE/job.py"

for t in a b; do
  step "The job runs for tenant $t: a session policy scopes it to s3://my-glue-data/tenant-$t/*"
  as "$WORK/job.env" "$PY" "$HERE/job.py" --tenant "$t"
done

step "What the job wrote"
aws --endpoint-url "$EP" s3 ls s3://my-glue-data --recursive | awk '{print $4}' | grep -E 'output'
aws --endpoint-url "$EP" s3 cp s3://my-glue-data/output/summary.json -
echo
echo "story S3 done"
