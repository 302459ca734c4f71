// Package storetest is the conformance suite every store.Store driver passes, plus a throw-away
// PostgreSQL server for tests (StartPostgres, MainWithPostgres).
//
// Run calls open once per subtest, so every subtest starts from an empty store; open must
// arrange for the store to be closed and removed when its test ends (t.Cleanup). RunClock checks
// that a driver takes Updated from Options.Now; BenchmarkUpdate, BenchmarkUpdateParallel,
// BenchmarkGet and BenchmarkList give every driver the same benchmarks.
//
// Decisions the suite locks in: keys order by bytes; a returned Value is never nil; NUL, invalid
// UTF-8, empty and over-long names are rejected with kind Invalid (InvalidNames); errors that fn
// returns are never retried; a deleted key re-created starts again at version 1.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sluicehq/sluice/internal/store"
)

// Run runs the conformance suite against the stores that open returns.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"CRUD", testCRUD},
		{"Versions", testVersions},
		{"Updated", testUpdated},
		{"ListOrder", testListOrder},
		{"ListOptions", testListOptions},
		{"ListPaging", testListPaging},
		{"DeletePrefix", testDeletePrefix},
		{"ReadYourWrites", testReadYourWrites},
		{"Rollback", testRollback},
		{"RollbackPanic", testRollbackPanic},
		{"FinishedTx", testFinishedTx},
		{"IsolationPut", testIsolationPut},
		{"IsolationPutIfVersion", testIsolationPutIfVersion},
		{"Retries", testRetries},
		{"FnErrorsNotRetried", testFnErrorsNotRetried},
		{"LargeValues", testLargeValues},
		{"EmptyValues", testEmptyValues},
		{"InvalidNames", testInvalidNames},
		{"ContextCancellation", testContextCancellation},
		{"PingAndSchema", testPingAndSchema},
		{"GetCached", testGetCached},
		{"GetCachedConcurrent", testGetCachedConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			tc.fn(t, s)
		})
	}
}

const ns = "test/records"

// ignoreUpdated compares records without their timestamps.
var ignoreUpdated = cmpopts.IgnoreFields(store.Record{}, "Updated")

func update(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func put(t *testing.T, s store.Store, ns string, kv ...string) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for i := 0; i+1 < len(kv); i += 2 {
			if _, err := tx.Put(context.Background(), ns, kv[i], []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
}

func keysOf(recs []store.Record) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.Key)
	}
	return out
}

func wantKind(t *testing.T, what string, err error, kind store.Kind) {
	t.Helper()
	if got := store.KindOf(err); got != kind {
		t.Errorf("%s: error %v has kind %v, want %v", what, err, got, kind)
	}
	if !errors.Is(err, kind) {
		t.Errorf("%s: errors.Is(%v, %v) = false", what, err, kind)
	}
}

func testCRUD(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, err := s.Get(ctx, ns, "a")
	wantKind(t, "Get missing", err, store.NotFound)

	var created store.Record
	update(t, s, func(tx store.Tx) error {
		var err error
		created, err = tx.Create(ctx, ns, "a", []byte("one"))
		return err
	})
	want := store.Record{Namespace: ns, Key: "a", Value: []byte("one"), Version: 1}
	if diff := cmp.Diff(want, created, ignoreUpdated); diff != "" {
		t.Errorf("Create (-want +got):\n%s", diff)
	}
	got, err := s.Get(ctx, ns, "a")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("Get after Create (-want +got):\n%s", diff)
	}
	if _, err := s.Get(ctx, "test/other", "a"); store.KindOf(err) != store.NotFound {
		t.Errorf("Get in another namespace: %v, want NotFound", err)
	}

	err = s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Create(ctx, ns, "a", []byte("two"))
		return err
	})
	wantKind(t, "Create existing", err, store.Exists)
	if !errors.Is(err, store.ErrExists) {
		t.Errorf("errors.Is(%v, ErrExists) = false", err)
	}

	var replaced store.Record
	update(t, s, func(tx store.Tx) error {
		var err error
		replaced, err = tx.Put(ctx, ns, "a", []byte("two"))
		return err
	})
	want = store.Record{Namespace: ns, Key: "a", Value: []byte("two"), Version: 2}
	if diff := cmp.Diff(want, replaced, ignoreUpdated); diff != "" {
		t.Errorf("Put (-want +got):\n%s", diff)
	}

	update(t, s, func(tx store.Tx) error { return tx.Delete(ctx, ns, "a") })
	_, err = s.Get(ctx, ns, "a")
	wantKind(t, "Get deleted", err, store.NotFound)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) = false", err)
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.Delete(ctx, ns, "a") })
	wantKind(t, "Delete missing", err, store.NotFound)

	// The returned value is a copy: changing it changes nothing stored.
	put(t, s, ns, "b", "bee")
	r, _ := s.Get(ctx, ns, "b")
	r.Value[0] = 'X'
	r, _ = s.Get(ctx, ns, "b")
	if string(r.Value) != "bee" {
		t.Errorf("stored value changed through a returned slice: %q", r.Value)
	}
}

