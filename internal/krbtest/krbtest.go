// Package krbtest runs a throw-away MIT Kerberos realm for tests: a KDC (krb5kdc from Debian's
// krb5-kdc) on a random 127.0.0.1 port, UDP and TCP, with its database, krb5.conf and kdc.conf in
// a temporary directory. Nothing outside that directory is read or written: every command runs
// with KRB5_CONFIG and KRB5_KDC_PROFILE pointing into it.
//
// Start creates the realm EXAMPLE.COM with the users user1 (password pwd1) and user2 (pwd2) and
// the HTTP service principals HTTP/127.0.0.1 and HTTP/localhost, whose keys are exported to
// Realm.Keytab. A SPNEGO client that talks to http://127.0.0.1:port asks for a ticket for
// HTTP/127.0.0.1@EXAMPLE.COM, which is what Sluice's keytab holds. The KDC is stopped by the
// test's cleanup.
//
// The binaries missing fails the test under CI=true and skips it loudly otherwise (install them
// with apt-get install krb5-kdc krb5-admin-server krb5-user).
package krbtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DefaultRealm is the realm Start creates.
const DefaultRealm = "EXAMPLE.COM"

// Users are the principals Start creates, with their passwords.
var Users = map[string]string{"user1": "pwd1", "user2": "pwd2"}

// Realm is a running throw-away realm.
type Realm struct {
	Name       string // EXAMPLE.COM
	Dir        string // everything lives here
	Addr       string // KDC address, 127.0.0.1:port (UDP and TCP)
	Config     string // krb5.conf for clients (KRB5_CONFIG)
	KDCProfile string // kdc.conf (KRB5_KDC_PROFILE)
	Keytab     string // keys of the HTTP service principals
	// Services are the service principals in Keytab, e.g. HTTP/127.0.0.1@EXAMPLE.COM.
	Services []string
	bin      map[string]string
}

// binaries Start needs, by name.
var binaries = []string{"kdb5_util", "kadmin.local", "krb5kdc", "kinit"}

// Missing reports whether the MIT Kerberos binaries are installed; it returns the first missing one.
func Missing() string {
	for _, b := range binaries {
		if _, err := lookPath(b); err != nil {
			return b
		}
	}
	return ""
}

