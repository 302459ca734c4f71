package interop

// Story S0 (seed 000): credential vending for a notebook. An execution role (a data-lake admin)
// creates a Glue CSV table, grants an application role SELECT on some columns, assumes the
// application role with the LakeFormationAuthorizedCaller session tag, has Lake Formation vend
// table-scoped credentials, and reads the CSV into pandas keeping the authorized columns. Every
// must-fail step of the story is checked. Spark would take the same vended credentials through
// s3a: fs.s3a.aws.credentials.provider=org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider,
// fs.s3a.access.key / secret.key / session.token, fs.s3a.endpoint=<Sluice URL>,
// fs.s3a.path.style.access=true (docs/users.md).

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const s0Tag = "sagemaker-notebook-7c1"

// s0Notebook runs as the execution role's session. Phase "setup" creates the catalog, data and
// grants; phase "read" is the notebook; phase "full-off" checks that full-table vending stops when
// AllowFullTableExternalDataAccess is off.
const s0Notebook = `
import io, json, os, sys
import boto3, pandas as pd
from botocore.exceptions import ClientError
ep, acct, phase = os.environ["SLUICE_ENDPOINT"], os.environ["ACCT"], sys.argv[1]
DB, TABLE, BUCKET, TAG = os.environ["DB"], os.environ["TABLE"], os.environ["BUCKET"], os.environ["TAG"]
APP = "arn:aws:iam::%s:role/sagemaker-app-role" % acct
me = boto3.Session()
glue, lf, s3, sts = (me.client(s, endpoint_url=ep) for s in ("glue", "lakeformation", "s3", "sts"))
out = {}
def code(fn):
    try:
        fn()
        return "OK"
    except ClientError as e:
        return e.response["Error"]["Code"]
def table_input(name, cols):
    return {"Name": name, "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "StorageDescriptor": {"Columns": [{"Name": c, "Type": t} for c, t in cols],
                "Location": "s3://%s/%s/%s/" % (BUCKET, DB, name),
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": ","}}}}
COLS = [("id", "int"), ("name", "string"), ("email", "string"), ("city", "string")]
def app(tag=None):
    kw = dict(RoleArn=APP, RoleSessionName="notebook-app")
    if tag is not None:
        kw["Tags"] = [{"Key": "LakeFormationAuthorizedCaller", "Value": tag}]
    c = sts.assume_role(**kw)["Credentials"]
    return boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
def vend(sess, table, types=("COLUMN_PERMISSION",)):
    return sess.client("lakeformation", endpoint_url=ep).get_temporary_glue_table_credentials(
        TableArn="arn:aws:glue:us-east-1:%s:table/%s/%s" % (acct, DB, table), SupportedPermissionTypes=list(types), DurationSeconds=900)

if phase == "setup":
    glue.create_database(DatabaseInput={"Name": DB, "LocationUri": "s3://%s/%s/" % (BUCKET, DB)})
    for t in (TABLE, "customers_secret", "customers_open"):
        glue.create_table(DatabaseName=DB, TableInput=table_input(t, COLS))
        s3.put_object(Bucket=BUCKET, Key="%s/%s/dummy_data.csv" % (DB, t),
                      Body=b"id,name,email,city\n1,Ann,ann@example.com,Oslo\n2,Bob,bob@example.com,Lima\n3,Cy,cy@example.com,Pune\n")
    lf.grant_permissions(Principal={"DataLakePrincipalIdentifier": APP},
        Resource={"TableWithColumns": {"DatabaseName": DB, "Name": TABLE, "ColumnNames": ["id", "city"]}}, Permissions=["SELECT"])
    lf.grant_permissions(Principal={"DataLakePrincipalIdentifier": APP},
        Resource={"Table": {"DatabaseName": DB, "Name": "customers_open"}}, Permissions=["SELECT"])
    out["setup"] = "ok"

elif phase == "read":
    a = app(TAG)
    creds = vend(a, TABLE)
    meta = a.client("glue", endpoint_url=ep).get_unfiltered_table_metadata(CatalogId=acct, DatabaseName=DB, Name=TABLE,
        SupportedPermissionTypes=["COLUMN_PERMISSION"])
    loc = meta["Table"]["StorageDescriptor"]["Location"]
    out["classification"] = meta["Table"]["Parameters"]["classification"]
    out["authorized"] = meta["AuthorizedColumns"]
    bucket, prefix = loc[len("s3://"):].split("/", 1)
    vs3 = boto3.client("s3", endpoint_url=ep, aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    keys = [o["Key"] for o in vs3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    df = pd.concat(pd.read_csv(io.BytesIO(vs3.get_object(Bucket=bucket, Key=k)["Body"].read())) for k in keys)
    df = df[meta["AuthorizedColumns"]]
    out["columns"], out["rows"] = sorted(df.columns), len(df)
    out["cities"] = sorted(df["city"])
    # Must fail.
    out["vended_other_prefix"] = code(lambda: vs3.get_object(Bucket=bucket, Key="%s/customers_secret/dummy_data.csv" % DB))
    out["vended_list_outside"] = code(lambda: vs3.list_objects_v2(Bucket=bucket, Prefix="%s/customers_secret/" % DB))
    out["app_direct_read"] = code(lambda: a.client("s3", endpoint_url=ep).get_object(Bucket=bucket, Key=keys[0]))
    out["vend_ungranted"] = code(lambda: vend(a, "customers_secret"))
    out["vend_untagged"] = code(lambda: vend(app(), TABLE))
    out["vend_unlisted_tag"] = code(lambda: vend(app("someone-else"), TABLE))
    out["vend_without_column_type"] = code(lambda: vend(a, TABLE, ["CELL_FILTER_PERMISSION"]))
    # Untagged, a full-table reader vends while AllowFullTableExternalDataAccess is on.
    out["full_untagged_on"] = code(lambda: vend(app(), "customers_open"))

elif phase == "full-off":
    out["full_untagged_off"] = code(lambda: vend(app(), "customers_open"))
print(json.dumps(out))
`

