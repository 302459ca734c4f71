"""The notebook of story S2: processes a small COVID-19 table with pandas and saves it as CSV in
a bucket with boto3. Credentials come from the AWS profile (AWS_PROFILE), whose
credential_process is `sluice creds` with the user's Kerberos ticket. A new process is a new
notebook kernel.

usage: notebook.py BUCKET KEY
"""
import io
import os
import sys

import boto3
import pandas as pd
from botocore.exceptions import ClientError

EP = os.environ.get("SLUICE_ENDPOINT", "http://127.0.0.1:9876")
bucket, key = sys.argv[1], sys.argv[2]
session = boto3.Session()
print("kernel runs as %s" % session.client("sts", endpoint_url=EP).get_caller_identity()["Arn"])
df = pd.DataFrame({"date": ["2020-11-29", "2020-11-30"], "country": ["US", "US"], "cases": [13000000, 13200000]})
df["new_cases"] = df["cases"].diff().fillna(0).astype(int)
buf = io.StringIO()
df.to_csv(buf, index=False)
try:
    session.client("s3", endpoint_url=EP).put_object(Bucket=bucket, Key=key, Body=buf.getvalue().encode())
except ClientError as e:
    print("write to s3://%s/%s: %s" % (bucket, key, e.response["Error"]["Code"]))
    sys.exit(3)
print("wrote s3://%s/%s (%d rows)" % (bucket, key, len(df)))
