#!/usr/bin/env bash
# Story S1 (seed 001): many users, one shared engine, fine-grained grants. See README.md.
. "$(dirname "$0")/../lib.sh"
need aws sluice "$PY"

ACCT="$(account)"
REGION="$AWS_DEFAULT_REGION"
role_arn() { echo "arn:aws:iam::$ACCT:role/$1-data-access-role"; }
TAGS='[{"Key":"LakeFormationAuthorizedCaller","Value":"Amazon EMR"}]'

step "Admin: Lake Formation governs new objects; sessions tagged 'Amazon EMR' may filter"
awsx lakeformation put-data-lake-settings --data-lake-settings "$(policy data-lake-settings.json account-id="$ACCT")"

step "Admin: generate the TPC-like data and upload it with aws s3 cp"
"$PY" "$HERE/gen_data.py" "$WORK/data"
aws --endpoint-url "$EP" s3 mb s3://tpc-lake
aws --endpoint-url "$EP" s3 cp "$WORK/data" s3://tpc-lake/ --recursive --only-show-errors
aws --endpoint-url "$EP" s3 ls s3://tpc-lake --recursive | awk '{print $4}'

step "Admin: the location Lake Formation vends for, the databases and the tables"
awsx iam create-role --role-name lf-data-access --assume-role-policy-document "file://$HERE/lf-location-role-trust.json" --query Role.Arn --output text
awsx iam put-role-policy --role-name lf-data-access --policy-name s3 --policy-document "file://$HERE/lf-location-role-policy.json"
awsx lakeformation register-resource --resource-arn arn:aws:s3:::tpc-lake --role-arn "arn:aws:iam::$ACCT:role/lf-data-access"
awsx glue create-database --database-input '{"Name": "tpc"}'
awsx glue create-database --database-input '{"Name": "hr"}'
for t in dl_tpc_customer dl_tpc_customer_address dl_tpc_item dl_tpc_web_sales; do
  awsx glue create-table --database-name tpc --table-input "file://$HERE/tables/$t.json"
done
awsx glue get-tables --database-name tpc --query 'TableList[].Name' --output text

step "Admin: the engine's identity (the instance-profile role) and the three data-access roles"
awsx iam create-role --role-name emr-instance-profile-role --query Role.Arn --output text \
  --assume-role-policy-document "$(policy engine-role-trust.json account-id="$ACCT")"
awsx iam put-role-policy --role-name emr-instance-profile-role --policy-name assume-data-access \
  --policy-document "$(policy engine-role-policy.json account-id="$ACCT")"
for r in marketing sales electronics; do
  awsx iam create-role --role-name "$r-data-access-role" --query Role.Arn --output text \
    --assume-role-policy-document "$(policy data-access-role-trust.json account-id="$ACCT")"
  awsx iam put-role-policy --role-name "$r-data-access-role" --policy-name data \
    --policy-document "file://$HERE/data-access-role-policy.json"
done

step "Admin: Lake Formation grants (marketing: customers minus names and email; sales: CA rows; electronics: one category)"
awsx lakeformation grant-permissions --permissions SELECT --principal "DataLakePrincipalIdentifier=$(role_arn marketing)" \
  --resource "file://$HERE/grants/marketing-customer.json"
awsx lakeformation create-data-cells-filter --table-data "$(policy grants/sales-filter.json account-id="$ACCT")"
awsx lakeformation grant-permissions --permissions SELECT --principal "DataLakePrincipalIdentifier=$(role_arn sales)" \
  --resource "{\"DataCellsFilter\":{\"TableCatalogId\":\"$ACCT\",\"DatabaseName\":\"tpc\",\"TableName\":\"dl_tpc_web_sales\",\"Name\":\"ca_only\"}}"
awsx lakeformation create-data-cells-filter --table-data "$(policy grants/electronics-filter.json account-id="$ACCT")"
awsx lakeformation grant-permissions --permissions SELECT --principal "DataLakePrincipalIdentifier=$(role_arn electronics)" \
  --resource "{\"DataCellsFilter\":{\"TableCatalogId\":\"$ACCT\",\"DatabaseName\":\"tpc\",\"TableName\":\"dl_tpc_item\",\"Name\":\"electronics\"}}"

step "Admin: the users; their policies list the roles each may choose (seed's AllowEMRRuntimeRole, stored verbatim)"
P=(account-id="$ACCT" region="$REGION" cluster-id=j-2AXXXXXXGAPLF)
new_user david-non-sensitive-customer "$(policy david-policy.json "${P[@]}")" "$WORK/david-keys.env"
new_user tina-sales-electronics "$(policy tina-policy.json "${P[@]}")" "$WORK/tina-keys.env"

# session USERKEYS ROLE PROFILE OUT: the user picks a runtime role; the session carries the engine's
# tag and the user's profile name as source identity.
session() {
  assume "$1" "$4" --role-arn "$(role_arn "$2")" --role-session-name "$3" --source-identity "$3" --tags "$TAGS"
}