func testVersions(t *testing.T, s store.Store) {
	ctx := context.Background()
	type step struct {
		name    string
		op      func(tx store.Tx) (store.Record, error)
		version int64      // expected version of the result
		kind    store.Kind // expected error kind, 0 = success
	}
	v := func(n int64) []byte { return []byte(strconv.FormatInt(n, 10)) }
	steps := []step{
		{"put-if-version 1 on missing", func(tx store.Tx) (store.Record, error) { return tx.PutIfVersion(ctx, ns, "k", v(1), 1) }, 0, store.Conflict},
		{"put-if-version 0 on missing creates", func(tx store.Tx) (store.Record, error) { return tx.PutIfVersion(ctx, ns, "k", v(1), 0) }, 1, 0},
		{"put-if-version 0 on existing", func(tx store.Tx) (store.Record, error) { return tx.PutIfVersion(ctx, ns, "k", v(1), 0) }, 0, store.Conflict},
		{"put increments", func(tx store.Tx) (store.Record, error) { return tx.Put(ctx, ns, "k", v(2)) }, 2, 0},
		{"put increments again", func(tx store.Tx) (store.Record, error) { return tx.Put(ctx, ns, "k", v(3)) }, 3, 0},
		{"put-if-version stale", func(tx store.Tx) (store.Record, error) { return tx.PutIfVersion(ctx, ns, "k", v(9), 2) }, 0, store.Conflict},
		{"put-if-version ahead", func(tx store.Tx) (store.Record, error) { return tx.PutIfVersion(ctx, ns, "k", v(9), 4) }, 0, store.Conflict},
		{"put-if-version current", func(tx store.Tx) (store.Record, error) { return tx.PutIfVersion(ctx, ns, "k", v(4), 3) }, 4, 0},
		{"put-if-version negative", func(tx store.Tx) (store.Record, error) { return tx.PutIfVersion(ctx, ns, "k", v(4), -1) }, 0, store.Invalid},
		{"create existing keeps version", func(tx store.Tx) (store.Record, error) { return tx.Create(ctx, ns, "k", v(9)) }, 0, store.Exists},
		{"delete then create restarts at 1", func(tx store.Tx) (store.Record, error) {
			if err := tx.Delete(ctx, ns, "k"); err != nil {
				return store.Record{}, err
			}
			return tx.Create(ctx, ns, "k", v(5))
		}, 1, 0},
		{"two writes in one transaction count twice", func(tx store.Tx) (store.Record, error) {
			if _, err := tx.Put(ctx, ns, "k", v(6)); err != nil {
				return store.Record{}, err
			}
			return tx.Put(ctx, ns, "k", v(7))
		}, 3, 0},
	}
	for _, st := range steps {
		var got store.Record
		err := s.Update(ctx, func(tx store.Tx) error {
			var err error
			got, err = st.op(tx)
			return err
		})
		if st.kind != 0 {
			wantKind(t, st.name, err, st.kind)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got.Version != st.version {
			t.Errorf("%s: version %d, want %d", st.name, got.Version, st.version)
		}
		stored, err := s.Get(ctx, ns, "k")
		if err != nil {
			t.Fatalf("%s: Get: %v", st.name, err)
		}
		if diff := cmp.Diff(got, stored); diff != "" {
			t.Errorf("%s: Get differs from the written record (-wrote +got):\n%s", st.name, diff)
		}
	}
	if !errors.Is(store.E("x", store.Conflict, "", "", nil), store.ErrConflict) {
		t.Errorf("Conflict kind does not match ErrConflict")
	}
}

func testUpdated(t *testing.T, s store.Store) {
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	var first, second store.Record
	update(t, s, func(tx store.Tx) (err error) { first, err = tx.Put(ctx, ns, "t", nil); return err })
	update(t, s, func(tx store.Tx) (err error) { second, err = tx.Put(ctx, ns, "t", nil); return err })
	after := time.Now().Add(time.Second)
	for _, r := range []store.Record{first, second} {
		if r.Updated.Location() != time.UTC || !r.Updated.Equal(r.Updated.Truncate(time.Microsecond)) {
			t.Errorf("Updated %v is not UTC with microsecond precision", r.Updated)
		}
		if r.Updated.Before(before) || r.Updated.After(after) {
			t.Errorf("Updated %v is not between %v and %v", r.Updated, before, after)
		}
	}
	if second.Updated.Before(first.Updated) {
		t.Errorf("Updated went backwards: %v then %v", first.Updated, second.Updated)
	}
	got, err := s.Get(ctx, ns, "t")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Updated.Equal(second.Updated) || got.Updated.Location() != time.UTC {
		t.Errorf("Get Updated = %v, write returned %v", got.Updated, second.Updated)
	}
}

// orderKeys are in byte order, which differs from the order of code points in UTF-16 and from
// any case-insensitive or locale collation.
var orderKeys = []string{
	"\x01", " ", "-", ".", "/", "0", "9", "A", "Z", "_", "a", "a/", "a/b", "a/b/c", "a0", "aB", "ab",
	"b", "z", "~", "\x7f", "\u00e9", "\u00ff", "\u0100", "\u65e5\u672c", "\uff5e", "\U0001f600",
	"\U0010ffff",
}

func testListOrder(t *testing.T, s store.Store) {
	ctx := context.Background()
	shuffled := slices.Clone(orderKeys)
	slices.Reverse(shuffled)
	update(t, s, func(tx store.Tx) error {
		for _, k := range shuffled {
			if _, err := tx.Put(ctx, ns, k, []byte(k)); err != nil {
				return err
			}
			if _, err := tx.Put(ctx, ns+"2", k, []byte(k)); err != nil {
				return err
			}
		}
		_, err := tx.Put(ctx, "test/recordr", "x", nil) // a namespace that sorts between
		return err
	})
	if !slices.IsSorted(orderKeys) {
		t.Fatal("orderKeys not in Go string order")
	}
	recs, err := s.List(ctx, ns, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(orderKeys, keysOf(recs)); diff != "" {
		t.Errorf("List order (-want +got):\n%s", diff)
	}
	for _, r := range recs {
		if string(r.Value) != r.Key || r.Namespace != ns || r.Version != 1 {
			t.Errorf("record %+v: wrong value, namespace or version", r)
		}
	}
	recs, err = s.List(ctx, "test/empty", store.ListOptions{})
	if err != nil || len(recs) != 0 {
		t.Errorf("List of empty namespace = %v, %v; want none", keysOf(recs), err)
	}
}

var listKeys = []string{"a", "a/", "a/1", "a/2", "a/2/x", "a/3", "a0", "b", "b/\u00e9", "b/\U0010ffff", "b/\U0010ffff/z", "c"}

var listCases = []struct {
	name string
	opts store.ListOptions
	want []string
}{
	{"all", store.ListOptions{}, listKeys},
	{"prefix a/", store.ListOptions{Prefix: "a/"}, []string{"a/", "a/1", "a/2", "a/2/x", "a/3"}},
	{"prefix a", store.ListOptions{Prefix: "a"}, []string{"a", "a/", "a/1", "a/2", "a/2/x", "a/3", "a0"}},
	{"prefix exact key only", store.ListOptions{Prefix: "c"}, []string{"c"}},
	{"prefix none", store.ListOptions{Prefix: "d"}, []string{}},
	{"prefix unicode", store.ListOptions{Prefix: "b/\u00e9"}, []string{"b/\u00e9"}},
	{"prefix max rune", store.ListOptions{Prefix: "b/\U0010ffff"}, []string{"b/\U0010ffff", "b/\U0010ffff/z"}},
	{"start after key", store.ListOptions{StartAfter: "a/2"}, []string{"a/2/x", "a/3", "a0", "b", "b/\u00e9", "b/\U0010ffff", "b/\U0010ffff/z", "c"}},
	{"start after non-key", store.ListOptions{StartAfter: "a/25"}, []string{"a/3", "a0", "b", "b/\u00e9", "b/\U0010ffff", "b/\U0010ffff/z", "c"}},
	{"start after last", store.ListOptions{StartAfter: "c"}, []string{}},
	{"prefix and start after", store.ListOptions{Prefix: "a/", StartAfter: "a/1"}, []string{"a/2", "a/2/x", "a/3"}},
	{"start after before prefix", store.ListOptions{Prefix: "b", StartAfter: "a"}, []string{"b", "b/\u00e9", "b/\U0010ffff", "b/\U0010ffff/z"}},
	{"start after beyond prefix", store.ListOptions{Prefix: "a/", StartAfter: "a0"}, []string{}},
	{"limit", store.ListOptions{Limit: 2}, []string{"a", "a/"}},
	{"limit more than there is", store.ListOptions{Prefix: "b/", Limit: 10}, []string{"b/\u00e9", "b/\U0010ffff", "b/\U0010ffff/z"}},
	{"all three", store.ListOptions{Prefix: "a/", StartAfter: "a/1", Limit: 2}, []string{"a/2", "a/2/x"}},
}

func testListOptions(t *testing.T, s store.Store) {
	ctx := context.Background()
	var kv []string
	for _, k := range listKeys {
		kv = append(kv, k, "v")
	}
	put(t, s, ns, kv...)
	put(t, s, "test/recordr", "a/1", "other namespace")
	for _, tc := range listCases {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := s.List(ctx, ns, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, keysOf(recs)); diff != "" {
				t.Errorf("List(%+v) (-want +got):\n%s", tc.opts, diff)
			}
			// The same inside a transaction, where an overlay of pending writes may apply.
			update(t, s, func(tx store.Tx) error {
				recs, err := tx.List(ctx, ns, tc.opts)
				if err != nil {
					return err
				}
				if diff := cmp.Diff(tc.want, keysOf(recs)); diff != "" {
					t.Errorf("tx.List(%+v) (-want +got):\n%s", tc.opts, diff)
				}
				return nil
			})
		})
	}
}

