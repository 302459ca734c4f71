#!/usr/bin/env bash
# realm.sh DIR creates a throw-away MIT Kerberos realm EXAMPLE.COM in DIR and starts its KDC on a
# free 127.0.0.1 port (UDP and TCP). Nothing outside DIR is read or written: every command runs
# with KRB5_CONFIG and KRB5_KDC_PROFILE pointing into it.
#
#   users:    user1 (password pwd1), user2 (pwd2)
#   service:  HTTP/127.0.0.1@EXAMPLE.COM, its key in DIR/http.keytab (give it to
#             sluice serve --krb5-keytab)
#   DIR/env:  export lines for clients (KRB5_CONFIG, KRB5_KDC_PROFILE, REALM, KEYTAB, KDC_PID)
#
# realm.sh stop DIR stops the KDC. Needs Debian's krb5-kdc, krb5-admin-server and krb5-user.
set -euo pipefail
PATH="$PATH:/usr/sbin:/sbin"
REALM=EXAMPLE.COM

if [ "${1:-}" = stop ]; then
  dir="$2"
  if [ -f "$dir/kdc.pid" ]; then kill "$(cat "$dir/kdc.pid")" 2>/dev/null || true; fi
  exit 0
fi
dir="$(cd "${1:?usage: realm.sh DIR | realm.sh stop DIR}" && pwd)"
for b in kdb5_util kadmin.local krb5kdc kinit; do
  command -v "$b" >/dev/null || { echo "missing: $b (apt-get install krb5-kdc krb5-admin-server krb5-user)" >&2; exit 2; }
done

# A port free for both TCP and UDP on 127.0.0.1.
port="$(python3 - <<'PY'
import socket
for _ in range(20):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        t.close(); continue
    u.close(); t.close(); print(p); break
PY
)"

enc="aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96"
cat >"$dir/krb5.conf" <<CONF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	rdns = false
	dns_canonicalize_hostname = false
	ignore_acceptor_hostname = true
	forwardable = false
	default_tkt_enctypes = $enc
	default_tgs_enctypes = $enc
	permitted_enctypes = $enc
	default_ccache_name = FILE:$dir/krb5cc_default

[realms]
	$REALM = {
		kdc = 127.0.0.1:$port
		admin_server = 127.0.0.1:$port
	}

[domain_realm]
	127.0.0.1 = $REALM
	localhost = $REALM
CONF
cat >"$dir/kdc.conf" <<CONF
[kdcdefaults]
	kdc_listen = 127.0.0.1:$port
	kdc_tcp_listen = 127.0.0.1:$port

[realms]
	$REALM = {
		database_name = $dir/principal
		key_stash_file = $dir/stash
		acl_file = $dir/kadm5.acl
		max_life = 10h 0m 0s
		max_renewable_life = 0
		master_key_type = aes256-cts-hmac-sha1-96
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
	}

[logging]
	kdc = FILE:$dir/kdc.log
	admin_server = FILE:$dir/kadmin.log
	default = FILE:$dir/krb5lib.log
CONF
: >"$dir/kadm5.acl"
export KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf"

# quiet CMD… runs CMD and shows its output only when it fails.
quiet() {
  local out
  if ! out="$("$@" 2>&1)"; then echo "$*: $out" >&2; return 1; fi
}
quiet kdb5_util -r "$REALM" -P master-password create -s
quiet kadmin.local -r "$REALM" -q "addprinc -pw pwd1 user1@$REALM"
quiet kadmin.local -r "$REALM" -q "addprinc -pw pwd2 user2@$REALM"
for host in 127.0.0.1 localhost; do
  quiet kadmin.local -r "$REALM" -q "addprinc -randkey HTTP/$host@$REALM"
  quiet kadmin.local -r "$REALM" -q "ktadd -k $dir/http.keytab HTTP/$host@$REALM"
done

krb5kdc -r "$REALM" -P "$dir/kdc.pid"   # daemonizes; its pid goes to kdc.pid
for _ in $(seq 100); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then break; fi
  sleep 0.1
done
python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null ||
  { echo "krb5kdc does not listen on 127.0.0.1:$port" >&2; cat "$dir/kdc.log" >&2 || true; exit 1; }

cat >"$dir/env" <<ENV
export KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf
REALM=$REALM
KEYTAB=$dir/http.keytab
KDC_ADDR=127.0.0.1:$port
ENV
echo "realm $REALM: KDC on 127.0.0.1:$port, users user1 user2, service HTTP/127.0.0.1@$REALM in $dir/http.keytab"
