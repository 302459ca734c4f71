"""The engine reading storage itself (story S1): as a user's session of a data-access role it
asks Glue for the table's unfiltered metadata (location, authorized columns, row filter), has Lake
Formation vend credentials for the table's prefix, reads the files with them and applies the
filter itself, as Spark on EMR does.

This engine understands row filters of the form  column = 'value'  only (enough for the story).

usage: engine_read.py DATABASE TABLE
"""
import csv
import io
import json
import os
import re
import sys

import boto3

EP = os.environ.get("SLUICE_ENDPOINT", "http://127.0.0.1:9876")
db, table = sys.argv[1], sys.argv[2]
me = boto3.Session()
acct = me.client("sts", endpoint_url=EP).get_caller_identity()["Account"]
types = ["COLUMN_PERMISSION", "CELL_FILTER_PERMISSION"]
glue = me.client("glue", endpoint_url=EP)
# Older botocore models (Debian's 1.29) lack the RowFilter member of the answer and drop it while
# parsing: keep the raw answer too.
raw = {}
glue.meta.events.register("after-call.glue.GetUnfilteredTableMetadata",
                          lambda http_response, **kw: raw.update(json.loads(http_response.content)))
meta = glue.get_unfiltered_table_metadata(CatalogId=acct, DatabaseName=db, Name=table, SupportedPermissionTypes=types)
sd = meta["Table"]["StorageDescriptor"]
columns = [c["Name"] for c in sd["Columns"]]
row_filter = meta.get("RowFilter") or raw.get("RowFilter") or ""
print("engine: %s.%s at %s, authorized columns %s, row filter %r" % (
    db, table, sd["Location"], ",".join(meta["AuthorizedColumns"]), row_filter))
creds = me.client("lakeformation", endpoint_url=EP).get_temporary_glue_table_credentials(
    TableArn="arn:aws:glue:%s:%s:table/%s/%s" % (me.region_name or "us-east-1", acct, db, table),
    SupportedPermissionTypes=types, DurationSeconds=900)
s3 = boto3.client("s3", endpoint_url=EP, aws_access_key_id=creds["AccessKeyId"],
                  aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
bucket, prefix = sd["Location"][len("s3://"):].split("/", 1)
skip = int(meta["Table"].get("Parameters", {}).get("skip.header.line.count", "0"))
rows = []
for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
    text = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode()
    rows += [dict(zip(columns, r)) for r in list(csv.reader(io.StringIO(text)))[skip:]]
if row_filter:
    m = re.fullmatch(r"\s*(\w+)\s*=\s*'([^']*)'\s*", row_filter)
    if not m:
        sys.exit("this engine cannot apply the row filter %r" % row_filter)
    rows = [r for r in rows if r[m.group(1)] == m.group(2)]
rows = [{c: r[c] for c in meta["AuthorizedColumns"]} for r in rows]
print("engine: %d rows after the filter; first: %s" % (len(rows), rows[0] if rows else None))
try:
    s3.get_object(Bucket=bucket, Key="customer/part-0.csv")
    sys.exit("FAILED: vended credentials read another table's files")
except s3.exceptions.ClientError as e:
    print("denied as expected: vended credentials on another table's files (%s)" % e.response["Error"]["Code"])
