package audit

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

func getEntry(t *testing.T, tx store.Tx, seq uint64) *Entry {
	t.Helper()
	rec, err := tx.Get(context.Background(), NSLog, seqKey("c-test", seq))
	if err != nil {
		t.Fatal(err)
	}
	es, err := DecodeBlock(rec.Value)
	if err != nil || len(es) != 1 {
		t.Fatal(err, len(es))
	}
	return es[0]
}

func put(t *testing.T, tx store.Tx, seq uint64, e *Entry) {
	t.Helper()
	if _, err := tx.Put(context.Background(), NSLog, seqKey("c-test", seq), append(e.Marshal(), '\n')); err != nil {
		t.Fatal(err)
	}
}

func del(t *testing.T, tx store.Tx, ns string, key string) {
	t.Helper()
	if err := tx.Delete(context.Background(), ns, key); err != nil {
		t.Fatal(err)
	}
}

// forge changes the event of e (same length not required).
func forge(e *Entry) *Entry {
	ev := strings.Replace(string(e.Event), `"sourceIPAddress":"127.0.0.1"`, `"sourceIPAddress":"10.9.9.9"`, 1)
	return &Entry{Chain: e.Chain, Seq: e.Seq, Prev: e.Prev, Hash: e.Hash, Event: []byte(ev)}
}

// TestTamper makes each kind of change to a 30-record log with digests every 10 records and
// checks that Verify names the first bad record.
func TestTamper(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tamper   func(t *testing.T, tx store.Tx)
		wantSeq  uint64
		wantWhat string
	}{
		{"change content", func(t *testing.T, tx store.Tx) {
			put(t, tx, 12, forge(getEntry(t, tx, 12)))
		}, 12, "content changed"},
		{"change and rehash one", func(t *testing.T, tx store.Tx) {
			e := forge(getEntry(t, tx, 12))
			e.Hash = EntryHash(e.Chain, e.Seq, e.Prev, e.Event)
			put(t, tx, 12, e)
		}, 13, "does not link"},
		{"change and rehash the rest", func(t *testing.T, tx store.Tx) {
			prev := getEntry(t, tx, 11).Hash
			for s := uint64(12); s <= 30; s++ {
				e := getEntry(t, tx, s)
				if s == 12 {
					e = forge(e)
				}
				e = newEntry(e.Chain, s, prev, e.Event)
				put(t, tx, s, e)
				prev = e.Hash
			}
		}, 20, "records 11..20 do not match the signed digest"},
		{"change user", func(t *testing.T, tx store.Tx) {
			e := getEntry(t, tx, 5)
			e.Event = []byte(strings.Replace(string(e.Event), "alice", "mallory", -1))
			put(t, tx, 5, e)
		}, 5, "content changed"},
		{"delete", func(t *testing.T, tx store.Tx) {
			del(t, tx, NSLog, seqKey("c-test", 12))
		}, 12, "records 12..12 are missing"},
		{"insert at the end", func(t *testing.T, tx store.Tx) {
			last := getEntry(t, tx, 30)
			put(t, tx, 31, newEntry("c-test", 31, last.Hash, last.Event))
		}, 31, "follow the signed head"},
		{"insert in the middle", func(t *testing.T, tx store.Tx) {
			for s := uint64(30); s >= 12; s-- {
				put(t, tx, s+1, getEntry(t, tx, s))
			}
			e := getEntry(t, tx, 11)
			put(t, tx, 12, newEntry("c-test", 12, e.Hash, forge(e).Event))
		}, 13, "stored at this position"},
		{"reorder", func(t *testing.T, tx store.Tx) {
			a, b := getEntry(t, tx, 12), getEntry(t, tx, 13)
			put(t, tx, 12, b)
			put(t, tx, 13, a)
		}, 12, "stored at this position"},
		{"reorder and renumber", func(t *testing.T, tx store.Tx) {
			a, b := getEntry(t, tx, 12), getEntry(t, tx, 13)
			a.Seq, b.Seq = 13, 12
			put(t, tx, 12, b)
			put(t, tx, 13, a)
		}, 12, "does not link"},
		{"truncate", func(t *testing.T, tx store.Tx) {
			for s := uint64(28); s <= 30; s++ {
				del(t, tx, NSLog, seqKey("c-test", s))
			}
		}, 28, "log truncated"},
		{"truncate past a digest", func(t *testing.T, tx store.Tx) {
			for s := uint64(18); s <= 30; s++ {
				del(t, tx, NSLog, seqKey("c-test", s))
			}
		}, 18, "log truncated: a signed digest covers 20"},
		{"truncate and drop the head", func(t *testing.T, tx store.Tx) {
			for s := uint64(28); s <= 30; s++ {
				del(t, tx, NSLog, seqKey("c-test", s))
			}
			del(t, tx, NSHead, "c-test")
		}, 28, "log truncated: a signed digest covers 30"},
		{"delete everything", func(t *testing.T, tx store.Tx) {
			if _, err := tx.DeletePrefix(context.Background(), NSLog, ""); err != nil {
				t.Fatal(err)
			}
		}, 1, "all 30 records of the chain are missing"},
		{"forged head", func(t *testing.T, tx store.Tx) {
			rec, _ := tx.Get(context.Background(), NSHead, "c-test")
			d, _ := DecodeDigest(rec.Value)
			d.Seq = 27
			data, _ := json.Marshal(d)
			tx.Put(context.Background(), NSHead, "c-test", data)
		}, 0, "bad signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memstore.New(nil)
			l := openLog(t, st, &Options{DigestEvery: 10, MaxBatch: 1})
			fill(t, l, 30, t0)
			l.Close()
			if err := st.Update(context.Background(), func(tx store.Tx) error { tc.tamper(t, tx); return nil }); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(context.Background(), st, testRing(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("tampering not detected")
			}
			first := rep.Problems[0]
			if first.Seq != tc.wantSeq || !strings.Contains(first.What, tc.wantWhat) {
				t.Errorf("first problem = %v, want record %d: %q\nall: %v", first, tc.wantSeq, tc.wantWhat, rep.Problems)
			}
		})
	}
}

