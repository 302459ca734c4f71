package audit

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/sluicehq/sluice/internal/store"
)

// Problem is one thing a verifier found wrong.
type Problem struct {
	Chain ChainID
	Seq   uint64 // the entry concerned (0 when none)
	Where string // store key or export file
	What  string
}

func (p Problem) String() string {
	if p.Seq == 0 {
		return fmt.Sprintf("chain %s (%s): %s", p.Chain, p.Where, p.What)
	}
	return fmt.Sprintf("chain %s record %d (%s): %s", p.Chain, p.Seq, p.Where, p.What)
}

// Report is the outcome of a verification. It is good when Problems is empty; Problems[0] is the
// first bad record in log order.
type Report struct {
	Chains   int
	Records  int // records checked (within the time range, if one was given)
	Digests  int // signed digests and heads checked
	Problems []Problem
}

// OK reports whether nothing was wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// VerifyOptions narrow a verification. Nil means everything.
type VerifyOptions struct {
	// From and To limit the records whose content problems are reported (by event time). Links
	// into and out of the range are still checked, since they are what proves completeness.
	From, To time.Time
}

func (o *VerifyOptions) inRange(ev []byte) bool {
	if o == nil || (o.From.IsZero() && o.To.IsZero()) {
		return true
	}
	e, err := ParseEvent(ev)
	if err != nil {
		return true
	}
	t := e.Time()
	return (o.From.IsZero() || !t.Before(o.From.Truncate(time.Second))) && (o.To.IsZero() || !t.After(o.To))
}

// chainCheck follows one chain entry by entry.
type chainCheck struct {
	chain   ChainID
	next    uint64
	last    Hash
	hashes  map[uint64]Hash // at digest positions
	digests map[uint64]*Digest
}

