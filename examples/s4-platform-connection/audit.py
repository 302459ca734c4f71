"""Summarises `aws cloudtrail lookup-events` answers (JSON files) for story S4.

usage: audit.py assume-role EVENTS.json SESSION   -> the AssumeRole event of SESSION
       audit.py session EVENTS.json ARN            -> the calls made with the session's credentials
"""
import json
import sys

mode, path, want = sys.argv[1], sys.argv[2], sys.argv[3]
events = [json.loads(e["CloudTrailEvent"]) for e in json.load(open(path))["Events"]]
if mode == "assume-role":
    ok = [e for e in events if e.get("requestParameters", {}).get("roleSessionName") == want and not e.get("errorCode")]
    failed = [e for e in events if e.get("requestParameters", {}).get("roleSessionName") == want and e.get("errorCode")]
    if not ok:
        sys.exit("FAILED: no successful AssumeRole event for session %s" % want)
    rp = ok[0]["requestParameters"]
    print("AssumeRole by %s: roleSessionName=%s roleArn=%s" % (ok[0]["userIdentity"]["arn"], rp["roleSessionName"], rp["roleArn"]))
    print("refused AssumeRole attempts for this session name: %s" % sorted({e["errorCode"] for e in failed}))
else:
    seen = {}
    for e in events:
        arn = e["userIdentity"].get("arn")
        if arn != want:
            sys.exit("FAILED: %s %s shows %s, want %s" % (e["eventSource"], e["eventName"], arn, want))
        seen[e["eventSource"] + " " + e["eventName"]] = seen.get(e["eventSource"] + " " + e["eventName"], 0) + 1
    for k in sorted(seen):
        print("%s by %s" % (k, want))