// TestTamperInsideBlock changes entries inside one log block (one batch of 30 records).
func TestTamperInsideBlock(t *testing.T) {
	edit := func(fn func(lines []string) []string) func(t *testing.T, tx store.Tx) {
		return func(t *testing.T, tx store.Tx) {
			rec, err := tx.Get(context.Background(), NSLog, seqKey("c-test", 30))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := blockLines(rec.Value)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			lines = fn(lines)
			// Stored compressed, as the writer stores blocks: whoever edits the store can.
			if _, err := tx.Put(context.Background(), NSLog, seqKey("c-test", 30), compressBlock(nil, []byte(strings.Join(lines, "\n")+"\n"))); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name     string
		tamper   func(t *testing.T, tx store.Tx)
		wantSeq  uint64
		wantWhat string
	}{
		{"change", edit(func(l []string) []string {
			l[11] = strings.Replace(l[11], `"sourceIPAddress":"127.0.0.1"`, `"sourceIPAddress":"10.9.9.9"`, 1)
			return l
		}), 12, "content changed"},
		{"delete", edit(func(l []string) []string { return append(l[:11], l[12:]...) }), 12, "records 12..12 are missing"},
		{"swap", edit(func(l []string) []string { l[11], l[12] = l[12], l[11]; return l }), 12, "missing"},
		{"duplicate", edit(func(l []string) []string { return append(l[:12], l[11:]...) }), 12, "appears again"},
		{"cut the tail", edit(func(l []string) []string { return l[:25] }), 26, "records 26..30 are missing"},
		{"garbage", edit(func(l []string) []string { l[3] = "{"; return l }), 1, "unreadable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memstore.New(nil)
			l := openLog(t, st, nil)
			fillMode(t, l, 30, t0, true)
			l.Close()
			if err := st.Update(context.Background(), func(tx store.Tx) error { tc.tamper(t, tx); return nil }); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(context.Background(), st, testRing(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("tampering not detected")
			}
			if first := rep.Problems[0]; first.Seq != tc.wantSeq || !strings.Contains(first.What, tc.wantWhat) {
				t.Errorf("first problem = %v, want record %d: %q\nall: %v", first, tc.wantSeq, tc.wantWhat, rep.Problems)
			}
		})
	}
}

// TestVerifyRange checks that a time range limits the records counted and the content problems
// reported, while a deletion anywhere is still found.
func TestVerifyRange(t *testing.T) {
	st := memstore.New(nil)
	l := openLog(t, st, &Options{MaxBatch: 1})
	fill(t, l, 30, t0) // record i at t0+(i-1) s
	l.Close()
	st.Update(context.Background(), func(tx store.Tx) error {
		put(t, tx, 5, forge(getEntry(t, tx, 5)))
		return nil
	})
	opts := &VerifyOptions{From: t0.Add(10 * time.Second), To: t0.Add(19 * time.Second)}
	rep, err := Verify(context.Background(), st, testRing(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 10 || !rep.OK() {
		t.Errorf("in range: %+v", rep)
	}
	rep, _ = Verify(context.Background(), st, testRing(t), &VerifyOptions{From: t0, To: t0.Add(9 * time.Second)})
	if rep.Records != 10 || rep.OK() || rep.Problems[0].Seq != 5 {
		t.Errorf("range with the change: %+v", rep)
	}
	st.Update(context.Background(), func(tx store.Tx) error { del(t, tx, NSLog, seqKey("c-test", 25)); return nil })
	rep, _ = Verify(context.Background(), st, testRing(t), opts)
	if rep.OK() || rep.Problems[0].Seq != 25 {
		t.Errorf("deletion outside the range: %+v", rep)
	}
}
