"""One worker of the platform (a Spark executor, say): it was handed the connection's temporary
credentials in its environment and reads the connection's path with them."""
import os
import sys

import boto3

EP = os.environ.get("SLUICE_ENDPOINT", "http://127.0.0.1:9876")
bucket, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s3 = boto3.client("s3", endpoint_url=EP)
arn = boto3.client("sts", endpoint_url=EP).get_caller_identity()["Arn"]
read = 0
for _ in range(n):
    for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]:
        s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        read += 1
print("%d objects read as %s" % (read, arn))