func TestStoryS0(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	cli1 := awsCLI(t, "1") // CLI 2.9's model lacks AllowFullTableExternalDataAccess; pip's v1 has it
	py := debianPython(t)
	d := startSluice(t)
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	arn := func(kind, name string) string { return "arn:aws:iam::" + account + ":" + kind + "/" + name }
	execARN, appARN := arn("role", "sagemaker-exec-role"), arn("role", "sagemaker-app-role")
	const bucket, db, table = "sagemaker-lf-demo", "lf_demo_db", "customers"

	// The application role, from the seed (its self-trust added once it exists).
	appTrust := `{"Version":"2012-10-17","Statement":[
	  {"Sid":"AllowAssumeRoleAndPassSessionTag","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":["sts:AssumeRole","sts:TagSession"]},
	  {"Effect":"Allow","Principal":{"Service":"lakeformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "sagemaker-app-role", "--assume-role-policy-document", writeFile(t, dir, "at.json", appTrust))
	appTrust = strings.TrimSuffix(appTrust, "]}") + `,
	  {"Sid":"AllowPassSessionTags","Effect":"Allow","Principal":{"AWS":"` + appARN + `"},"Action":"sts:TagSession",
	   "Condition":{"StringLike":{"aws:RequestTag/LakeFormationAuthorizedCaller":"` + s0Tag + `"}}}]}`
	awsJSON(t, cli, root, ep, "iam", "update-assume-role-policy", "--role-name", "sagemaker-app-role", "--policy-document", writeFile(t, dir, "at2.json", appTrust))
	awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", "sagemaker-app-role", "--policy-name", "lf", "--policy-document", writeFile(t, dir, "ap.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lakeformation:GetDataAccess","glue:GetTable","glue:GetTables","glue:GetDatabase","glue:GetDatabases","glue:CreateDatabase","glue:GetUserDefinedFunction","glue:GetUserDefinedFunctions","glue:GetPartition","glue:GetPartitions"],"Resource":"*"}]}`))

	// The execution role, from the seed: one-object Statement, "Sid": "", Service principals.
	execTrust := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"},
	  {"Sid":"AllowAssumeRoleAndPassSessionTag","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":["sts:AssumeRole","sts:TagSession"],
	   "Condition":{"StringLike":{"aws:RequestTag/LakeFormationAuthorizedCaller":"` + s0Tag + `"}}},
	  {"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"},
	  {"Sid":"AllowPassSessionTags","Effect":"Allow","Principal":{"AWS":"` + appARN + `"},"Action":"sts:TagSession",
	   "Condition":{"StringLike":{"aws:RequestTag/LakeFormationAuthorizedCaller":"` + s0Tag + `"}}}]}`
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "sagemaker-exec-role", "--assume-role-policy-document", writeFile(t, dir, "et.json", execTrust))
	for name, doc := range map[string]string{
		"lf":         `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["lakeformation:GetDataAccess","lakeformation:GetDataLakeSettings","lakeformation:GrantPermissions","glue:GetTable","glue:CreateTable","glue:GetTables","glue:GetDatabase","glue:GetDatabases","glue:CreateDatabase","glue:GetUserDefinedFunction","glue:GetUserDefinedFunctions","glue:GetPartition","glue:GetPartitions"],"Resource":"*"}}`,
		"assume-app": `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":["` + appARN + `"]}]}`,
		// What the seed leaves to AmazonSageMakerFullAccess.
		"sagemaker-stand-in": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::` + bucket + `/` + db + `/*"},
		  {"Effect":"Allow","Action":"lakeformation:PutDataLakeSettings","Resource":"*"}]}`,
	} {
		awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", "sagemaker-exec-role", "--policy-name", name, "--policy-document", writeFile(t, dir, name+".json", doc))
	}

	// The location's role, whose sessions Lake Formation vends.
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "lf-data-access", "--assume-role-policy-document", writeFile(t, dir, "lt.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lakeformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}`))
	awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", "lf-data-access", "--policy-name", "s3", "--policy-document", writeFile(t, dir, "lp.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::`+bucket+`","arn:aws:s3:::`+bucket+`/*"]}]}`))

	// SageMaker's stand-in: a user who may assume the execution role with the tag.
	uid, usecret := newUser(t, cli, ep, dir, "notebook-user",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"`+execARN+`"}]}`)
	user := keyEnv(ep, uid, usecret, "")
	assumeExec := []string{"sts", "assume-role", "--role-arn", execARN, "--role-session-name", "SageMaker"}
	awsFails(t, cli, user, ep, "AccessDenied", assumeExec...)
	awsFails(t, cli, user, ep, "AccessDenied", append(assumeExec, "--tags", "Key=LakeFormationAuthorizedCaller,Value=not-the-tag")...)
	c := awsJSON(t, cli, user, ep, append(assumeExec, "--tags", "Key=LakeFormationAuthorizedCaller,Value="+s0Tag)...)["Credentials"].(map[string]any)
	exec := keyEnv(ep, c["AccessKeyId"].(string), c["SecretAccessKey"].(string), c["SessionToken"].(string))

	// The admin: bucket, location, and the execution role as data-lake admin with external
	// filtering for the tag and empty default permissions.
	awsJSON(t, cli, root, ep, "s3api", "create-bucket", "--bucket", bucket)
	awsJSON(t, cli, root, ep, "lakeformation", "register-resource", "--resource-arn", "arn:aws:s3:::"+bucket, "--role-arn", arn("role", "lf-data-access"))
	settings := `{"DataLakeAdmins":[{"DataLakePrincipalIdentifier":"` + execARN + `"}],"CreateDatabaseDefaultPermissions":[],"CreateTableDefaultPermissions":[],
	  "AllowExternalDataFiltering":true,"ExternalDataFilteringAllowList":[{"DataLakePrincipalIdentifier":"` + account + `"}],"AuthorizedSessionTagValueList":["` + s0Tag + `"]}`
	awsJSON(t, cli, root, ep, "lakeformation", "put-data-lake-settings", "--data-lake-settings", writeFile(t, dir, "settings.json", settings))

	script := filepath.Join(dir, "notebook.py")
	os.WriteFile(script, []byte(s0Notebook), 0o600)
	notebookEnv := append(exec, "ACCT="+account, "DB="+db, "TABLE="+table, "BUCKET="+bucket, "TAG="+s0Tag)
	notebook := func(phase string) map[string]any {
		r := run(t, notebookEnv, py, script, phase)
		if r.err != nil {
			t.Fatalf("notebook %s: %v\n%s\n%s", phase, r.err, r.stdout, r.stderr)
		}
		out := map[string]any{}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("notebook %s output %q: %v", phase, r.stdout, err)
		}
		return out
	}
	notebook("setup")

	// The execution role turns on full-table external access by get-modify-put: the rest survives.
	got := awsJSON(t, cli1, exec, ep, "lakeformation", "get-data-lake-settings")["DataLakeSettings"].(map[string]any)
	got["AllowFullTableExternalDataAccess"] = true
	b, _ := json.Marshal(got)
	awsJSON(t, cli1, exec, ep, "lakeformation", "put-data-lake-settings", "--data-lake-settings", writeFile(t, dir, "s2.json", string(b)))
	after := awsJSON(t, cli1, root, ep, "lakeformation", "get-data-lake-settings")["DataLakeSettings"].(map[string]any)
	if after["AllowFullTableExternalDataAccess"] != true || len(after["DataLakeAdmins"].([]any)) != 1 || len(after["AuthorizedSessionTagValueList"].([]any)) != 1 {
		t.Fatalf("get-modify-put lost settings: %v", after)
	}

	out := notebook("read")
	want := map[string]any{
		"classification": "csv", "columns": []any{"city", "id"}, "rows": float64(3), "cities": []any{"Lima", "Oslo", "Pune"},
		"vended_other_prefix": "AccessDenied", "vended_list_outside": "AccessDenied", "app_direct_read": "AccessDenied",
		"vend_ungranted": "AccessDeniedException", "vend_untagged": "AccessDeniedException", "vend_unlisted_tag": "AccessDeniedException",
		"vend_without_column_type": "PermissionTypeMismatchException", "full_untagged_on": "OK",
	}
	for k, v := range want {
		gotJSON, _ := json.Marshal(out[k])
		wantJSON, _ := json.Marshal(v)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("%s = %s, want %s", k, gotJSON, wantJSON)
		}
	}
	if a, _ := json.Marshal(out["authorized"]); !strings.Contains(string(a), "id") || strings.Contains(string(a), "email") {
		t.Errorf("AuthorizedColumns = %s", a)
	}

	got["AllowFullTableExternalDataAccess"] = false
	b, _ = json.Marshal(got)
	awsJSON(t, cli1, exec, ep, "lakeformation", "put-data-lake-settings", "--data-lake-settings", writeFile(t, dir, "s3.json", string(b)))
	if o := notebook("full-off"); o["full_untagged_off"] != "AccessDeniedException" {
		t.Errorf("full-table vending with the setting off: %v", o["full_untagged_off"])
	}

	// The trail shows the vending as GetDataAccess.
	events := lookupEvents(t, cli, ep, root, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetDataAccess")
	if len(events) == 0 {
		t.Error("no GetDataAccess events in the trail")
	}
}