func testListPaging(t *testing.T, s store.Store) {
	ctx := context.Background()
	var kv, want []string
	for i := range 25 {
		k := fmt.Sprintf("p/%03d", i)
		kv = append(kv, k, "v")
		want = append(want, k)
	}
	put(t, s, ns, kv...)
	put(t, s, ns, "q", "v")
	var got []string
	opts := store.ListOptions{Prefix: "p/", Limit: 7}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		recs, err := s.List(ctx, ns, opts)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, keysOf(recs)...)
		if len(recs) < opts.Limit {
			break
		}
		opts.StartAfter = recs[len(recs)-1].Key
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged keys (-want +got):\n%s", diff)
	}
}

func testDeletePrefix(t *testing.T, s store.Store) {
	ctx := context.Background()
	var kv []string
	for _, k := range listKeys {
		kv = append(kv, k, "v")
	}
	put(t, s, ns, kv...)
	put(t, s, "test/recordr", "a/1", "v")
	tests := []struct {
		prefix string
		n      int
		left   []string
	}{
		{"a/2", 2, []string{"a", "a/", "a/1", "a/3", "a0", "b", "b/\u00e9", "b/\U0010ffff", "b/\U0010ffff/z", "c"}},
		{"x", 0, []string{"a", "a/", "a/1", "a/3", "a0", "b", "b/\u00e9", "b/\U0010ffff", "b/\U0010ffff/z", "c"}},
		{"b/\U0010ffff", 2, []string{"a", "a/", "a/1", "a/3", "a0", "b", "b/\u00e9", "c"}},
		{"a/", 3, []string{"a", "a0", "b", "b/\u00e9", "c"}},
		{"", 5, []string{}},
	}
	for _, tc := range tests {
		var n int
		update(t, s, func(tx store.Tx) (err error) { n, err = tx.DeletePrefix(ctx, ns, tc.prefix); return err })
		if n != tc.n {
			t.Errorf("DeletePrefix(%q) = %d, want %d", tc.prefix, n, tc.n)
		}
		recs, err := s.List(ctx, ns, store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.left, keysOf(recs)); diff != "" {
			t.Errorf("after DeletePrefix(%q) (-want +got):\n%s", tc.prefix, diff)
		}
	}
	if _, err := s.Get(ctx, "test/recordr", "a/1"); err != nil {
		t.Errorf("DeletePrefix touched another namespace: %v", err)
	}
	// Within one transaction, DeletePrefix sees and removes the transaction's own writes.
	update(t, s, func(tx store.Tx) error {
		if _, err := tx.Put(ctx, ns, "n/1", nil); err != nil {
			return err
		}
		if n, err := tx.DeletePrefix(ctx, ns, "n/"); err != nil || n != 1 {
			t.Errorf("DeletePrefix of own write = %d, %v; want 1", n, err)
		}
		_, err := tx.Get(ctx, ns, "n/1")
		wantKind(t, "Get after DeletePrefix in tx", err, store.NotFound)
		return nil
	})
}

