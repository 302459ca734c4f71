# Shared helpers of the example scripts; each run.sh sources this file.
#
# Environment:
#   SLUICE_ENDPOINT        the Sluice to talk to (default $AWS_ENDPOINT_URL, else http://127.0.0.1:9876)
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
#                          the admin's (root) keys, as printed by `sluice serve`
#   AWS_DEFAULT_REGION     default us-east-1
#   KEEP_WORKDIR=1         keep the temporary directory of generated files
#
# Every generated file lives in $WORK, a temporary directory removed on exit.

set -euo pipefail

EP="${SLUICE_ENDPOINT:-${AWS_ENDPOINT_URL:-http://127.0.0.1:9876}}"
export SLUICE_ENDPOINT="$EP"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_PAGER=""
# Debian's python3 with boto3 and pandas (apt-get install python3-boto3 python3-pandas).
PY="${PYTHON:-/usr/bin/python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-example.XXXXXX")"
CLEANUPS=()
cleanup() {
  local i
  for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${CLEANUPS[$i]}" || true; done
  if [ "${KEEP_WORKDIR:-}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# on_exit CMD runs CMD when the script ends (last registered first).
on_exit() { CLEANUPS+=("$1"); }

ROOT_KEY_ID="${AWS_ACCESS_KEY_ID:?set AWS_ACCESS_KEY_ID to the admin key printed by sluice serve}"
ROOT_SECRET="${AWS_SECRET_ACCESS_KEY:?set AWS_SECRET_ACCESS_KEY}"

# step TEXT prints a numbered heading.
STEP=0
step() {
  STEP=$((STEP + 1))
  if [ -n "${EXAMPLE_TIMING:-}" ]; then echo "[${SECONDS}s]" >&2; fi
  printf '\n== %d. %s\n' "$STEP" "$*"
}

# awsx ARGS… is the aws CLI against Sluice with JSON output.
awsx() { aws --endpoint-url "$EP" --output json "$@"; }

# expect_denied CODE CMD… runs CMD, which must fail with the error code CODE (as the aws CLI and
# the other clients print it). The script stops if CMD succeeds or fails in another way.
expect_denied() {
  local code="$1" out rc
  shift
  set +e
  out="$("$@" 2>&1)"
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then
    printf 'FAILED: expected %s, but it succeeded: %s\n%s\n' "$code" "$*" "$out" >&2
    exit 1
  fi
  if ! grep -q -- "$code" <<<"$out"; then
    printf 'FAILED: expected %s, got (exit %d):\n%s\n' "$code" "$rc" "$out" >&2
    exit 1
  fi
  echo "denied as expected: $code"
}

# account prints the account id of the current credentials.
account() { awsx sts get-caller-identity --query Account --output text; }

# policy FILE [NAME=VALUE…] copies FILE (relative to the example) into $WORK with each <NAME>
# placeholder replaced by VALUE and prints the file:// URL of the copy.
policy() {
  local src="$HERE/$1" dst="$WORK/$(basename "$1")" kv
  shift
  cp "$src" "$dst"
  for kv in "$@"; do
    local k="${kv%%=*}" v="${kv#*=}"
    # Escape what sed would read as special in the replacement.
    v="$(printf '%s' "$v" | sed -e 's/[\/&|]/\\&/g')"
    sed -i "s|<$k>|$v|g" "$dst"
  done
  echo "file://$dst"
}

# session_env FILE reads the Credentials of an `sts assume-role` answer from FILE and prints
# export lines for them (an env file for `as`).
session_env() {
  "$PY" -c '
import json, sys
c = json.load(open(sys.argv[1]))["Credentials"]
print("export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s" % (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))
' "$1"
}

# as ENVFILE CMD… runs CMD with the credentials exported in ENVFILE (see session_env) instead of
# the admin's.
as() {
  local envfile="$1"
  shift
  (
    unset AWS_SESSION_TOKEN
    # shellcheck disable=SC1090
    . "$envfile"
    "$@"
  )
}

# key_env ID SECRET FILE writes an env file for a long-term access key.
key_env() {
  printf 'export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\nunset AWS_SESSION_TOKEN\n' "$1" "$2" >"$3"
}

# new_user NAME POLICYFILEURL ENVFILE creates an IAM user with an inline policy and an access key
# and writes the key to ENVFILE.
new_user() {
  awsx iam create-user --user-name "$1" --query User.Arn --output text
  if [ -n "$2" ]; then awsx iam put-user-policy --user-name "$1" --policy-name "$1-policy" --policy-document "$2"; fi
  awsx iam create-access-key --user-name "$1" >"$WORK/$1.key.json"
  "$PY" -c '
import json, sys
k = json.load(open(sys.argv[1]))["AccessKey"]
print("export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\nunset AWS_SESSION_TOKEN" % (k["AccessKeyId"], k["SecretAccessKey"]))
' "$WORK/$1.key.json" >"$3"
}

# assume ENVFILE OUTFILE ARGS… runs `sts assume-role ARGS…` as ENVFILE's identity (or the admin's
# when ENVFILE is -), and writes the session's env file to OUTFILE.
assume() {
  local envfile="$1" out="$2"
  shift 2
  if [ "$envfile" = - ]; then
    awsx sts assume-role "$@" >"$WORK/assume.json"
  else
    as "$envfile" awsx sts assume-role "$@" >"$WORK/assume.json"
  fi
  session_env "$WORK/assume.json" >"$out"
}

# need TOOL… stops early with a clear message when a client is missing.
need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || { echo "missing: $t is not on PATH" >&2; exit 2; }
  done
}
