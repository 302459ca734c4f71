package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by the PostgreSQL harness.
const (
	// EnvPostgresURL points the tests at an existing server instead of a throw-away one. The
	// role needs CREATE on the database: every StartPostgres call creates its own schema there.
	EnvPostgresURL = "SLUICE_TEST_POSTGRES_URL"
	// EnvPostgresBin names the directory holding initdb and pg_ctl, if they are not in
	// /usr/lib/postgresql/*/bin or on PATH.
	EnvPostgresBin = "SLUICE_TEST_POSTGRES_BIN"
)

// ErrNoPostgres means the PostgreSQL server binaries were not found.
var ErrNoPostgres = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found")

// PostgresServer is a throw-away PostgreSQL cluster in a temporary directory, listening on
// 127.0.0.1 with trust authentication and fsync off. It is for tests only.
type PostgresServer struct {
	URL string // superuser URL of the database "sluice"

	dir   string
	pgCtl string
	runAs string // user to run the binaries as ("" = ourselves)
}

// findPostgresBin returns the directory of initdb and pg_ctl, newest version first.
func findPostgresBin() (string, error) {
	ok := func(dir string) bool {
		for _, b := range []string{"initdb", "pg_ctl"} {
			if fi, err := os.Stat(filepath.Join(dir, b)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv(EnvPostgresBin); dir != "" {
		if ok(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("%w in %s=%s", ErrNoPostgres, EnvPostgresBin, dir)
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	major := func(dir string) int { n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir))); return n }
	slices.SortFunc(matches, func(a, b string) int { return major(b) - major(a) })
	for _, dir := range matches {
		if ok(dir) {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && ok(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", ErrNoPostgres
}

// LaunchPostgres initializes and starts a new cluster. When running as root it runs the server
// as the "postgres" user (initdb refuses root). Stop it with Stop.
func LaunchPostgres(ctx context.Context) (*PostgresServer, error) {
	bin, err := findPostgresBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sluice-pg-")
	if err != nil {
		return nil, err
	}
	s := &PostgresServer{dir: dir, pgCtl: filepath.Join(bin, "pg_ctl")}
	fail := func(err error) (*PostgresServer, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("running as root, PostgreSQL must run as another user and there is no postgres user: %w", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(err)
		}
		s.runAs = "postgres"
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		return fail(fmt.Errorf("initdb: %w\n%s", err, out))
	}
	var port int
	for attempt := 0; ; attempt++ {
		port, err = freePort()
		if err != nil {
			return fail(err)
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", port, dir)
		out, err := s.run(ctx, s.pgCtl, "-D", data, "-l", filepath.Join(dir, "postgres.log"), "-w", "-t", "60", "-o", opts, "start")
		if err == nil {
			break
		}
		if attempt == 2 {
			log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			return fail(fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, log))
		}
	}
	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	conn, err := connect(ctx, admin)
	if err == nil {
		_, err = conn.Exec(ctx, `CREATE DATABASE sluice`)
		conn.Close(ctx)
	}
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("create database: %w", err)
	}
	s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/sluice?sslmode=disable", port)
	return s, nil
}

// run runs a PostgreSQL binary, as s.runAs if set.
func (s *PostgresServer) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	var cmd *exec.Cmd
	switch {
	case s.runAs == "":
		cmd = exec.CommandContext(ctx, name, args...)
	case hasRunuser():
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", s.runAs, "--", name}, args...)...)
	default:
		quoted := []string{shellQuote(name)}
		for _, a := range args {
			quoted = append(quoted, shellQuote(a))
		}
		cmd = exec.CommandContext(ctx, "su", s.runAs, "-s", "/bin/sh", "-c", strings.Join(quoted, " "))
	}
	cmd.Dir = s.dir // the server user may not be able to enter our working directory
	return cmd.CombinedOutput()
}

func hasRunuser() bool { _, err := exec.LookPath("runuser"); return err == nil }

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return pgx.Connect(ctx, url)
}

// Stop stops the server and removes its directory.
func (s *PostgresServer) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := s.run(ctx, s.pgCtl, "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	if err != nil {
		err = fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}

// MainWithPostgres is for TestMain: it starts one throw-away server for the whole test binary
// (unless SLUICE_TEST_POSTGRES_URL is set), points SLUICE_TEST_POSTGRES_URL at it for
// StartPostgres, runs the tests and stops the server:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.MainWithPostgres(m)) }
//
// Without the binaries it runs the tests anyway; StartPostgres then skips (or fails under CI).
func MainWithPostgres(m *testing.M) int {
	if os.Getenv(EnvPostgresURL) == "" {
		srv, err := LaunchPostgres(context.Background())
		switch {
		case errors.Is(err, ErrNoPostgres):
			// Say it once for the package, loudly; StartPostgres then skips (or fails) each test.
			fmt.Fprintln(os.Stderr, missingMessage(err))
			os.Setenv(envMissing, err.Error())
			defer os.Unsetenv(envMissing)
		case err != nil:
			fmt.Fprintf(os.Stderr, "storetest: starting PostgreSQL: %v\n", err)
			return 1
		default:
			defer func() {
				if err := srv.Stop(); err != nil {
					fmt.Fprintf(os.Stderr, "storetest: %v\n", err)
				}
			}()
			os.Setenv(EnvPostgresURL, srv.URL)
			defer os.Unsetenv(EnvPostgresURL)
		}
	}
	return m.Run()
}

// StartPostgres returns the URL of an empty PostgreSQL schema for tb alone, dropped when tb ends.
// The server is SLUICE_TEST_POSTGRES_URL if set (see MainWithPostgres), else a throw-away server
// started for tb. The URL selects the schema with search_path, so unqualified table names land in
// it. Without PostgreSQL binaries the test is skipped with a loud message, or fails when CI=true.
func StartPostgres(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	base := os.Getenv(EnvPostgresURL)
	if base == "" {
		if why := os.Getenv(envMissing); why != "" {
			skipOrFail(tb, errors.New(why))
		}
		srv, err := LaunchPostgres(ctx)
		if errors.Is(err, ErrNoPostgres) {
			fmt.Fprintln(os.Stderr, missingMessage(err))
			skipOrFail(tb, err)
		}
		if err != nil {
			tb.Fatalf("starting PostgreSQL: %v", err)
		}
		tb.Cleanup(func() {
			if err := srv.Stop(); err != nil {
				tb.Errorf("%v", err)
			}
		})
		base = srv.URL
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "sluice_test_" + hex.EncodeToString(b[:])
	conn, err := connect(ctx, base)
	if err != nil {
		tb.Fatalf("connecting to %s: %v", redact(base), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := connect(ctx, base)
		if err != nil {
			tb.Errorf("drop schema: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("bad %s: %v", EnvPostgresURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// envMissing carries MainWithPostgres's finding that the binaries are missing to StartPostgres.
const envMissing = "SLUICE_TEST_POSTGRES_MISSING"

func missingMessage(err error) string {
	return fmt.Sprintf("*** PostgreSQL tests NOT RUN: %v. Install it (apt-get install postgresql) or set %s.", err, EnvPostgresURL)
}

// skipOrFail skips tb, or fails it when CI=true: a CI run must not pass without PostgreSQL.
func skipOrFail(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(missingMessage(err) + " (failing because CI=true)")
	}
	tb.Skip(missingMessage(err))
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