func testReadYourWrites(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, ns, "a", "old", "c", "old")
	update(t, s, func(tx store.Tx) error {
		if _, err := tx.Put(ctx, ns, "a", []byte("new")); err != nil {
			return err
		}
		if _, err := tx.Put(ctx, ns, "b", []byte("new")); err != nil {
			return err
		}
		if err := tx.Delete(ctx, ns, "c"); err != nil {
			return err
		}
		r, err := tx.Get(ctx, ns, "a")
		if err != nil || string(r.Value) != "new" || r.Version != 2 {
			t.Errorf("tx.Get(a) = %q v%d, %v; want new v2", r.Value, r.Version, err)
		}
		_, err = tx.Get(ctx, ns, "c")
		wantKind(t, "tx.Get deleted", err, store.NotFound)
		recs, err := tx.List(ctx, ns, store.ListOptions{})
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]string{"a", "b"}, keysOf(recs)); diff != "" {
			t.Errorf("tx.List (-want +got):\n%s", diff)
		}
		// Outside the transaction nothing has changed yet.
		r, err = s.Get(ctx, ns, "a")
		if err != nil || string(r.Value) != "old" {
			t.Errorf("Get outside = %q, %v; want old", r.Value, err)
		}
		recs, err = s.List(ctx, ns, store.ListOptions{})
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]string{"a", "c"}, keysOf(recs)); diff != "" {
			t.Errorf("List outside during tx (-want +got):\n%s", diff)
		}
		return nil
	})
	recs, err := s.List(ctx, ns, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, keysOf(recs)); diff != "" {
		t.Errorf("List after commit (-want +got):\n%s", diff)
	}
}