// Verify checks every chain in r: entry hashes, links and sequence numbers, every signed digest
// and head (signature with keys, hash against the entry it names), and that each chain ends
// exactly at its signed head. It reads the whole log once, in key order.
func Verify(ctx context.Context, r store.Reader, keys KeySource, opts *VerifyOptions) (*Report, error) {
	rep := &Report{}
	heads := map[ChainID]*Digest{}
	digests := map[ChainID]map[uint64]*Digest{}
	bad := func(p Problem) { rep.Problems = append(rep.Problems, p) }

	if err := listAll(ctx, r, NSHead, func(rec store.Record) error {
		d, err := DecodeDigest(rec.Value)
		if err != nil || string(d.Chain) != rec.Key {
			bad(Problem{Chain: ChainID(rec.Key), Where: NSHead + "/" + rec.Key, What: "signed head unreadable or misplaced"})
			return nil
		}
		rep.Digests++
		if !d.Verify(keys) {
			bad(Problem{Chain: d.Chain, Where: NSHead + "/" + rec.Key, What: "signed head has a bad signature"})
			return nil
		}
		heads[d.Chain] = d
		return nil
	}); err != nil {
		return nil, err
	}
	if err := listAll(ctx, r, NSDigest, func(rec store.Record) error {
		chain, seq, ok := parseSeqKey(rec.Key)
		d, err := DecodeDigest(rec.Value)
		if !ok || err != nil || d.Chain != chain || d.Seq != seq {
			bad(Problem{Chain: chain, Seq: seq, Where: NSDigest + "/" + rec.Key, What: "digest unreadable or misplaced"})
			return nil
		}
		rep.Digests++
		if !d.Verify(keys) {
			bad(Problem{Chain: chain, Seq: seq, Where: NSDigest + "/" + rec.Key, What: "digest has a bad signature"})
			return nil
		}
		if digests[chain] == nil {
			digests[chain] = map[uint64]*Digest{}
		}
		digests[chain][seq] = d
		return nil
	}); err != nil {
		return nil, err
	}

	seen := map[ChainID]bool{}
	var cur *chainCheck
	finish := func(c *chainCheck) {
		if c == nil {
			return
		}
		lastSeq := c.next - 1
		var ds []uint64
		for s := range digests[c.chain] {
			ds = append(ds, s)
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		prev := uint64(0)
		for _, s := range ds {
			d := digests[c.chain][s]
			if s > lastSeq {
				bad(Problem{Chain: c.chain, Seq: lastSeq + 1, Where: NSDigest, What: fmt.Sprintf("log truncated: a signed digest covers %d records, only %d are present", s, lastSeq)})
				break
			}
			if got, ok := c.hashes[s]; ok && got != d.Hash {
				bad(Problem{Chain: c.chain, Seq: s, Where: NSDigest, What: fmt.Sprintf("records %d..%d do not match the signed digest of record %d (changed)", prev+1, s, s)})
			}
			prev = s
		}
		h := heads[c.chain]
		switch {
		case h == nil:
			bad(Problem{Chain: c.chain, Where: NSHead, What: "chain has no signed head"})
		case h.Seq > lastSeq:
			bad(Problem{Chain: c.chain, Seq: lastSeq + 1, Where: NSLog, What: fmt.Sprintf("log truncated: the signed head covers %d records, only %d are present", h.Seq, lastSeq)})
		case h.Seq < lastSeq:
			bad(Problem{Chain: c.chain, Seq: h.Seq + 1, Where: NSLog, What: fmt.Sprintf("records %d..%d follow the signed head (inserted)", h.Seq+1, lastSeq)})
		case h.Hash != c.last:
			bad(Problem{Chain: c.chain, Seq: lastSeq, Where: NSHead, What: fmt.Sprintf("records %d..%d do not match the signed head (changed)", prev+1, lastSeq)})
		}
	}
	err := listAll(ctx, r, NSLog, func(rec store.Record) error {
		where := NSLog + "/" + rec.Key
		chain, seq, ok := parseSeqKey(rec.Key)
		if !ok {
			bad(Problem{Where: where, What: "malformed log key"})
			return nil
		}
		if cur == nil || cur.chain != chain {
			finish(cur)
			seen[chain] = true
			rep.Chains++
			cur = &chainCheck{chain: chain, next: 1, hashes: map[uint64]Hash{}}
		}
		entries, err := DecodeBlock(rec.Value)
		if err != nil {
			bad(Problem{Chain: chain, Seq: max(cur.next, 1), Where: where, What: fmt.Sprintf("records up to %d unreadable", seq)})
			cur.next = seq + 1
			return nil
		}
		lastEntry := entries[len(entries)-1]
		// A block whose entries end below its key either lost its tail (its entries are new)
		// or was moved here (its entries were seen already).
		moved := lastEntry.Chain != chain || lastEntry.Seq > seq || (lastEntry.Seq < seq && entries[0].Seq < cur.next)
		if e := lastEntry; moved {
			bad(Problem{Chain: chain, Seq: seq, Where: where, What: fmt.Sprintf("record %s/%d stored at this position (moved or reordered)", e.Chain, e.Seq)})
		}
		for _, e := range entries {
			report := opts.inRange(e.Event)
			if report {
				rep.Records++
			}
			switch {
			case e.Chain != chain:
				bad(Problem{Chain: chain, Seq: e.Seq, Where: where, What: fmt.Sprintf("record of chain %s stored here (moved)", e.Chain)})
			case e.Seq > cur.next:
				bad(Problem{Chain: chain, Seq: cur.next, Where: where, What: fmt.Sprintf("records %d..%d are missing (deleted)", cur.next, e.Seq-1)})
			case e.Seq < cur.next:
				bad(Problem{Chain: chain, Seq: e.Seq, Where: where, What: fmt.Sprintf("record %d appears again after record %d (reordered or inserted)", e.Seq, cur.next-1)})
			case e.Prev != cur.last:
				bad(Problem{Chain: chain, Seq: e.Seq, Where: where, What: "record does not link to the previous one (inserted, replaced or reordered)"})
			case !e.Check():
				if report {
					bad(Problem{Chain: chain, Seq: e.Seq, Where: where, What: "record content changed (hash mismatch)"})
				}
			}
			// Follow the stored hash: a changed record is reported once (above), and the records
			// after it are judged on their own links. A rewrite that keeps the links consistent
			// ends at a stored hash that no signed digest or head vouches for.
			hash := e.Hash
			if _, ok := digests[chain][e.Seq]; ok {
				cur.hashes[e.Seq] = hash
			}
			cur.last = hash
			cur.next = e.Seq + 1
		}
		switch {
		case !moved && lastEntry.Seq < seq:
			bad(Problem{Chain: chain, Seq: lastEntry.Seq + 1, Where: where, What: fmt.Sprintf("records %d..%d are missing (deleted)", lastEntry.Seq+1, seq)})
		case cur.next != seq+1:
			cur.next = seq + 1 // judge the next block against its key
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	finish(cur)
	var missing []string
	for c := range heads {
		if !seen[c] {
			missing = append(missing, string(c))
		}
	}
	sort.Strings(missing)
	for _, c := range missing {
		bad(Problem{Chain: ChainID(c), Seq: 1, Where: NSLog, What: fmt.Sprintf("all %d records of the chain are missing (truncated)", heads[ChainID(c)].Seq)})
	}
	return rep, nil
}

// listAll pages through a namespace.
func listAll(ctx context.Context, r store.Reader, ns string, fn func(store.Record) error) error {
	after := ""
	for {
		recs, err := r.List(ctx, ns, store.ListOptions{StartAfter: after, Limit: 1000})
		if err != nil {
			return E(Unavailable, "list "+ns, err)
		}
		for _, rec := range recs {
			if err := fn(rec); err != nil {
				return err
			}
		}
		if len(recs) < 1000 {
			return nil
		}
		after = recs[len(recs)-1].Key
	}
}