step "David picks the marketing role; asking for the sales role is refused"
session "$WORK/david-keys.env" marketing david-non-sensitive-customer "$WORK/david.env"
as "$WORK/david.env" awsx sts get-caller-identity --query Arn --output text
as "$WORK/david-keys.env" expect_denied AccessDenied awsx sts assume-role --role-arn "$(role_arn sales)" \
  --role-session-name david-non-sensitive-customer --source-identity david-non-sensitive-customer --tags "$TAGS"

step "David: show databases, show tables, his first ten customers (no name or email columns)"
as "$WORK/david.env" sluice databases --endpoint-url "$EP" | tee "$WORK/dbs.txt"
if grep -qx hr "$WORK/dbs.txt"; then echo "FAILED: David sees the hr database" >&2; exit 1; fi
as "$WORK/david.env" sluice tables tpc --endpoint-url "$EP" | tee "$WORK/tables.txt"
if [ "$(cat "$WORK/tables.txt")" != dl_tpc_customer ]; then echo "FAILED: David sees more than dl_tpc_customer" >&2; exit 1; fi
echo "only what the marketing role may describe: database tpc, table dl_tpc_customer"
as "$WORK/david.env" sluice query --endpoint-url "$EP" "SELECT * FROM tpc.dl_tpc_customer LIMIT 10"
echo "- asking for the email column:"
as "$WORK/david.env" expect_denied AccessDeniedException sluice query --endpoint-url "$EP" "SELECT c_email_address FROM tpc.dl_tpc_customer"
echo "- reading dl_tpc_customer_address (not granted: answered as if it did not exist):"
as "$WORK/david.env" expect_denied EntityNotFoundException sluice query --endpoint-url "$EP" "SELECT * FROM tpc.dl_tpc_customer_address"

step "Tina as sales sees only CA sales rows; her WHERE only narrows"
session "$WORK/tina-keys.env" sales tina-sales-electronics "$WORK/tina-sales.env"
as "$WORK/tina-sales.env" sluice query --endpoint-url "$EP" --output csv "SELECT ws_state FROM tpc.dl_tpc_web_sales" | sort | uniq -c
as "$WORK/tina-sales.env" sluice query --endpoint-url "$EP" "SELECT * FROM tpc.dl_tpc_web_sales WHERE ws_state = 'TX' OR ws_net_paid >= 99 LIMIT 3"

step "Tina switches to electronics (nothing restarted): only Electronics items"
session "$WORK/tina-keys.env" electronics tina-sales-electronics "$WORK/tina-elec.env"
as "$WORK/tina-elec.env" sluice query --endpoint-url "$EP" --output csv "SELECT i_category FROM tpc.dl_tpc_item" | sort | uniq -c
as "$WORK/tina-elec.env" expect_denied EntityNotFoundException sluice query --endpoint-url "$EP" "SELECT * FROM tpc.dl_tpc_web_sales"
as "$WORK/tina-keys.env" expect_denied AccessDenied awsx sts assume-role --role-arn "$(role_arn marketing)" \
  --role-session-name tina-sales-electronics --source-identity tina-sales-electronics --tags "$TAGS"

step "The shared engine reads storage itself for Tina: unfiltered metadata, vended credentials, its own filter"
assume - "$WORK/engine.env" --role-arn "arn:aws:iam::$ACCT:role/emr-instance-profile-role" --role-session-name emr-cluster
assume "$WORK/engine.env" "$WORK/engine-tina.env" --role-arn "$(role_arn sales)" \
  --role-session-name tina-sales-electronics --source-identity tina-sales-electronics --tags "$TAGS"
as "$WORK/engine-tina.env" "$PY" "$HERE/engine_read.py" tpc dl_tpc_web_sales

step "The audit trail: every read carries the user's profile name as source identity"
awsx cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=ReadRows >"$WORK/reads.json"
awsx cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=GetDataAccess >"$WORK/vends.json"
"$PY" - "$WORK/reads.json" "$WORK/vends.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    for e in json.load(open(path))["Events"]:
        r = json.loads(e["CloudTrailEvent"])
        si = r["userIdentity"].get("sessionContext", {}).get("sourceIdentity")
        if not si:
            sys.exit("FAILED: %s without a source identity" % r["eventName"])
seen = {}
for path in sys.argv[1:]:
    for e in json.load(open(path))["Events"]:
        r = json.loads(e["CloudTrailEvent"])
        k = (r["eventName"], r["userIdentity"]["sessionContext"]["sourceIdentity"], "denied" if r.get("errorCode") else "ok")
        seen[k] = seen.get(k, 0) + 1
for k in sorted(seen):
    print("%s by %s (%s)" % k)
PY
echo
echo "story S1 done"