func snapshot(t *testing.T, s store.Store) []store.Record {
	t.Helper()
	recs, err := s.List(context.Background(), ns, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// writeAll makes one of every kind of write.
func writeAll(ctx context.Context, tx store.Tx) error {
	if _, err := tx.Put(ctx, ns, "a", []byte("changed")); err != nil {
		return err
	}
	if _, err := tx.Create(ctx, ns, "new", nil); err != nil {
		return err
	}
	if _, err := tx.PutIfVersion(ctx, ns, "b", []byte("changed"), 1); err != nil {
		return err
	}
	if err := tx.Delete(ctx, ns, "c"); err != nil {
		return err
	}
	_, err := tx.DeletePrefix(ctx, ns, "d/")
	return err
}

func testRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, ns, "a", "1", "b", "1", "c", "1", "d/1", "1", "d/2", "1")
	before := snapshot(t, s)
	errFn := errors.New("fn failed")
	calls := 0
	err := s.Update(ctx, func(tx store.Tx) error {
		calls++
		if err := writeAll(ctx, tx); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errFn)
	})
	if !errors.Is(err, errFn) {
		t.Errorf("Update = %v, want the error of fn", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times, want 1", calls)
	}
	if diff := cmp.Diff(before, snapshot(t, s)); diff != "" {
		t.Errorf("rolled-back Update changed the store (-before +after):\n%s", diff)
	}
	// A store error inside fn that fn returns also rolls back everything before it.
	err = s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Put(ctx, ns, "a", []byte("changed")); err != nil {
			return err
		}
		_, err := tx.Create(ctx, ns, "b", nil)
		return err
	})
	wantKind(t, "Create existing after Put", err, store.Exists)
	if diff := cmp.Diff(before, snapshot(t, s)); diff != "" {
		t.Errorf("Update failing with Exists changed the store (-before +after):\n%s", diff)
	}
	// A transaction that ignores a store error and goes on still commits its other writes.
	update(t, s, func(tx store.Tx) error {
		if _, err := tx.Create(ctx, ns, "a", nil); store.KindOf(err) != store.Exists {
			t.Errorf("Create existing = %v, want Exists", err)
		}
		if err := tx.Delete(ctx, ns, "zz"); store.KindOf(err) != store.NotFound {
			t.Errorf("Delete missing = %v, want NotFound", err)
		}
		_, err := tx.Put(ctx, ns, "e", []byte("1"))
		return err
	})
	if _, err := s.Get(ctx, ns, "e"); err != nil {
		t.Errorf("write after an ignored error was lost: %v", err)
	}
}

