"""The notebook of story S0 (seed 000), run with boto3 and pandas as the execution role.

  notebook.py setup     creates the database and a CSV table (and two more to show what is
                        refused), uploads dummy_data.csv, grants the application role SELECT on
                        some columns (and on the whole of customers_open)
  notebook.py read      assumes the application role with the session tag, has Lake Formation
                        vend credentials for the table, and reads it into pandas
  notebook.py full-off  untagged full-table vending once AllowFullTableExternalDataAccess is off

Spark would read with the same vended credentials through s3a:
  fs.s3a.aws.credentials.provider = org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider
  fs.s3a.access.key / fs.s3a.secret.key / fs.s3a.session.token = AccessKeyId / SecretAccessKey / SessionToken
  fs.s3a.endpoint = the Sluice URL, fs.s3a.path.style.access = true
"""
import io
import os
import sys

import boto3
import pandas as pd
from botocore.exceptions import ClientError

EP = os.environ.get("SLUICE_ENDPOINT", "http://127.0.0.1:9876")
ACCT = os.environ["ACCOUNT"]
DATABASE_NAME, TABLE_NAME, BUCKET, TAG = os.environ["DB"], os.environ["TABLE"], os.environ["BUCKET"], os.environ["TAG"]
DATABASE_S3_LOCATION = "s3://%s/%s/" % (BUCKET, DATABASE_NAME)
APP_ROLE = "arn:aws:iam::%s:role/sagemaker-app-role" % ACCT
COLUMNS = [("id", "int"), ("name", "string"), ("email", "string"), ("city", "string")]

me = boto3.Session()
glue, lf, s3, sts = (me.client(s, endpoint_url=EP) for s in ("glue", "lakeformation", "s3", "sts"))


def expect_error(code, what, fn):
    try:
        fn()
    except ClientError as e:
        got = e.response["Error"]["Code"]
        if got != code:
            sys.exit("FAILED: %s: want %s, got %s" % (what, code, got))
        print("denied as expected: %s (%s)" % (what, code))
        return
    sys.exit("FAILED: %s: want %s, it succeeded" % (what, code))


def table_input(name):
    return {"Name": name, "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "StorageDescriptor": {
                "Columns": [{"Name": c, "Type": t} for c, t in COLUMNS],
                "Location": DATABASE_S3_LOCATION + name + "/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": ","}}}}


def app_session(tag=None):
    """The application role's session, assumed by the execution role (tagged or not)."""
    kw = dict(RoleArn=APP_ROLE, RoleSessionName="notebook-app")
    if tag is not None:
        kw["Tags"] = [{"Key": "LakeFormationAuthorizedCaller", "Value": tag}]
    c = sts.assume_role(**kw)["Credentials"]
    return boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                         aws_session_token=c["SessionToken"])


def get_lf_temp_credentials(session, table, types=("COLUMN_PERMISSION",)):
    return session.client("lakeformation", endpoint_url=EP).get_temporary_glue_table_credentials(
        TableArn="arn:aws:glue:%s:%s:table/%s/%s" % (me.region_name or "us-east-1", ACCT, DATABASE_NAME, table),
        SupportedPermissionTypes=list(types), DurationSeconds=900)


def setup():
    glue.create_database(DatabaseInput={"Name": DATABASE_NAME, "LocationUri": DATABASE_S3_LOCATION})
    print("created database %s at %s" % (DATABASE_NAME, DATABASE_S3_LOCATION))
    data = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "dummy_data.csv"), "rb").read()
    for t in (TABLE_NAME, "customers_secret", "customers_open"):
        glue.create_table(DatabaseName=DATABASE_NAME, TableInput=table_input(t))
        s3.put_object(Bucket=BUCKET, Key="%s/%s/dummy_data.csv" % (DATABASE_NAME, t), Body=data)
        print("created table %s.%s with %sdummy_data.csv" % (DATABASE_NAME, t, DATABASE_S3_LOCATION + t + "/"))
    lf.grant_permissions(Principal={"DataLakePrincipalIdentifier": APP_ROLE}, Permissions=["SELECT"],
                         Resource={"TableWithColumns": {"DatabaseName": DATABASE_NAME, "Name": TABLE_NAME,
                                                        "ColumnNames": ["id", "city"]}})
    print("granted SELECT (id, city) on %s to the application role" % TABLE_NAME)
    lf.grant_permissions(Principal={"DataLakePrincipalIdentifier": APP_ROLE}, Permissions=["SELECT"],
                         Resource={"Table": {"DatabaseName": DATABASE_NAME, "Name": "customers_open"}})
    print("granted SELECT on the whole of customers_open to the application role")


def read():
    app = app_session(TAG)
    print("application role session tagged LakeFormationAuthorizedCaller=%s" % TAG)
    creds = get_lf_temp_credentials(app, TABLE_NAME)
    print("vended credentials for %s: %s..." % (TABLE_NAME, creds["AccessKeyId"][:4]))
    meta = app.client("glue", endpoint_url=EP).get_unfiltered_table_metadata(
        CatalogId=ACCT, DatabaseName=DATABASE_NAME, Name=TABLE_NAME, SupportedPermissionTypes=["COLUMN_PERMISSION"])
    location = meta["Table"]["StorageDescriptor"]["Location"]
    print("location: %s" % location)
    print("classification: %s" % meta["Table"]["Parameters"]["classification"])
    print("authorized columns: %s" % ", ".join(meta["AuthorizedColumns"]))
    bucket, prefix = location[len("s3://"):].split("/", 1)
    vs3 = boto3.client("s3", endpoint_url=EP, aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    keys = [o["Key"] for o in vs3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    df = pd.concat(pd.read_csv(io.BytesIO(vs3.get_object(Bucket=bucket, Key=k)["Body"].read())) for k in keys)
    df = df[meta["AuthorizedColumns"]]
    print("pandas DataFrame (%d rows):" % len(df))
    print(df.sort_values("id").to_string(index=False))

    print("must fail:")
    expect_error("AccessDenied", "vended credentials reading another table's prefix",
                 lambda: vs3.get_object(Bucket=bucket, Key="%s/customers_secret/dummy_data.csv" % DATABASE_NAME))
    expect_error("AccessDenied", "the application role's own session reading the object",
                 lambda: app.client("s3", endpoint_url=EP).get_object(Bucket=bucket, Key=keys[0]))
    expect_error("AccessDeniedException", "vending a table not granted",
                 lambda: get_lf_temp_credentials(app, "customers_secret"))
    expect_error("AccessDeniedException", "vending from an untagged application-role session",
                 lambda: get_lf_temp_credentials(app_session(), TABLE_NAME))
    expect_error("AccessDeniedException", "vending from a session tagged with an unlisted value",
                 lambda: get_lf_temp_credentials(app_session("someone-else"), TABLE_NAME))
    # Untagged, a principal with SELECT on the whole table vends while
    # AllowFullTableExternalDataAccess is on.
    get_lf_temp_credentials(app_session(), "customers_open")
    print("untagged session with SELECT on the whole of customers_open: vended (AllowFullTableExternalDataAccess on)")


def full_off():
    expect_error("AccessDeniedException", "untagged full-table vending with AllowFullTableExternalDataAccess off",
                 lambda: get_lf_temp_credentials(app_session(), "customers_open"))


{"setup": setup, "read": read, "full-off": full_off}[sys.argv[1]]()
