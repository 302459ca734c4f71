"""The Glue job of story S3, run with boto3 as the job role (my-glue-job-role).

Without --tenant it assumes my-glue-assumed-role (RoleSessionName GlueTenantASession, one hour,
the cap of a chained session), reads MOCK_DATA.json and writes a summary. With --tenant NAME (the
job parameter) it assumes the same role with an inline session policy scoped to
s3://my-glue-data/tenant-NAME/*, and checks that everything else is denied.

In Glue, Spark would take the same credentials through s3a:
  fs.s3a.aws.credentials.provider = org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider
  fs.s3a.access.key / fs.s3a.secret.key / fs.s3a.session.token = the three values below
  fs.s3a.endpoint = the Sluice URL, fs.s3a.path.style.access = true
"""
import argparse
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

EP = os.environ.get("SLUICE_ENDPOINT", "http://127.0.0.1:9876")
ACCT = os.environ.get("ACCOUNT", "123456789012")
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
DATA = "my-glue-data"
ROLE = "arn:aws:iam::%s:role/my-glue-assumed-role" % ACCT


def expect_denied(what, fn, code="AccessDenied"):
    """Runs fn, which must fail with code; exits non-zero otherwise."""
    try:
        fn()
    except ClientError as e:
        got = e.response["Error"]["Code"]
        if got != code:
            sys.exit("FAILED: %s: want %s, got %s" % (what, code, got))
        print("denied as expected: %s (%s)" % (what, code))
        return
    sys.exit("FAILED: %s: want %s, it succeeded" % (what, code))


def assume(session_name, policy=None):
    sts = boto3.client("sts", endpoint_url=EP)
    kw = dict(RoleArn=ROLE, RoleSessionName=session_name, DurationSeconds=3600)
    if policy is not None:
        kw["Policy"] = json.dumps(policy)
    out = sts.assume_role(**kw)
    c = out["Credentials"]
    print("assumed %s" % out["AssumedRoleUser"]["Arn"])
    # These three values are what the seed hands to Spark's s3a.
    return boto3.client("s3", endpoint_url=EP, aws_access_key_id=c["AccessKeyId"],
                        aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenant", help="tenant name (the job parameter)")
    args = ap.parse_args()

    me = boto3.client("sts", endpoint_url=EP).get_caller_identity()["Arn"]
    print("job runs as %s" % me.rsplit("/", 1)[0])
    job_s3 = boto3.client("s3", endpoint_url=EP)
    script = job_s3.get_object(Bucket="aws-glue-assets-%s-%s" % (ACCT, REGION), Key="scripts/job.py")["Body"].read()
    print("job role read its script: %d bytes" % len(script))
    expect_denied("job role reading the data bucket",
                  lambda: job_s3.get_object(Bucket=DATA, Key="input/MOCK_DATA.json"))

    if not args.tenant:
        s3 = assume("GlueTenantASession")
        body = s3.get_object(Bucket=DATA, Key="input/MOCK_DATA.json")["Body"].read()
        rows = [json.loads(line) for line in body.splitlines() if line.strip()]
        print("read %d rows: %s" % (len(rows), ", ".join(r["first_name"] for r in rows)))
        summary = {"rows": len(rows), "tenants": sorted({r["tenant"] for r in rows})}
        s3.put_object(Bucket=DATA, Key="output/summary.json", Body=json.dumps(summary).encode())
        print("wrote s3://%s/output/summary.json %s" % (DATA, json.dumps(summary)))
        return

    tenant = args.tenant
    other = "b" if tenant != "b" else "a"
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:*",
        "Resource": "arn:aws:s3:::%s/tenant-%s/*" % (DATA, tenant)}]}
    s3 = assume("GlueTenant%sSession" % tenant.upper(), policy)
    body = s3.get_object(Bucket=DATA, Key="tenant-%s/input.json" % tenant)["Body"].read()
    rows = [json.loads(line) for line in body.splitlines() if line.strip()]
    print("tenant %s read its own prefix: %d rows" % (tenant, len(rows)))
    s3.put_object(Bucket=DATA, Key="tenant-%s/output/count.json" % tenant, Body=json.dumps({"rows": len(rows)}).encode())
    print("tenant %s wrote s3://%s/tenant-%s/output/count.json" % (tenant, DATA, tenant))
    expect_denied("tenant %s reading tenant %s" % (tenant, other),
                  lambda: s3.get_object(Bucket=DATA, Key="tenant-%s/input.json" % other))
    expect_denied("tenant %s writing tenant %s" % (tenant, other),
                  lambda: s3.put_object(Bucket=DATA, Key="tenant-%s/x.json" % other, Body=b"{}"))
    expect_denied("tenant %s reading outside any tenant prefix" % tenant,
                  lambda: s3.get_object(Bucket=DATA, Key="input/MOCK_DATA.json"))
    # s3:* in the session policy does not widen the role, which never allowed DeleteObject.
    expect_denied("tenant %s deleting its own output (the role never allowed it)" % tenant,
                  lambda: s3.delete_object(Bucket=DATA, Key="tenant-%s/output/count.json" % tenant))


if __name__ == "__main__":
    main()
