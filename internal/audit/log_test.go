package audit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
	"github.com/sluicehq/sluice/internal/store/sqlitestore"
)

const testAccount = identity.AccountID("123456789012")

type fixedRand struct{ r *rand.ChaCha8 }

func (f fixedRand) Read(p []byte) (int, error) { return f.r.Read(p) }

func testRing(t testing.TB) *keyring.Ring {
	t.Helper()
	ring, err := keyring.New(&keyring.Options{Rand: fixedRand{rand.NewChaCha8([32]byte{1})}})
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func openLog(t testing.TB, st store.Store, opts *Options) *Log {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	if opts.Chain == "" {
		opts.Chain = "c-test"
	}
	l, err := Open(context.Background(), st, testRing(t), testAccount, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var (
	rootP = identity.NewRoot(testAccount, "AKIAROOT")
	userP = &identity.Principal{Type: identity.IAMUser, Account: testAccount, ARN: "arn:aws:iam::123456789012:user/alice",
		ID: "AIDAALICE", UserName: "alice", AccessKeyID: "AKIAALICE"}
	sessP = &identity.Principal{Type: identity.AssumedRole, Account: testAccount,
		ARN: "arn:aws:sts::123456789012:assumed-role/app/david-session", ID: "AROAAPP:david-session", AccessKeyID: "ASIASESSION",
		Session: &identity.Session{RoleARN: "arn:aws:iam::123456789012:role/team/app", RoleID: "AROAAPP", RoleName: "app",
			Name: "david-session", SourceIdentity: "david", IssuedAt: time.Date(2026, 7, 1, 22, 0, 0, 0, time.UTC)}}
)

// call returns a finished call of op by p at time at.
func call(p *identity.Principal, svc *awsproto.Service, op string, at time.Time) (*awsproto.Call, *identity.RequestInfo) {
	c := &awsproto.Call{RequestID: fmt.Sprintf("req-%s-%d", op, at.UnixNano()), Service: svc, Operation: op, Region: "us-east-1", Principal: p}
	if p != nil {
		c.AccessKeyID = p.AccessKeyID
	}
	return c, &identity.RequestInfo{SourceIP: "127.0.0.1", UserAgent: "test", Time: at, Region: "us-east-1", RequestID: c.RequestID}
}

// fill writes n records with a mix of principals and operations, one Record call each.
func fill(t testing.TB, l *Log, n int, start time.Time) { fillMode(t, l, n, start, false) }

// fillMode writes like fill; with oneBatch, all records go to the writer as one batch.
func fillMode(t testing.TB, l *Log, n int, start time.Time, oneBatch bool) {
	t.Helper()
	var batch []*prepared
	ps := []*identity.Principal{rootP, userP, sessP}
	ops := []string{"GetCallerIdentity", "AssumeRole", "CreateRole", "GetObject"}
	for i := range n {
		c, info := call(ps[i%3], awsproto.STS, ops[i%4], start.Add(time.Duration(i)*time.Second))
		if c.Operation == "GetObject" {
			c.Service, c.DataEvent = awsproto.S3, true
			c.Resources = []awsproto.Resource{{ARN: fmt.Sprintf("arn:aws:s3:::bucket/key%d", i), Type: "AWS::S3::Object"}}
		}
		if oneBatch {
			p, err := l.prepare(Build(c, 200, info, testAccount, l.newEventID()), info.Time)
			if err != nil {
				t.Fatal(err)
			}
			batch = append(batch, p)
			continue
		}
		if err := l.Record(context.Background(), c, 200, info); err != nil {
			t.Fatal(err)
		}
	}
	if oneBatch {
		if err := l.write(batch); err != nil {
			t.Fatal(err)
		}
	}
}

var t0 = time.Date(2026, 7, 1, 22, 36, 8, 0, time.UTC)

func TestLogVerifies(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   func(t *testing.T) store.Store
	}{
		{"memstore", func(t *testing.T) store.Store { return memstore.New(nil) }},
		{"sqlite", func(t *testing.T) store.Store {
			s, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.st(t)
			l := openLog(t, st, &Options{DigestEvery: 7})
			fill(t, l, 40, t0)
			// Concurrent writers share batches.
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					fill(t, l, 10, t0.Add(time.Duration(g)*time.Hour))
				}()
			}
			wg.Wait()
			fillMode(t, l, 100, t0.Add(24*time.Hour), true) // one batch, several blocks
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(context.Background(), st, testRing(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || rep.Records != 220 || rep.Chains != 1 || rep.Digests < 5 {
				t.Fatalf("report %+v", rep)
			}
			// A restart continues the same chain.
			l2 := openLog(t, st, nil)
			fill(t, l2, 3, t0.Add(48*time.Hour))
			l2.Close()
			rep, _ = Verify(context.Background(), st, testRing(t), nil)
			if !rep.OK() || rep.Records != 223 || rep.Chains != 1 {
				t.Fatalf("after restart: %+v", rep)
			}
			if err := l2.Record(context.Background(), &awsproto.Call{}, 200, &identity.RequestInfo{}); err == nil {
				t.Error("Record after Close succeeded")
			}
		})
	}
}

// failingStore fails every Update.
type failingStore struct{ store.Store }

func (failingStore) Update(context.Context, func(store.Tx) error) error {
	return store.E("update", store.Internal, "", "", fmt.Errorf("disk full"))
}

func TestRecordFailsClosed(t *testing.T) {
	l := openLog(t, failingStore{memstore.New(nil)}, nil)
	defer l.Close()
	c, info := call(rootP, awsproto.STS, "GetCallerIdentity", t0)
	err := l.Record(context.Background(), c, 200, info)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Record = %v, want the store's error", err)
	}
}

func TestSharedChainForks(t *testing.T) {
	st := memstore.New(nil)
	a := openLog(t, st, &Options{Chain: "c-same"})
	b := openLog(t, st, &Options{Chain: "c-same"})
	fill(t, a, 2, t0)
	fill(t, b, 2, t0) // b's head version is stale: it must move to a new chain
	fill(t, a, 2, t0)
	a.Close()
	b.Close()
	if b.Chain() == "c-same" {
		t.Error("b did not fork")
	}
	rep, err := Verify(context.Background(), st, testRing(t), nil)
	if err != nil || !rep.OK() || rep.Chains != 2 || rep.Records != 6 {
		t.Fatalf("report %+v, %v", rep, err)
	}
}