func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// Start creates and starts a realm; the test's cleanup stops it.
func Start(t testing.TB) *Realm {
	t.Helper()
	if b := Missing(); b != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("MIT Kerberos is not installed (%s missing): apt-get install krb5-kdc krb5-admin-server krb5-user", b)
		}
		t.Skipf("SKIPPING: MIT Kerberos is not installed (%s missing): apt-get install krb5-kdc krb5-admin-server krb5-user", b)
	}
	r := &Realm{Name: DefaultRealm, Dir: t.TempDir(), bin: map[string]string{}}
	for _, b := range binaries {
		r.bin[b], _ = lookPath(b)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	r.Addr = "127.0.0.1:" + strconv.Itoa(port)
	r.Config = filepath.Join(r.Dir, "krb5.conf")
	r.KDCProfile = filepath.Join(r.Dir, "kdc.conf")
	r.Keytab = filepath.Join(r.Dir, "http.keytab")
	r.writeConfig(t, port)

	r.run(t, nil, "kdb5_util", "-r", r.Name, "-P", "master-password", "create", "-s")
	for _, u := range []string{"user1", "user2"} {
		r.AddUser(t, u, Users[u])
	}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		svc := "HTTP/" + host + "@" + r.Name
		r.kadmin(t, "addprinc -randkey "+svc)
		r.kadmin(t, "ktadd -k "+r.Keytab+" "+svc)
		r.Services = append(r.Services, svc)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, r.bin["krb5kdc"], "-n", "-r", r.Name, "-P", filepath.Join(r.Dir, "kdc.pid"))
	cmd.Env = r.Env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("krb5kdc: %v", err)
	}
	waited := make(chan struct{})
	go func() { cmd.Wait(); close(waited) }()
	t.Cleanup(func() {
		cancel()
		<-waited
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", r.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-waited:
			t.Fatalf("krb5kdc exited: %s\n%s", out.String(), r.readLog())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("krb5kdc did not listen on %s: %s\n%s", r.Addr, out.String(), r.readLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return r
}

func (r *Realm) readLog() string {
	b, _ := os.ReadFile(filepath.Join(r.Dir, "kdc.log"))
	return string(b)
}

// Env is the environment every Kerberos command of the realm runs with (append a KRB5CCNAME).
func (r *Realm) Env() []string {
	return append(os.Environ(), "KRB5_CONFIG="+r.Config, "KRB5_KDC_PROFILE="+r.KDCProfile)
}

func (r *Realm) writeConfig(t testing.TB, port int) {
	t.Helper()
	enc := "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96"
	krb5 := fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_realm = false
	dns_lookup_kdc = false
	rdns = false
	dns_canonicalize_hostname = false
	ignore_acceptor_hostname = true
	forwardable = false
	default_tkt_enctypes = %[3]s
	default_tgs_enctypes = %[3]s
	permitted_enctypes = %[3]s
	default_ccache_name = FILE:%[4]s/krb5cc_default

[realms]
	%[1]s = {
		kdc = 127.0.0.1:%[2]d
		admin_server = 127.0.0.1:%[2]d
	}

[domain_realm]
	127.0.0.1 = %[1]s
	localhost = %[1]s
`, r.Name, port, enc, r.Dir)
	kdc := fmt.Sprintf(`[kdcdefaults]
	kdc_listen = 127.0.0.1:%[2]d
	kdc_tcp_listen = 127.0.0.1:%[2]d

[realms]
	%[1]s = {
		database_name = %[3]s/principal
		key_stash_file = %[3]s/stash
		acl_file = %[3]s/kadm5.acl
		max_life = 10h 0m 0s
		max_renewable_life = 0
		master_key_type = aes256-cts-hmac-sha1-96
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
	}

[logging]
	kdc = FILE:%[3]s/kdc.log
	admin_server = FILE:%[3]s/kadmin.log
	default = FILE:%[3]s/krb5lib.log
`, r.Name, port, r.Dir)
	for name, body := range map[string]string{r.Config: krb5, r.KDCProfile: kdc, filepath.Join(r.Dir, "kadm5.acl"): ""} {
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs one of the realm's binaries with stdin and fails the test on error.
func (r *Realm) run(t testing.TB, stdin []byte, name string, args ...string) string {
	t.Helper()
	out, err := r.exec(stdin, nil, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func (r *Realm) exec(stdin []byte, extraEnv []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bin := r.bin[name]
	if bin == "" {
		bin = name
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(r.Env(), extraEnv...)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (r *Realm) kadmin(t testing.TB, query string) {
	t.Helper()
	r.run(t, nil, "kadmin.local", "-r", r.Name, "-q", query)
}

// AddUser creates principal name@realm with password.
func (r *Realm) AddUser(t testing.TB, name, password string) {
	t.Helper()
	r.kadmin(t, "addprinc -pw "+password+" "+name+"@"+r.Name)
}

// AddService creates a service principal (e.g. HTTP/otherhost) with a random key and exports it
// to keytab.
func (r *Realm) AddService(t testing.TB, principal, keytab string) {
	t.Helper()
	if !strings.Contains(principal, "@") {
		principal += "@" + r.Name
	}
	r.kadmin(t, "addprinc -randkey "+principal)
	r.kadmin(t, "ktadd -k "+keytab+" "+principal)
}

// Kinit obtains a ticket-granting ticket for user (a name or name@REALM) with password into the
// credential cache file ccache. lifetime 0 means the realm's default.
func (r *Realm) Kinit(t testing.TB, user, password, ccache string, lifetime time.Duration) {
	t.Helper()
	if err := r.TryKinit(user, password, ccache, lifetime); err != nil {
		t.Fatal(err)
	}
}

// TryKinit is Kinit returning the error (a wrong password, for instance).
func (r *Realm) TryKinit(user, password, ccache string, lifetime time.Duration) error {
	if !strings.Contains(user, "@") {
		user += "@" + r.Name
	}
	args := []string{"-c", "FILE:" + ccache}
	if lifetime > 0 {
		args = append(args, "-l", strconv.Itoa(int(lifetime/time.Second))+"s")
	}
	args = append(args, user)
	out, err := r.exec([]byte(password+"\n"), nil, "kinit", args...)
	if err != nil {
		return fmt.Errorf("kinit %s: %v\n%s", user, err, out)
	}
	return nil
}

// freePort returns a port free for both TCP and UDP on 127.0.0.1.
func freePort() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no free port for TCP and UDP")
}
