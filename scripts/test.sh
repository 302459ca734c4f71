#!/usr/bin/env bash
# The whole test suite: what `make test` and CI run. On a fresh machine (as root) it installs the
# Debian packages the interop tests drive, then vets, runs every Go test with the race detector
# (unit, conformance against SQLite and a throw-away PostgreSQL, interop with the real aws CLI v1
# and v2, boto3 and pandas), and prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need. Keep in sync with docs and the interop tests.
packages=(awscli python3-boto3 python3-pandas postgresql krb5-kdc krb5-admin-server krb5-user rclone s3cmd)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "!! missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    if [ "${CI:-}" = true ]; then exit 1; fi
  fi
fi

echo "== go vet"
go vet ./...

echo "== go test -race"
# -p 2 matches the 2-core CI machine; -count=1 because interop results depend on programs Go
# cannot see (the aws CLI, boto3, the KDC), so a cached pass proves nothing.
go test -race -count=1 -p 2 -parallel 4 -timeout 40m ./... 2>&1 | tee /tmp/sluice-test.$$.log
status=${PIPESTATUS[0]}
pass=$(grep -c '^ok' /tmp/sluice-test.$$.log || true)
fail=$(grep -c '^FAIL' /tmp/sluice-test.$$.log || true)
rm -f /tmp/sluice-test.$$.log
echo "packages: $pass passed, $fail failed"
exit "$status"
