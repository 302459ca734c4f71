package audit

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

// lookAll returns the event ids of every record the store's index finds, newest first.
func lookAll(t *testing.T, r store.Reader) []string {
	t.Helper()
	var ids []string
	q := Query{Limit: 50}
	for {
		found, next, err := Lookup(context.Background(), r, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range found {
			ids = append(ids, f.Event.EventID)
		}
		if next == "" {
			return ids
		}
		q.NextToken = next
	}
}

func distinct(ids []string) bool {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return false
		}
		seen[id] = true
	}
	return true
}

// TestIndexWaitsAndSyncs: postings reach the store with a later commit, and LookupEvents through
// the slot's reader sees every committed record at once.
func TestIndexWaitsAndSyncs(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	l := openLog(t, st, &Options{IndexInterval: time.Hour})
	defer l.Close()
	fill(t, l, 30, t0)
	if got := lookAll(t, st); len(got) != 0 {
		t.Fatalf("the store's index has %d records before its postings were due", len(got))
	}
	var slot Slot
	slot.Set(l)
	api := NewAPI(slot.Reader(), testAccount, "us-east-1", nil)
	out, err := api.LookupEvents(ctx, rootP, &LookupEventsInput{})
	if err != nil || len(out.Events) != 30 {
		t.Fatalf("LookupEvents: %d events, %v", len(out.Events), err)
	}
	if got := lookAll(t, st); len(got) != 30 || !distinct(got) {
		t.Fatalf("after the sync the store's index has %d records (distinct %v)", len(got), distinct(got))
	}
	rec, err := st.Get(ctx, NSIndexMark, string(l.Chain()))
	if err != nil || string(rec.Value) != "30" {
		t.Fatalf("index mark = %q, %v", rec.Value, err)
	}
	fill(t, l, 5, t0.Add(time.Minute))
	if err := l.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := lookAll(t, st); len(got) != 35 || !distinct(got) {
		t.Fatalf("after a second sync: %d records (distinct %v)", len(got), distinct(got))
	}
}

// TestIndexWrittenOnItsOwn: an idle log writes the waiting postings after IndexInterval.
func TestIndexWrittenOnItsOwn(t *testing.T) {
	st := memstore.New(nil)
	l := openLog(t, st, &Options{IndexInterval: 20 * time.Millisecond})
	defer l.Close()
	fill(t, l, 3, t0)
	deadline := time.Now().Add(5 * time.Second)
	for len(lookAll(t, st)) != 3 {
		if time.Now().After(deadline) {
			t.Fatal("the waiting postings were never written")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestIndexRebuiltAfterCrash: a process that stops without writing its waiting postings leaves
// its records unindexed in the store; the next process on the chain rebuilds the postings from
// the log, once.
func TestIndexRebuiltAfterCrash(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	crashed := openLog(t, st, &Options{Chain: "c-crash", IndexInterval: time.Hour, DigestInterval: time.Hour})
	fill(t, crashed, 40, t0)
	if err := crashed.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	fillMode(t, crashed, 70, t0.Add(time.Minute), true) // three blocks, postings only in memory
	// The process dies here: nothing more of crashed reaches the store.
	if got := len(lookAll(t, st)); got != 40 {
		t.Fatalf("before the restart the index finds %d records, want 40", got)
	}

	next := openLog(t, st, &Options{Chain: "c-crash"})
	if err := next.Close(); err != nil {
		t.Fatal(err)
	}
	got := lookAll(t, st)
	if len(got) != 110 || !distinct(got) {
		t.Fatalf("after the restart the index finds %d records (distinct %v), want 110", len(got), distinct(got))
	}
	rep, err := Verify(ctx, st, testRing(t), nil)
	if err != nil || !rep.OK() || rep.Records != 110 {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	// A third start has nothing to rebuild.
	third := openLog(t, st, &Options{Chain: "c-crash"})
	third.Close()
	if got := lookAll(t, st); len(got) != 110 || !distinct(got) {
		t.Fatalf("after a clean restart: %d records (distinct %v)", len(got), distinct(got))
	}
}

// TestIndexMarkAbsent: a chain written before postings waited has no mark and a complete index;
// opening it rebuilds nothing.
func TestIndexMarkAbsent(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	l := openLog(t, st, &Options{Chain: "c-old"})
	fill(t, l, 12, t0)
	l.Close()
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.Delete(ctx, NSIndexMark, "c-old") }); err != nil {
		t.Fatal(err)
	}
	l2 := openLog(t, st, &Options{Chain: "c-old"})
	fill(t, l2, 2, t0.Add(time.Hour))
	l2.Close()
	if got := lookAll(t, st); len(got) != 14 || !distinct(got) {
		t.Fatalf("%d records (distinct %v), want 14", len(got), distinct(got))
	}
}

// TestIndexRebuiltNewChain: a new chain that crashes before its postings were ever written is
// rebuilt too (its mark was written when it started).
func TestIndexRebuiltNewChain(t *testing.T) {
	st := memstore.New(nil)
	crashed := openLog(t, st, &Options{Chain: "c-new", IndexInterval: time.Hour, DigestInterval: time.Hour})
	fill(t, crashed, 7, t0)
	next := openLog(t, st, &Options{Chain: "c-new"})
	next.Close()
	if got := lookAll(t, st); len(got) != 7 || !distinct(got) {
		t.Fatalf("%d records (distinct %v), want 7", len(got), distinct(got))
	}
}

// flakyStore fails Update while fail is set.
type flakyStore struct {
	store.Store
	fail *atomic.Bool
}

func (f flakyStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	if f.fail.Load() {
		return store.E("update", store.Internal, "", "", errors.New("disk full"))
	}
	return f.Store.Update(ctx, fn)
}

// TestIndexFailedCommit: the postings of a batch whose commit failed do not wait with the others
// (its sequence numbers go to the next batch's records).
func TestIndexFailedCommit(t *testing.T) {
	ctx := context.Background()
	var fail atomic.Bool
	st := memstore.New(nil)
	l := openLog(t, flakyStore{st, &fail}, &Options{IndexInterval: time.Hour})
	fill(t, l, 5, t0)
	fail.Store(true)
	c, info := call(userP, awsproto.STS, "CreateRole", t0.Add(time.Minute))
	if err := l.Record(ctx, c, 200, info); err == nil {
		t.Fatal("Record succeeded on a failing store")
	}
	fail.Store(false)
	fill(t, l, 3, t0.Add(2*time.Minute))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := lookAll(t, st)
	if len(got) != 8 || !distinct(got) {
		t.Fatalf("%d records (distinct %v), want 8", len(got), distinct(got))
	}
	found, _, err := Lookup(ctx, st, Query{Attr: EventName, Value: "CreateRole", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		if f.Event.EventTime == t0.Add(time.Minute).UTC().Format(TimeLayout) {
			t.Fatalf("the failed record is indexed: %s", f.Entry.Event)
		}
	}
}
