package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

// loggedIDs returns the event ids of every record in the store's log blocks.
func loggedIDs(t *testing.T, st store.Reader) []string {
	t.Helper()
	recs, err := st.List(context.Background(), NSLog, storeAll)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		es, err := DecodeBlock(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			ev, err := ParseEvent(e.Event)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ev.EventID)
		}
	}
	return ids
}

// checkIndexed fails t unless the store's index finds exactly the records of its log, each once.
func checkIndexed(t *testing.T, st store.Reader, want int) {
	t.Helper()
	got, logged := lookAll(t, st), loggedIDs(t, st)
	slices.Sort(got)
	slices.Sort(logged)
	if len(logged) != want {
		t.Errorf("the log holds %d records, want %d", len(logged), want)
	}
	if diff := cmp.Diff(logged, got); diff != "" {
		t.Errorf("index against log (-logged +indexed):\n%s", diff)
	}
}

// killable opens a log on st and returns it with its kill: the kill makes the log's store
// refuse writes and closes it, so whatever the log had not written is lost, as in a kill -9.
func killable(t *testing.T, st store.Store, opts *Options) (*Log, func()) {
	t.Helper()
	var fail atomic.Bool
	l := openLog(t, flakyStore{st, &fail}, opts)
	return l, func() {
		t.Helper()
		fail.Store(true)
		if err := l.Close(); err == nil {
			t.Fatal("Close wrote to a failing store")
		}
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
	fill(t, l, 30, t0) // one record a commit
	// The chain's first commit wrote its postings with the chain's mark; the others wait.
	if got := lookAll(t, st); len(got) != 1 {
		t.Fatalf("the store's index has %d records before their postings were due, want 1", len(got))
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
	crashed, kill := killable(t, st, &Options{Chain: "c-crash", IndexInterval: time.Hour, DigestInterval: time.Hour})
	fill(t, crashed, 40, t0)
	if err := crashed.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	fillMode(t, crashed, 70, t0.Add(time.Minute), true) // three blocks, postings only in memory
	kill()
	if got := len(lookAll(t, st)); got != 40 {
		t.Fatalf("before the restart the index finds %d records, want 40", got)
	}

	next := openLog(t, st, &Options{Chain: "c-crash"})
	if err := next.Close(); err != nil {
		t.Fatal(err)
	}
	checkIndexed(t, st, 110)
	rep, err := Verify(ctx, st, testRing(t), nil)
	if err != nil || !rep.OK() || rep.Records != 110 {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	// A third start has nothing to rebuild.
	third := openLog(t, st, &Options{Chain: "c-crash"})
	third.Close()
	checkIndexed(t, st, 110)
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
	crashed, kill := killable(t, st, &Options{Chain: "c-new", IndexInterval: time.Hour, DigestInterval: time.Hour})
	fill(t, crashed, 7, t0)
	kill()
	next := openLog(t, st, &Options{Chain: "c-new"})
	next.Close()
	checkIndexed(t, st, 7)
}

// TestIndexChainSwitch: two processes on one chain id; the one that moves to a new chain writes
// the old chain's waiting postings, and the new chain's with every commit (no restart would
// reopen it). Every record is indexed once, through a crash of the process that moved.
func TestIndexChainSwitch(t *testing.T) {
	st := memstore.New(nil)
	opts := &Options{Chain: "c-same", IndexInterval: time.Hour, DigestInterval: time.Hour}
	a, killA := killable(t, st, opts)
	b, killB := killable(t, st, opts)
	fill(t, b, 3, t0) // postings wait under c-same
	fill(t, a, 2, t0) // a's head version is stale: a moves to a new chain
	fill(t, a, 2, t0.Add(time.Minute))
	if a.Chain() == "c-same" {
		t.Fatal("a did not move to a new chain")
	}
	killA() // nothing of a's new chain may be waiting
	killB() // b's postings are rebuilt by the next process on c-same
	next := openLog(t, st, &Options{Chain: "c-same"})
	next.Close()
	checkIndexed(t, st, 7)
}

// TestIndexChainSwitchWaiting: the process that moves off a chain had postings of it waiting;
// it writes them and moves the chain's mark past them, so the next process on the chain does not
// index them again.
func TestIndexChainSwitchWaiting(t *testing.T) {
	st := memstore.New(nil)
	opts := &Options{Chain: "c-same", IndexInterval: time.Hour, DigestInterval: time.Hour}
	a, killA := killable(t, st, opts)
	fill(t, a, 2, t0) // records 1 and 2, postings waiting in a
	b, killB := killable(t, st, opts)
	// Records 3 and 4, a second after 1 and 2, so that rows group them differently; b rebuilt
	// 1 and 2 at Open, and all four wait in b.
	fill(t, b, 2, t0.Add(time.Second))
	fill(t, a, 1, t0.Add(2*time.Minute))
	if a.Chain() == "c-same" {
		t.Fatal("a did not move to a new chain")
	}
	killA()
	killB()
	next := openLog(t, st, &Options{Chain: "c-same"})
	next.Close()
	checkIndexed(t, st, 5)
}

// lostAckStore stores an Update but reports it failed while lose is set.
type lostAckStore struct {
	store.Store
	lose *atomic.Bool
}

func (s lostAckStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := s.Store.Update(ctx, fn); err != nil {
		return err
	}
	if s.lose.Load() {
		return store.E("update", store.Internal, "", "", errors.New("connection reset after commit"))
	}
	return nil
}

// TestIndexLostAcknowledgement: a commit reported as failed that was stored after all keeps its
// records indexed (the next commit finds the head moved and rebuilds their postings).
func TestIndexLostAcknowledgement(t *testing.T) {
	for _, before := range []int{0, 4} { // 0: the chain's first commit, which writes its mark
		t.Run(fmt.Sprintf("after %d records", before), func(t *testing.T) {
			ctx := context.Background()
			st := memstore.New(nil)
			var lose atomic.Bool
			l, kill := killable(t, lostAckStore{st, &lose}, &Options{Chain: "c-ack", IndexInterval: time.Hour, DigestInterval: time.Hour})
			fill(t, l, before, t0)
			lose.Store(true)
			c, info := call(userP, awsproto.STS, "CreateRole", t0.Add(time.Minute))
			if err := l.Record(ctx, c, 200, info); err == nil {
				t.Fatal("Record reported success")
			}
			lose.Store(false)
			fill(t, l, 3, t0.Add(2*time.Minute))
			// Killed before the postings were written: the next process rebuilds them.
			kill()
			next := openLog(t, st, &Options{Chain: "c-ack"})
			if err := next.Close(); err != nil {
				t.Fatal(err)
			}
			checkIndexed(t, st, before+4)
		})
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
	checkIndexed(t, st, 8)
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
