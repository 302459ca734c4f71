package audit

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/store"
)

// Attribute is a LookupEvents lookup attribute.
type Attribute string

// The lookup attributes; All selects every record.
const (
	All          Attribute = "*"
	EventID      Attribute = "EventId"
	EventName    Attribute = "EventName"
	ReadOnly     Attribute = "ReadOnly"
	Username     Attribute = "Username"
	ResourceType Attribute = "ResourceType"
	ResourceName Attribute = "ResourceName"
	EventSource  Attribute = "EventSource"
	AccessKeyID  Attribute = "AccessKeyId"
)

// Attributes lists the lookup attributes AWS defines.
var Attributes = []Attribute{EventID, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyID}

// ValidAttribute reports whether a is one of Attributes.
func ValidAttribute(a Attribute) bool {
	for _, x := range Attributes {
		if a == x {
			return true
		}
	}
	return false
}

// maxIndexValue is the longest value kept verbatim in an index key; longer ones are hashed.
const maxIndexValue = 200

func encodeValue(v string) string {
	e := url.PathEscape(v)
	if len(e) > maxIndexValue {
		sum := sha256.Sum256([]byte(v))
		return "h~" + hex.EncodeToString(sum[:20])
	}
	return e
}

// invTime orders newer first: 19 digits of MaxInt64 minus the nanosecond time.
func invTime(t time.Time) string { return string(appendInvTime(nil, t)) }

// appendInvTime appends invTime(t).
func appendInvTime(b []byte, t time.Time) []byte {
	return appendPadded(b, uint64(math.MaxInt64-t.UnixNano()), 19)
}

// appendPadded appends n in decimal, zero-padded to at least width digits (fmt's %0<width>d).
func appendPadded(b []byte, n uint64, width int) []byte {
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], n, 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

func parseInvTime(s string) (time.Time, bool) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || len(s) != 19 || n > math.MaxInt64 {
		return time.Time{}, false
	}
	return time.Unix(0, math.MaxInt64-int64(n)).UTC(), true
}

func attrPrefix(a Attribute, value string) string {
	return string(a) + "/" + encodeValue(value) + "/"
}

// indexPrefixes returns the index key prefixes of e ("<attr>/<value>/").
func indexPrefixes(e *Event) []string {
	out := make([]string, 0, 10)
	add := func(a Attribute, v string) {
		if v == "" && a != All {
			return
		}
		k := attrPrefix(a, v)
		for _, x := range out {
			if x == k {
				return
			}
		}
		out = append(out, k)
	}
	add(All, "")
	add(EventName, e.EventName)
	add(ReadOnly, strconv.FormatBool(e.ReadOnly))
	add(Username, e.Username())
	add(EventSource, e.EventSource)
	add(AccessKeyID, e.UserIdentity.AccessKeyID)
	for _, r := range e.Resources {
		add(ResourceType, r.Type)
		add(ResourceName, r.ARN)
	}
	return out
}

// rowSpan is the widest time spread of the postings of one index row: a row's key carries its
// newest time, so a reader looking for records up to T starts at rows up to T+rowSpan.
const rowSpan = time.Second

// maxRowPostings caps the postings of one index row, so that a lookup reads a bounded row
// however busy the second it covers was.
const maxRowPostings = 1024

// posting points from an index row to one record of the row's chain.
type posting struct {
	at  time.Time
	seq uint64
	end uint64 // last sequence number of the block holding seq; 0 when unknown
}

// postings collects the index entries of one batch: every record under each of its prefixes.
// Under load a batch holds many records that share prefixes (the same event name, user, …), so
// they share a row, and the index costs a few rows per batch instead of ten per record.
type postings struct {
	order []string
	by    map[string][]posting
	n     int // postings in all
}

func newPostings() *postings { return &postings{by: make(map[string][]posting, 16)} }

func (p *postings) add(prefix string, at time.Time, seq, end uint64) {
	if _, ok := p.by[prefix]; !ok {
		p.order = append(p.order, prefix)
	}
	p.by[prefix] = append(p.by[prefix], posting{at, seq, end})
	p.n++
}

// dropAfter removes the postings of records after seq (a batch whose commit failed).
func (p *postings) dropAfter(seq uint64) {
	order := p.order[:0]
	p.n = 0
	for _, prefix := range p.order {
		ps := slices.DeleteFunc(p.by[prefix], func(x posting) bool { return x.seq > seq })
		if len(ps) == 0 {
			delete(p.by, prefix)
			continue
		}
		p.by[prefix] = ps
		order = append(order, prefix)
		p.n += len(ps)
	}
	p.order = order
}

