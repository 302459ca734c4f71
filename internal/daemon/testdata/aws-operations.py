# Writes aws-operations.txt from the botocore models installed on this machine (run from internal/daemon).
import json,gzip,glob
old="/usr/lib/python3/dist-packages/botocore/data"
new="/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/botocore/data"
def ops(base,s):
    f=sorted(glob.glob(f"{base}/{s}/*/service-2.json*"))[0]
    d=json.load(gzip.open(f) if f.endswith(".gz") else open(f))
    return set(d["operations"])
print("# The operations of the AWS service models, one per line: <service> <Operation> [new].")
print("# Derived from botocore's service-2.json models: botocore 1.43.11 (current clients) and")
print("# 1.29.27 (Debian python3-botocore; the same STS/IAM/LF/S3 models as the aws CLI 2.9.19).")
print("# \"new\" marks an operation that only the 1.43.11 model has (newer clients only).")
print("# Regenerate with: python3 testdata/aws-operations.py > testdata/aws-operations.txt")
for s in ["sts","iam","s3","glue","lakeformation","cloudtrail"]:
    o,n=ops(old,s),ops(new,s)
    for op in sorted(o|n):
        tag="" if op in o and op in n else " new"
        print(f"{s} {op}{tag}")