func testRollbackPanic(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, ns, "a", "1", "b", "1", "c", "1", "d/1", "1")
	before := snapshot(t, s)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic of fn", r)
			}
		}()
		_ = s.Update(ctx, func(tx store.Tx) error {
			if err := writeAll(ctx, tx); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if diff := cmp.Diff(before, snapshot(t, s)); diff != "" {
		t.Errorf("panicking Update changed the store (-before +after):\n%s", diff)
	}
	// The store still works.
	put(t, s, ns, "after", "1")
}

func testFinishedTx(t *testing.T, s store.Store) {
	ctx := context.Background()
	var kept store.Tx
	update(t, s, func(tx store.Tx) error { kept = tx; return nil })
	_, err := kept.Put(ctx, ns, "late", nil)
	if err == nil {
		t.Fatal("Put on a finished transaction succeeded")
	}
	if _, err := s.Get(ctx, ns, "late"); store.KindOf(err) != store.NotFound {
		t.Errorf("write through a finished transaction is visible: %v", err)
	}
	if _, err := kept.Get(ctx, ns, "late"); err == nil {
		t.Errorf("Get on a finished transaction succeeded")
	}
}

const (
	workers    = 20
	increments = 5
)

// testIsolationPut increments a counter read-modify-write inside Update with plain Put: only a
// serializable, retried Update makes the count exact.
func testIsolationPut(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, ns, "counter", "0")
	var wg sync.WaitGroup
	errs := make(chan error, workers*increments)
	for range workers {
		wg.Go(func() {
			for range increments {
				errs <- s.Update(ctx, func(tx store.Tx) error {
					r, err := tx.Get(ctx, ns, "counter")
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(string(r.Value))
					if err != nil {
						return err
					}
					_, err = tx.Put(ctx, ns, "counter", []byte(strconv.Itoa(n+1)))
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Update: %v", err)
		}
	}
	r, err := s.Get(ctx, ns, "counter")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Value) != strconv.Itoa(workers*increments) || r.Version != workers*increments+1 {
		t.Errorf("counter = %s version %d, want %d version %d", r.Value, r.Version, workers*increments, workers*increments+1)
	}
}

// testIsolationPutIfVersion increments a counter optimistically: read outside, write back with
// PutIfVersion, start over on ErrConflict.
func testIsolationPutIfVersion(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, ns, "counter", "0")
	var wg sync.WaitGroup
	errs := make(chan error, workers*increments)
	for range workers {
		wg.Go(func() {
			for range increments {
				errs <- func() error {
					for attempt := 0; attempt < 10000; attempt++ {
						r, err := s.Get(ctx, ns, "counter")
						if err != nil {
							return err
						}
						n, _ := strconv.Atoi(string(r.Value))
						err = s.Update(ctx, func(tx store.Tx) error {
							_, err := tx.PutIfVersion(ctx, ns, "counter", []byte(strconv.Itoa(n+1)), r.Version)
							return err
						})
						if !errors.Is(err, store.ErrConflict) {
							return err
						}
					}
					return errors.New("no progress")
				}()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("increment: %v", err)
		}
	}
	r, err := s.Get(ctx, ns, "counter")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Value) != strconv.Itoa(workers*increments) {
		t.Errorf("counter = %s, want %d", r.Value, workers*increments)
	}
}

// testRetries races two transactions on one key. T2 reads the key and then lets T1 write it and
// commit; T2's write then conflicts. A database with optimistic or snapshot concurrency fails T2,
// which Update must retry (fn runs again and sees T1's write); a database that serializes
// writers runs T2 after T1 (the handshake times out). Either way both increments count.
func testRetries(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, ns, "k", "0")
	incr := func(tx store.Tx) error {
		r, err := tx.Get(ctx, ns, "k")
		if err != nil {
			return err
		}
		n, _ := strconv.Atoi(string(r.Value))
		_, err = tx.Put(ctx, ns, "k", []byte(strconv.Itoa(n+1)))
		return err
	}
	t2Read := make(chan struct{})
	t1Done := make(chan struct{})
	var t2Calls int
	var t2Seen []string
	var wg sync.WaitGroup
	wg.Go(func() {
		err := s.Update(ctx, func(tx store.Tx) error {
			t2Calls++
			r, err := tx.Get(ctx, ns, "k")
			if err != nil {
				return err
			}
			t2Seen = append(t2Seen, string(r.Value))
			if t2Calls == 1 {
				close(t2Read)
				select { // wait for T1, unless T1 waits for us
				case <-t1Done:
				case <-time.After(300 * time.Millisecond):
				}
			}
			return incr(tx)
		})
		if err != nil {
			t.Errorf("T2: %v", err)
		}
	})
	select {
	case <-t2Read:
	case <-time.After(300 * time.Millisecond):
	}
	if err := s.Update(ctx, incr); err != nil {
		t.Errorf("T1: %v", err)
	}
	close(t1Done)
	wg.Wait()
	r, err := s.Get(ctx, ns, "k")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Value) != "2" {
		t.Errorf("k = %s after two increments (T2 ran %d times and saw %q), want 2", r.Value, t2Calls, t2Seen)
	}
	t.Logf("T2 ran %d time(s), saw %q", t2Calls, t2Seen)
}

func testFnErrorsNotRetried(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, ns, "k", "v")
	for _, tc := range []struct {
		name string
		fn   func(tx store.Tx) error
		kind store.Kind
	}{
		{"conflict", func(tx store.Tx) error { _, err := tx.PutIfVersion(ctx, ns, "k", nil, 7); return err }, store.Conflict},
		{"exists", func(tx store.Tx) error { _, err := tx.Create(ctx, ns, "k", nil); return err }, store.Exists},
		{"not found", func(tx store.Tx) error { return tx.Delete(ctx, ns, "missing") }, store.NotFound},
		{"invalid", func(tx store.Tx) error { _, err := tx.Put(ctx, ns, "", nil); return err }, store.Invalid},
	} {
		calls := 0
		err := s.Update(ctx, func(tx store.Tx) error { calls++; return tc.fn(tx) })
		wantKind(t, tc.name, err, tc.kind)
		if calls != 1 {
			t.Errorf("%s: fn called %d times, want 1", tc.name, calls)
		}
	}
}