type indexRow struct {
	key   string
	value []byte
}

// rows groups each prefix's postings newest first into rows spanning at most rowSpan:
//
//	key   <prefix><inverted newest time>/<chain>/<seq of the newest posting, 20 digits>
//	value the postings, newest first (appendPostings)
func (p *postings) rows(chain ChainID) []indexRow {
	var out []indexRow
	for _, prefix := range p.order {
		ps := p.by[prefix]
		slices.SortFunc(ps, func(a, b posting) int {
			if c := b.at.Compare(a.at); c != 0 {
				return c
			}
			return cmp.Compare(b.seq, a.seq)
		})
		for i := 0; i < len(ps); {
			newest := ps[i]
			j := i
			for j < len(ps) && newest.at.Sub(ps[j].at) <= rowSpan && j-i < maxRowPostings {
				j++
			}
			b := appendPostings(make([]byte, 0, 4+(j-i)*5), ps[i:j])
			key := make([]byte, 0, len(prefix)+19+1+len(chain)+1+20)
			key = append(key, prefix...)
			key = appendInvTime(key, newest.at)
			key = append(key, '/')
			key = appendSeqKey(key, chain, newest.seq)
			out = append(out, indexRow{key: string(key), value: b})
			i = j
		}
	}
	return out
}

// postingsV2 begins a row value in the binary form. Rows written before it are text, one line
// per posting: "<inverted time, ns> <seq> <last seq of its block>\n"; both are read.
const postingsV2 = 0x02

// appendPostings appends the binary form of ps (newest first, at whole seconds), about four
// bytes a posting where the text form took forty-five:
//
//	0x02, uvarint(count), then per posting
//	uvarint(seconds: Unix time of the first, else the previous one's minus this one's)
//	uvarint(seq: the first's, else zigzag of the previous one's minus this one's)
//	uvarint(end − seq + 1, or 0 when the block is unknown)
func appendPostings(b []byte, ps []posting) []byte {
	b = append(b, postingsV2)
	b = binary.AppendUvarint(b, uint64(len(ps)))
	for i, p := range ps {
		sec := p.at.Unix()
		if i == 0 {
			b = binary.AppendUvarint(b, uint64(sec))
			b = binary.AppendUvarint(b, p.seq)
		} else {
			prev := ps[i-1]
			b = binary.AppendUvarint(b, uint64(prev.at.Unix()-sec))
			b = binary.AppendVarint(b, int64(prev.seq-p.seq))
		}
		var end uint64
		if p.end >= p.seq {
			end = p.end - p.seq + 1
		}
		b = binary.AppendUvarint(b, end)
	}
	return b
}

// parsePostingsV2 reads appendPostings' form.
func parsePostingsV2(v []byte) ([]posting, bool) {
	v = v[1:]
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)) { // each posting takes at least three bytes
		return nil, false
	}
	v = v[k:]
	out := make([]posting, 0, n)
	var sec int64
	var seq uint64
	for i := uint64(0); i < n; i++ {
		a, k1 := binary.Uvarint(v)
		if k1 <= 0 {
			return nil, false
		}
		v = v[k1:]
		if i == 0 {
			if a > math.MaxInt64/2 {
				return nil, false
			}
			sec = int64(a)
			s, k2 := binary.Uvarint(v)
			if k2 <= 0 {
				return nil, false
			}
			seq, v = s, v[k2:]
		} else {
			if a > uint64(sec) {
				return nil, false
			}
			sec -= int64(a)
			d, k2 := binary.Varint(v)
			if k2 <= 0 {
				return nil, false
			}
			seq, v = seq-uint64(d), v[k2:]
		}
		e, k3 := binary.Uvarint(v)
		if k3 <= 0 {
			return nil, false
		}
		v = v[k3:]
		var end uint64
		if e > 0 {
			end = seq + e - 1
		}
		if seq == 0 || end < seq && e > 0 { // sequence numbers start at 1; no wrapping
			return nil, false
		}
		out = append(out, posting{time.Unix(sec, 0).UTC(), seq, end})
	}
	return out, len(v) == 0
}

func parsePostings(v []byte) ([]posting, bool) {
	if len(v) > 0 && v[0] == postingsV2 {
		return parsePostingsV2(v)
	}
	var out []posting
	for len(v) > 0 {
		line, rest, _ := bytes.Cut(v, []byte{'\n'})
		v = rest
		inv, fields, ok := strings.Cut(string(line), " ")
		if !ok {
			return nil, false
		}
		seq, end, hasEnd := strings.Cut(fields, " ")
		at, ok1 := parseInvTime(inv)
		n, err := strconv.ParseUint(seq, 10, 64)
		if !ok1 || err != nil {
			return nil, false
		}
		var e uint64
		if hasEnd {
			if e, err = strconv.ParseUint(end, 10, 64); err != nil {
				return nil, false
			}
		}
		out = append(out, posting{at, n, e})
	}
	return out, true
}

