"""Read a Sluice table into pandas: only the rows and columns the caller may see.

Written by `sluice demo`. Credentials come from botocore's usual chain (AWS_PROFILE,
credential_process, environment); the endpoint from AWS_ENDPOINT_URL.

    from read_table import read_table
    df = read_table("tpc", "dl_tpc_web_sales", columns=["ws_state"], where="ws_net_paid > 50")
"""
import io
import os
import urllib.parse
import urllib.request

import botocore.session
import pandas as pd
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


def read_table(database, table, columns=None, where=None, limit=None):
    """Return the rows of database.table that the caller may see, as a DataFrame."""
    session = botocore.session.get_session()
    creds = session.get_credentials().get_frozen_credentials()
    region = session.get_config_variable("region") or "us-east-1"
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:9876").rstrip("/")
    query = {"format": "csv"}
    if columns:
        query["columns"] = ",".join(columns)
    if where:
        query["where"] = where
    if limit:
        query["limit"] = str(limit)
    url = "%s/_sluice/v1/tables/%s/%s/rows?%s" % (
        endpoint, urllib.parse.quote(database), urllib.parse.quote(table),
        urllib.parse.urlencode(query, quote_via=urllib.parse.quote))
    req = AWSRequest(method="GET", url=url)
    SigV4Auth(creds, "sluice", region).add_auth(req)
    with urllib.request.urlopen(urllib.request.Request(url, headers=dict(req.headers))) as resp:
        return pd.read_csv(io.BytesIO(resp.read()))