func testLargeValues(t *testing.T, s store.Store) {
	ctx := context.Background()
	big := make([]byte, 1<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	big[0], big[len(big)-1] = 0, 0 // NUL bytes are fine in values
	update(t, s, func(tx store.Tx) error { _, err := tx.Put(ctx, ns, "big", big); return err })
	r, err := s.Get(ctx, ns, "big")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Value, big) {
		t.Errorf("1 MiB value did not round-trip (got %d bytes)", len(r.Value))
	}
	recs, err := s.List(ctx, ns, store.ListOptions{})
	if err != nil || len(recs) != 1 || !bytes.Equal(recs[0].Value, big) {
		t.Errorf("List of 1 MiB value: %d records, %v", len(recs), err)
	}
}

func testEmptyValues(t *testing.T, s store.Store) {
	ctx := context.Background()
	update(t, s, func(tx store.Tx) error {
		if _, err := tx.Put(ctx, ns, "nil", nil); err != nil {
			return err
		}
		if _, err := tx.Create(ctx, ns, "empty", []byte{}); err != nil {
			return err
		}
		_, err := tx.PutIfVersion(ctx, ns, "pv", nil, 0)
		return err
	})
	for _, k := range []string{"nil", "empty", "pv"} {
		r, err := s.Get(ctx, ns, k)
		if err != nil {
			t.Fatalf("Get(%s): %v", k, err)
		}
		if r.Value == nil || len(r.Value) != 0 {
			t.Errorf("Get(%s).Value = %#v, want empty non-nil", k, r.Value)
		}
	}
	recs, err := s.List(ctx, ns, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Value == nil || len(r.Value) != 0 {
			t.Errorf("List %s Value = %#v, want empty non-nil", r.Key, r.Value)
		}
	}
}

// InvalidNames lists namespaces and keys every driver rejects with kind Invalid. NUL is rejected
// rather than stored because PostgreSQL text cannot hold it.
var InvalidNames = []struct {
	Name, NS, Key string
}{
	{"empty namespace", "", "k"},
	{"empty key", ns, ""},
	{"NUL in key", ns, "a\x00b"},
	{"NUL in namespace", "n\x00s", "k"},
	{"invalid UTF-8 key", ns, "a\xffb"},
	{"invalid UTF-8 namespace", "\xc3", "k"},
	{"lone surrogate", ns, "\xed\xa0\x80"},
	{"long key", ns, strings.Repeat("k", store.MaxKeyLen+1)},
	{"long namespace", strings.Repeat("n", store.MaxNamespaceLen+1), "k"},
}

func testInvalidNames(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, tc := range InvalidNames {
		t.Run(tc.Name, func(t *testing.T) {
			_, err := s.Get(ctx, tc.NS, tc.Key)
			wantKind(t, "Get", err, store.Invalid)
			ops := map[string]func(tx store.Tx) error{
				"Put":          func(tx store.Tx) error { _, err := tx.Put(ctx, tc.NS, tc.Key, nil); return err },
				"Create":       func(tx store.Tx) error { _, err := tx.Create(ctx, tc.NS, tc.Key, nil); return err },
				"PutIfVersion": func(tx store.Tx) error { _, err := tx.PutIfVersion(ctx, tc.NS, tc.Key, nil, 0); return err },
				"Delete":       func(tx store.Tx) error { return tx.Delete(ctx, tc.NS, tc.Key) },
				"Get":          func(tx store.Tx) error { _, err := tx.Get(ctx, tc.NS, tc.Key); return err },
			}
			if tc.Key != "" { // an empty prefix or StartAfter is fine
				ops["DeletePrefix"] = func(tx store.Tx) error { _, err := tx.DeletePrefix(ctx, tc.NS, tc.Key); return err }
				ops["List prefix"] = func(tx store.Tx) error { _, err := tx.List(ctx, tc.NS, store.ListOptions{Prefix: tc.Key}); return err }
				ops["List StartAfter"] = func(tx store.Tx) error {
					_, err := tx.List(ctx, tc.NS, store.ListOptions{StartAfter: tc.Key})
					return err
				}
			}
			for name, op := range ops {
				wantKind(t, name, s.Update(ctx, op), store.Invalid)
			}
		})
	}
	_, err := s.List(ctx, ns, store.ListOptions{Limit: -1})
	wantKind(t, "List negative limit", err, store.Invalid)
	if recs, err := s.List(ctx, ns, store.ListOptions{}); err != nil || len(recs) != 0 {
		t.Errorf("invalid writes stored something: %v, %v", keysOf(recs), err)
	}
}