// Query selects records for Lookup.
type Query struct {
	Attr  Attribute // All (or "") for every record
	Value string
	// Start and End bound the event time, inclusive, at second precision; zero means open.
	Start, End time.Time
	Limit      int    // 1..; default 50
	NextToken  string // from a previous result
}

// Found is one record found by Lookup.
type Found struct {
	Entry *Entry
	Event *Event
}

// ErrBadToken is returned (wrapped, kind Invalid) for a NextToken that does not belong to the query.
var ErrBadToken = errors.New("invalid next token")

// Lookup returns the records that match q, newest first (to within rowSpan across index rows),
// and a token for the next page ("" when there is none). It reads the index rows of the records
// it returns, and those records.
func Lookup(ctx context.Context, r store.Reader, q Query) ([]Found, string, error) {
	if q.Attr == "" {
		q.Attr = All
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Attr == EventID {
		return lookupID(ctx, r, q)
	}
	prefix := attrPrefix(q.Attr, q.Value)
	var endMax time.Time
	after := ""
	if !q.End.IsZero() {
		endMax = q.End.Truncate(time.Second).Add(time.Second - 1)
		n, _ := strconv.ParseUint(invTime(endMax.Add(rowSpan)), 10, 64)
		if n > 0 {
			after = prefix + fmt.Sprintf("%019d", n-1) + "~"
		}
	}
	var start time.Time
	if !q.Start.IsZero() {
		start = q.Start.Truncate(time.Second)
	}
	var out []Found
	blocks := &blockReader{r: r}
	// scan takes the postings of one row from index skip; it reports a token when the page is
	// full and more matches follow, and done when the rows are too old to match.
	scan := func(key string, value []byte, skip int) (token string, done bool, err error) {
		rest := key[len(prefix):]
		inv, tail, ok := strings.Cut(rest, "/")
		rowTime, ok2 := parseInvTime(inv)
		chain, _, ok3 := parseSeqKey(tail)
		ps, ok4 := parsePostings(value)
		if !ok || !ok2 || !ok3 || !ok4 {
			return "", false, nil // not an index row of ours: skip
		}
		if !start.IsZero() && rowTime.Before(start) {
			return "", true, nil
		}
		for i := skip; i < len(ps); i++ {
			p := ps[i]
			if (!endMax.IsZero() && p.at.After(endMax)) || (!start.IsZero() && p.at.Before(start)) {
				continue
			}
			if len(out) == q.Limit {
				return base64.RawURLEncoding.EncodeToString([]byte(key + "#" + strconv.Itoa(i))), true, nil
			}
			f, err := blocks.found(ctx, chain, p.seq, p.end)
			if err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue // a posting without its entry: the verifier reports the gap
				}
				return "", true, err
			}
			out = append(out, *f)
		}
		return "", false, nil
	}
	if q.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(q.NextToken)
		key, n, ok := strings.Cut(string(raw), "#")
		skip, aerr := strconv.Atoi(n)
		if err != nil || !ok || aerr != nil || skip < 0 || !strings.HasPrefix(key, prefix) {
			return nil, "", E(Invalid, "lookup", ErrBadToken)
		}
		rec, err := r.Get(ctx, NSIndex, key)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, "", E(Invalid, "lookup", ErrBadToken)
			}
			return nil, "", E(Unavailable, "lookup", err)
		}
		tok, done, err := scan(key, rec.Value, skip)
		if err != nil || done {
			return out, tok, err
		}
		if key > after {
			after = key
		}
	}
	for {
		recs, err := listFrom(ctx, r, NSIndex, prefix, after, 16)
		if err != nil {
			return nil, "", E(Unavailable, "lookup", err)
		}
		for _, rec := range recs {
			tok, done, err := scan(rec.Key, rec.Value, 0)
			if err != nil || done {
				return out, tok, err
			}
			after = rec.Key
		}
		if len(recs) < 16 {
			return out, "", nil
		}
	}
}

// lookupID finds a record by its event id, which names its chain and position.
func lookupID(ctx context.Context, r store.Reader, q Query) ([]Found, string, error) {
	if q.NextToken != "" {
		return nil, "", E(Invalid, "lookup", ErrBadToken)
	}
	tag, seq, err := decodeEventID(q.Value)
	if err != nil {
		return nil, "", nil
	}
	var chains []ChainID
	if err := listAll(ctx, r, NSHead, func(rec store.Record) error {
		if c := ChainID(rec.Key); chainTag(c) == tag {
			chains = append(chains, c)
		}
		return nil
	}); err != nil {
		return nil, "", err
	}
	b := &blockReader{r: r}
	for _, c := range chains {
		f, err := b.found(ctx, c, seq, 0)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		t := f.Event.Time()
		if f.Event.EventID != q.Value || (!q.Start.IsZero() && t.Before(q.Start.Truncate(time.Second))) || (!q.End.IsZero() && t.After(q.End)) {
			continue
		}
		return []Found{*f}, "", nil
	}
	return nil, "", nil
}

// listFrom lists up to limit keys of ns that start with prefix and follow after ("" = from the
// start), in order. The SQLite driver bounds a listing below by its prefix and filters StartAfter
// row by row, so a listing that starts deep inside a long prefix would read every row before it.
// listFrom therefore lists under ever shorter prefixes of after: each starts close to after, and
// together they return the keys in order (keys sharing a longer prefix with after sort first).
func listFrom(ctx context.Context, r store.Reader, ns, prefix, after string, limit int) ([]store.Record, error) {
	if after == "" || !strings.HasPrefix(after, prefix) {
		if after == "" || after < prefix {
			return r.List(ctx, ns, store.ListOptions{Prefix: prefix, Limit: limit})
		}
		return nil, nil
	}
	var out []store.Record
	cur := after
	for n := len(after) - 1; ; n -= 3 {
		if n < len(prefix) {
			n = len(prefix)
		}
		recs, err := r.List(ctx, ns, store.ListOptions{Prefix: after[:n], StartAfter: cur, Limit: limit - len(out)})
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
		if len(out) >= limit || n == len(prefix) {
			return out, nil
		}
		if len(recs) > 0 {
			cur = recs[len(recs)-1].Key
		}
	}
}

// blockReader loads entries by position, keeping the last block it read (postings of one
// index row usually point into one block).
type blockReader struct {
	r    store.Reader
	key  string // of the block in data
	data []byte
}

// entry returns entry seq of chain. end, when known (from the posting), is the key of its block;
// otherwise the block is the first whose key (its last sequence number) is at least seq.
func (b *blockReader) entry(ctx context.Context, chain ChainID, seq, end uint64) (*Entry, error) {
	if e := b.find(chain, seq); e != nil {
		return e, nil
	}
	if end >= seq {
		rec, err := b.r.Get(ctx, NSLog, seqKey(chain, end))
		switch {
		case err == nil:
			if e, err := b.load(rec, chain, seq); e != nil || err != nil {
				return e, err
			}
			// Not in the block the posting names (the writer cut it short): search.
		case !errors.Is(err, store.ErrNotFound):
			return nil, E(Unavailable, "lookup", err)
		}
	}
	recs, err := listFrom(ctx, b.r, NSLog, string(chain)+"/", seqKey(chain, seq-1), 1)
	if err != nil {
		return nil, E(Unavailable, "lookup", err)
	}
	if len(recs) == 0 {
		return nil, store.ErrNotFound
	}
	if e, err := b.load(recs[0], chain, seq); e != nil || err != nil {
		return e, err
	}
	return nil, store.ErrNotFound
}

// load makes rec the cached block and returns entry seq of chain from it (nil when it is not
// there).
func (b *blockReader) load(rec store.Record, chain ChainID, seq uint64) (*Entry, error) {
	data, err := blockLines(rec.Value)
	if err != nil {
		return nil, err
	}
	b.key, b.data = rec.Key, data
	return b.find(chain, seq), nil
}

// find decodes entry seq of chain from the cached block, if it is there. Entries begin with a
// fixed layout (Entry.Marshal), so only the wanted line is decoded.
func (b *blockReader) find(chain ChainID, seq uint64) *Entry {
	if b.data == nil {
		return nil
	}
	head := []byte(`{"v":1,"chain":"` + string(chain) + `","seq":` + strconv.FormatUint(seq, 10) + `,`)
	data := b.data
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		if bytes.HasPrefix(line, head) {
			if e, err := DecodeEntry(line); err == nil && e.Chain == chain && e.Seq == seq {
				return e
			}
		}
	}
	return nil
}

func (b *blockReader) found(ctx context.Context, chain ChainID, seq, end uint64) (*Found, error) {
	e, err := b.entry(ctx, chain, seq, end)
	if err != nil {
		return nil, err
	}
	ev, err := ParseEvent(e.Event)
	if err != nil {
		return nil, E(Corrupt, "lookup", err)
	}
	return &Found{Entry: e, Event: ev}, nil
}