func testContextCancellation(t *testing.T, s store.Store) {
	put(t, s, ns, "a", "1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Get(ctx, ns, "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with cancelled context = %v", err)
	}
	if _, err := s.List(ctx, ns, store.ListOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("List with cancelled context = %v", err)
	}
	called := false
	err := s.Update(ctx, func(tx store.Tx) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with cancelled context = %v", err)
	}
	if called {
		t.Errorf("Update with cancelled context ran fn")
	}

	// Cancelled while fn runs: nothing is committed.
	ctx, cancel = context.WithCancel(context.Background())
	err = s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Put(ctx, ns, "a", []byte("2")); err != nil {
			return err
		}
		cancel()
		_, err := tx.Put(ctx, ns, "b", []byte("2"))
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update cancelled inside fn = %v", err)
	}
	// Cancelled after fn's last write, before commit: nothing is committed either.
	ctx, cancel = context.WithCancel(context.Background())
	err = s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(ctx, ns, "a", []byte("3"))
		cancel()
		return err
	})
	if err == nil {
		t.Errorf("Update whose context was cancelled before commit succeeded")
	}
	cancel()
	r, err := s.Get(context.Background(), ns, "a")
	if err != nil || string(r.Value) != "1" {
		t.Errorf("after cancelled Updates a = %q, %v; want 1", r.Value, err)
	}
	if _, err := s.Get(context.Background(), ns, "b"); store.KindOf(err) != store.NotFound {
		t.Errorf("after cancelled Update b exists: %v", err)
	}
	put(t, s, ns, "c", "1") // the store still works
}

func testPingAndSchema(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Errorf("SchemaVersion = %d, %v; want ≥ 1", v, err)
	}
}

// testGetCached: store.GetCached answers exactly what Get answers after every kind of write,
// committed or rolled back (a store that caches must drop what its commits change).
func testGetCached(t *testing.T, s store.Store) {
	ctx := context.Background()
	check := func(what string) {
		t.Helper()
		for _, key := range []string{"gen", "other", "p/1", "p/2"} {
			want, werr := s.Get(ctx, ns, key)
			for range 2 { // the second read may come from memory
				got, err := store.GetCached(ctx, s, ns, key)
				if store.KindOf(err) != store.KindOf(werr) {
					t.Fatalf("%s: GetCached(%s) error %v, Get error %v", what, key, err, werr)
				}
				if diff := cmp.Diff(want, got, ignoreUpdated); diff != "" {
					t.Fatalf("%s: GetCached(%s) differs from Get (-Get +GetCached):\n%s", what, key, diff)
				}
			}
		}
	}
	check("empty")
	put(t, s, ns, "gen", "1", "p/1", "x", "p/2", "y")
	check("created")
	put(t, s, ns, "gen", "2")
	check("replaced")
	update(t, s, func(tx store.Tx) error {
		rec, err := tx.Get(ctx, ns, "gen")
		if err != nil {
			return err
		}
		_, err = tx.PutIfVersion(ctx, ns, "gen", []byte("3"), rec.Version)
		return err
	})
	check("put-if-version")
	errFn := errors.New("roll back")
	if err := s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Put(ctx, ns, "gen", []byte("rolled back")); err != nil {
			return err
		}
		return errFn
	}); !errors.Is(err, errFn) {
		t.Fatal(err)
	}
	check("rolled back")
	update(t, s, func(tx store.Tx) error { return tx.Delete(ctx, ns, "gen") })
	check("deleted")
	update(t, s, func(tx store.Tx) error { _, err := tx.DeletePrefix(ctx, ns, "p/"); return err })
	check("prefix deleted")
	update(t, s, func(tx store.Tx) error { _, err := tx.Create(ctx, ns, "gen", []byte("again")); return err })
	check("recreated")
}

// testGetCachedConcurrent: while a key is being rewritten, GetCached never returns a version
// older than one committed before the read began.
func testGetCachedConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, ns, "gen", "0")
	var committed atomic.Int64
	committed.Store(1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for range 200 {
			var v int64
			if err := s.Update(ctx, func(tx store.Tx) error {
				r, err := tx.Put(ctx, ns, "gen", []byte("x"))
				v = r.Version
				return err
			}); err != nil {
				t.Errorf("Update: %v", err) // not Fatal: this is not the test's goroutine
				return
			}
			committed.Store(v)
		}
	})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				floor := committed.Load()
				r, err := store.GetCached(ctx, s, ns, "gen")
				if err != nil {
					t.Errorf("GetCached: %v", err)
					return
				}
				if r.Version < floor {
					t.Errorf("GetCached returned version %d after version %d was committed", r.Version, floor)
					return
				}
			}
		})
	}
	wg.Wait()
}
