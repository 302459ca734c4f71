package audit

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/uuid"
)

// Store namespaces (see the package documentation).
const (
	NSLog    = "audit/log"
	NSHead   = "audit/head"
	NSDigest = "audit/digest"
	NSIndex  = "audit/idx"
	// NSIndexMark holds, per chain, the last sequence number whose postings are in NSIndex.
	NSIndexMark = "audit/idxmark"
)

// Options configures Open. Nil means defaults.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // default time.Now
	Rand   io.Reader        // event ids and fresh chain ids; default crypto/rand
	// Chain is this process's chain id; default a fresh random one.
	Chain ChainID
	// A permanent digest is written after DigestEvery records (default 1000) or DigestInterval
	// (default 1 minute) when records were added since the last one, and on Close.
	DigestEvery    int
	DigestInterval time.Duration
	// MaxBatch caps the records of one transaction and log block (default 256).
	MaxBatch int
	// IndexInterval is how long the index postings of committed records may wait in memory
	// before a commit writes them (default 250 ms). They are also written with every digest,
	// on Close, and before this process answers LookupEvents (SyncIndex).
	IndexInterval time.Duration
	// IndexEvery is how many postings may wait before a commit writes them (default 16384).
	IndexEvery int
}

// Log is the durable audit log. It implements server.Auditor.
type Log struct {
	st      store.Store
	signer  Signer
	account identity.AccountID
	log     *slog.Logger
	now     func() time.Time
	rand    io.Reader
	randMu  sync.Mutex

	digestEvery    int
	digestInterval time.Duration
	maxBatch       int
	idxInterval    time.Duration
	idxEvery       int

	in      chan *pending
	syncReq chan chan error // SyncIndex asks the writer to store the waiting postings
	quit    chan struct{}
	done    chan struct{}
	closeMu sync.RWMutex
	closed  bool

	extras sync.Map // *awsproto.Call → []*prepared, added by Add before Record

	// Writer state, owned by the writer goroutine.
	chain       ChainID
	seq         uint64
	last        Hash
	headVersion int64
	digestSeq   uint64
	digestAt    time.Time
	stale       bool // a commit failed: reload the head before the next one
	idxNow      bool // the next commit writes the waiting postings (SyncIndex)
	// Postings of committed records not yet in NSIndex (of chain idxChain), and when the index
	// was last written.
	idxPending  *postings
	idxChain    ChainID
	idxAt       time.Time
	idxMarked   bool   // the chain has its NSIndexMark row
	idxChainSeq uint64 // after a chain switch: the old chain's last record (see commit)
	switched    bool   // this process moved off the chain it opened
	lines       []byte // entry lines of the batch being committed
	scratch     []byte // its log blocks, compressed
	finalErr    error
}

// blockRecords caps the entries of one log block, so that reading one record (LookupEvents)
// reads at most this many.
const blockRecords = 32

// prepared is a record ready for the writer: canonical bytes (with a placeholder event id at
// idAt), index key prefixes and the time the index orders it by.
type prepared struct {
	event []byte
	idAt  int
	index []string
	at    time.Time
}

type pending struct {
	recs []*prepared
	done chan error
}

// Open starts the log on st, signing digests with signer (the key ring). It resumes the chain
// named in opts (or starts a new one).
func Open(ctx context.Context, st store.Store, signer Signer, account identity.AccountID, opts *Options) (*Log, error) {
	l := &Log{st: st, signer: signer, account: account, log: slog.New(slog.DiscardHandler), now: time.Now,
		rand: rand.Reader, digestEvery: 1000, digestInterval: time.Minute, maxBatch: 256,
		idxInterval: 250 * time.Millisecond, idxEvery: 16384, idxPending: newPostings(),
		in: make(chan *pending, 4096), syncReq: make(chan chan error), quit: make(chan struct{}), done: make(chan struct{})}
	if opts != nil {
		if opts.Logger != nil {
			l.log = opts.Logger
		}
		if opts.Now != nil {
			l.now = opts.Now
		}
		if opts.Rand != nil {
			l.rand = opts.Rand
		}
		if opts.DigestEvery > 0 {
			l.digestEvery = opts.DigestEvery
		}
		if opts.DigestInterval > 0 {
			l.digestInterval = opts.DigestInterval
		}
		if opts.MaxBatch > 0 {
			l.maxBatch = opts.MaxBatch
		}
		if opts.IndexInterval > 0 {
			l.idxInterval = opts.IndexInterval
		}
		if opts.IndexEvery > 0 {
			l.idxEvery = opts.IndexEvery
		}
		l.chain = opts.Chain
	}
	if l.chain == "" {
		id, err := NewChainID(l.rand)
		if err != nil {
			return nil, E(Unavailable, "open", err)
		}
		l.chain = id
	}
	if !l.chain.Valid() {
		return nil, E(Invalid, "open", fmt.Errorf("chain id %q", l.chain))
	}
	if err := l.loadHead(ctx); err != nil {
		return nil, err
	}
	if err := l.loadIndex(ctx); err != nil {
		return nil, err
	}
	l.digestSeq = l.seq
	l.digestAt = l.now()
	l.idxAt = l.digestAt
	go l.writer()
	return l, nil
}

// Chain returns the id of the chain this log currently extends.
func (l *Log) Chain() ChainID { return l.chain }

func (l *Log) loadHead(ctx context.Context) error {
	rec, err := l.st.Get(ctx, NSHead, string(l.chain))
	switch {
	case errors.Is(err, store.ErrNotFound):
		l.seq, l.last, l.headVersion = 0, Hash{}, 0
	case err != nil:
		return E(Unavailable, "read chain head", err)
	default:
		d, err := DecodeDigest(rec.Value)
		if err != nil {
			return err
		}
		l.seq, l.last, l.headVersion = d.Seq, d.Hash, rec.Version
	}
	l.stale = false
	return nil
}

// loadIndex reads how far the chain's postings are stored and rebuilds in memory those of the
// records after that: they were committed, but the process stopped before writing their
// postings. A chain without a readable mark is new, or was indexed with every commit by an
// earlier release: the first commit writes its mark, with the first postings left waiting.
func (l *Log) loadIndex(ctx context.Context) error {
	l.idxChain, l.idxPending, l.idxMarked = l.chain, newPostings(), false
	rec, err := l.st.Get(ctx, NSIndexMark, string(l.chain))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return E(Unavailable, "read index mark", err)
	}
	mark, err := strconv.ParseUint(string(rec.Value), 10, 64)
	if err != nil || mark > l.seq {
		// Not something this process wrote: nothing to rebuild (Verify checks the chain).
		l.log.Warn("audit index mark does not match the chain head", "chain", string(l.chain), "mark", string(rec.Value), "head", l.seq)
		return nil
	}
	l.idxMarked = true
	if err := l.replay(ctx, mark); err != nil {
		return err
	}
	if n := l.idxPending.n; n > 0 {
		l.log.Info("audit index: postings of records committed before a restart rebuilt", "chain", string(l.chain), "postings", n)
	}
	return nil
}

// replay adds to the waiting postings those of the chain's records after seq, up to the head,
// from their blocks. A block or record it cannot read is skipped (Verify reports it): it must
// not keep the log from opening.
func (l *Log) replay(ctx context.Context, seq uint64) error {
	after := seqKey(l.chain, seq)
	for seq < l.seq {
		recs, err := listFrom(ctx, l.st, NSLog, string(l.chain)+"/", after, 16)
		if err != nil {
			return E(Unavailable, "read log", err)
		}
		if len(recs) == 0 {
			return nil // the verifier reports the missing records
		}
		for _, r := range recs {
			after = r.Key
			_, end, _ := parseSeqKey(r.Key)
			entries, err := DecodeBlock(r.Value)
			if err != nil {
				l.log.Warn("audit index: unreadable log block not indexed", "block", r.Key, "err", err)
				continue
			}
			for _, e := range entries {
				if e.Seq <= seq || e.Seq > l.seq || e.Chain != l.chain {
					continue
				}
				ev, err := ParseEvent(e.Event)
				if err != nil {
					l.log.Warn("audit index: unreadable record not indexed", "chain", string(l.chain), "seq", e.Seq, "err", err)
					continue
				}
				for _, pre := range indexPrefixes(ev) {
					l.idxPending.add(pre, ev.Time(), e.Seq, end)
				}
			}
			if end >= l.seq {
				return nil
			}
		}
	}
	return nil
}

// SyncIndex stores the postings of every record committed so far, so that a lookup in the store
// finds them. LookupEvents calls it (through Slot's reader) before it reads the index.
func (l *Log) SyncIndex(ctx context.Context) error {
	l.closeMu.RLock()
	if l.closed {
		l.closeMu.RUnlock()
		<-l.done // Close writes them
		return l.finalErr
	}
	ch := make(chan error, 1)
	select {
	case l.syncReq <- ch:
	case <-ctx.Done():
		l.closeMu.RUnlock()
		return ctx.Err()
	}
	l.closeMu.RUnlock()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newEventID returns a random UUID (version 4) from the log's random source.
func (l *Log) newEventID() string {
	l.randMu.Lock()
	defer l.randMu.Unlock()
	return uuid.New(l.rand)
}

// encodeBuffers hold records while they are encoded.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (l *Log) prepare(e *Event, at time.Time) (*prepared, error) {
	buf := encodeBuffers.Get().(*[]byte)
	data, idAt, err := appendEvent((*buf)[:0], e)
	if err != nil {
		encodeBuffers.Put(buf)
		return nil, E(Invalid, "encode record", err)
	}
	// The record waits for its commit: keep it in a slice of its own size.
	*buf, data = data, append([]byte(nil), data...)
	if cap(*buf) <= 64<<10 {
		encodeBuffers.Put(buf)
	}
	if len(data) > maxBlockBytes/4 {
		// Unreachable with the server's body limits; a block must stay readable.
		return nil, E(Invalid, "encode record", fmt.Errorf("record of %d bytes", len(data)))
	}
	if idAt < 0 || len(e.EventID) != 36 {
		return nil, E(Invalid, "encode record", errors.New("event id placeholder not found"))
	}
	return &prepared{event: data, idAt: idAt, index: indexPrefixes(e), at: at}, nil
}

// idRandom returns the random parts of n event ids, read at once.
func (l *Log) idRandom(n int) []byte {
	rnd := make([]byte, 6*n)
	l.randMu.Lock()
	_, err := io.ReadFull(l.rand, rnd)
	l.randMu.Unlock()
	if err != nil {
		rand.Read(rnd)
	}
	return rnd
}

// assignID overwrites the placeholder with the id of record seq of chain; rnd is its random part.
func (l *Log) assignID(p *prepared, chain ChainID, seq uint64, rnd [6]byte) {
	copy(p.event[p.idAt:p.idAt+36], encodeEventID(chain, seq, rnd))
}

// Record implements server.Auditor: it builds the request's record, plus any added with Add,
// and returns once they are durable.
func (l *Log) Record(ctx context.Context, c *awsproto.Call, status int, info *identity.RequestInfo) error {
	if info == nil {
		info = identity.RequestInfoFrom(ctx)
	}
	p, err := l.prepare(Build(c, status, info, l.account, l.newEventID()), info.Time)
	if err != nil {
		return err
	}
	recs := []*prepared{p}
	if x, ok := l.extras.LoadAndDelete(c); ok {
		recs = append(recs, x.([]*prepared)...)
	}
	return l.write(recs)
}

// Extra is a record that domain code adds to the current request, beside the request's own
// (Lake Formation's GetDataAccess). The caller, time, request id and region come from the
// request.
type Extra struct {
	EventName   string
	EventSource string // default the request's service: "<svc>.amazonaws.com"
	ReadOnly    bool
	Input       any // requestParameters
	Output      any // responseElements
	Resources   []awsproto.Resource
	Data        map[string]any  // additionalEventData
	Err         *awsproto.Error // errorCode/errorMessage
	DataEvent   bool
}

// Add records x as an extra event of the request in ctx; it is written with the request's own
// record, in the same transaction. Outside a request it is written at once.
func (l *Log) Add(ctx context.Context, x *Extra) error {
	info := identity.RequestInfoFrom(ctx)
	c := awsproto.CallFrom(ctx)
	base := &awsproto.Call{}
	if c != nil {
		*base = *c
	} else {
		base.Principal = identity.FromContext(ctx)
		base.RequestID = info.RequestID
	}
	base.Operation = x.EventName
	base.Input, base.Output, base.Resources, base.Extra, base.Err, base.DataEvent = x.Input, x.Output, x.Resources, x.Data, x.Err, x.DataEvent
	e := Build(base, 200, info, l.account, l.newEventID())
	e.ReadOnly = x.ReadOnly
	if x.EventSource != "" {
		e.EventSource = x.EventSource
	}
	p, err := l.prepare(e, info.Time)
	if err != nil {
		return err
	}
	if c == nil {
		return l.write([]*prepared{p})
	}
	for {
		old, loaded := l.extras.LoadOrStore(c, []*prepared{p})
		if !loaded {
			return nil
		}
		next := append(append([]*prepared(nil), old.([]*prepared)...), p)
		if l.extras.CompareAndSwap(c, old, next) {
			return nil
		}
	}
}

// write hands recs to the writer and waits until they are durable.
func (l *Log) write(recs []*prepared) error {
	l.closeMu.RLock()
	if l.closed {
		l.closeMu.RUnlock()
		return E(Unavailable, "record", errors.New("log closed"))
	}
	p := &pending{recs: recs, done: make(chan error, 1)}
	l.in <- p
	l.closeMu.RUnlock()
	return <-p.done
}

// Close writes any queued records and a final digest and stops the writer. Record fails after
// Close.
func (l *Log) Close() error {
	l.closeMu.Lock()
	if l.closed {
		l.closeMu.Unlock()
		return nil
	}
	l.closed = true
	close(l.quit)
	l.closeMu.Unlock()
	<-l.done
	return l.finalErr
}

func (l *Log) writer() {
	defer close(l.done)
	tick := time.NewTicker(min(l.digestInterval, 10*time.Second, l.idxInterval))
	defer tick.Stop()
	var batch []*pending
	for {
		batch = batch[:0]
		select {
		case p := <-l.in:
			batch = append(batch, p)
		case ch := <-l.syncReq:
			var err error
			if l.idxPending.n > 0 {
				l.idxNow = true
				if err = l.commit(nil, false); err != nil {
					l.log.Error("audit index write failed", "err", err)
				}
			}
			ch <- err
			continue
		case <-tick.C:
			now := l.now()
			switch {
			case l.seq > l.digestSeq && now.Sub(l.digestAt) >= l.digestInterval:
				if err := l.commit(nil, true); err != nil {
					l.log.Error("audit digest failed", "err", err)
				}
			case l.idxPending.n > 0 && now.Sub(l.idxAt) >= l.idxInterval:
				if err := l.commit(nil, false); err != nil {
					l.log.Error("audit index write failed", "err", err)
				}
			}
			continue
		case <-l.quit:
			// No sender can be mid-send: Close holds the write lock while closing quit.
			for {
				select {
				case p := <-l.in:
					p.done <- l.commit([]*pending{p}, false)
					continue
				default:
				}
				break
			}
			if l.seq > l.digestSeq || l.idxPending.n > 0 {
				l.finalErr = l.commit(nil, true)
			}
			return
		}
		n := len(batch[0].recs)
		// Let the request goroutines that are ready to run reach write before the batch is
		// closed: a signature and a transaction per batch cost far more than a record, and
		// yielding costs nothing when no one else is runnable (on a busy 2-core machine it took
		// batches from 1.3 to 4.4 records).
		if n+len(l.in) < l.maxBatch {
			runtime.Gosched()
		}
	fill:
		for n < l.maxBatch {
			select {
			case p := <-l.in:
				batch = append(batch, p)
				n += len(p.recs)
			default:
				break fill
			}
		}
		err := l.commit(batch, false)
		for _, p := range batch {
			p.done <- err
		}
	}
}

// commit writes the batch's records, the signed head and, when due (or forced), a digest, in
// one transaction.
func (l *Log) commit(batch []*pending, forceDigest bool) error {
	err := l.tryCommit(batch, forceDigest)
	if errors.Is(err, store.ErrConflict) {
		// Another process extends this chain: move to a fresh one.
		old := l.chain
		id, nerr := NewChainID(l.rand)
		if nerr != nil {
			return E(Unavailable, "record", nerr)
		}
		l.log.Warn("audit chain is written by another process; starting a new chain", "old_chain", string(old), "new_chain", string(id))
		// The waiting postings are the old chain's up to here. No restart reopens the new
		// chain (the data directory names the old one), so it is indexed with every commit.
		l.idxChainSeq, l.switched = l.seq, true
		l.chain, l.seq, l.last, l.headVersion, l.digestSeq = id, 0, Hash{}, 0, 0
		err = l.tryCommit(batch, forceDigest)
	}
	if err != nil {
		l.stale = true
		if se := new(Error); errors.As(err, &se) {
			return err
		}
		return E(Unavailable, "record", err)
	}
	return nil
}

func (l *Log) tryCommit(batch []*pending, forceDigest bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if l.stale {
		prev, chain := l.seq, l.chain
		if err := l.loadHead(ctx); err != nil {
			return err
		}
		if l.chain == chain && l.idxChain == chain && l.seq > prev {
			// A commit reported as failed was stored after all (its acknowledgement was lost):
			// its postings, dropped with the failure, come back from its blocks.
			if err := l.replay(ctx, prev); err != nil {
				return err
			}
		}
	}
	type blockRow struct {
		key  string
		data []byte
	}
	var blocks []blockRow
	// The blocks are compressed into the writer's scratch buffer from its lines buffer: the
	// store copies values, so both are reused by the next commit (a block that outgrew them
	// keeps the old arrays alive until then).
	l.lines, l.scratch = l.lines[:0], l.scratch[:0]
	cut := func(key string, raw []byte) {
		start := len(l.scratch)
		l.scratch = compressBlock(l.scratch, raw)
		blocks = append(blocks, blockRow{key, l.scratch[start:len(l.scratch):len(l.scratch)]})
	}
	blockStart := 0
	inBlock := 0
	// The batch's postings join those waiting; a failed commit takes them out again. Only after
	// the chain changed (see commit) are they kept apart, under the new chain's name.
	base := l.seq
	sameChain := l.idxChain == l.chain
	postings := l.idxPending
	if !sameChain {
		postings = newPostings()
	}
	seq, last := l.seq, l.last
	total := uint64(0)
	for _, p := range batch {
		total += uint64(len(p.recs))
	}
	rnd := l.idRandom(int(total))
	for _, p := range batch {
		for _, r := range p.recs {
			seq++
			// The block that will hold this record ends at blockEnd, unless the block is cut
			// early for its size; postings name it, so a reader usually fetches the block with
			// one point read (and searches when the block was cut).
			i := seq - l.seq - 1
			blockEnd := l.seq + min((i/blockRecords+1)*blockRecords, total)
			l.assignID(r, l.chain, seq, [6]byte(rnd[6*i:]))
			e := Entry{Chain: l.chain, Seq: seq, Prev: last, Hash: EntryHash(l.chain, seq, last, r.event), Event: r.event}
			last = e.Hash
			l.lines = append(e.appendTo(l.lines), '\n')
			if inBlock++; inBlock == blockRecords || len(l.lines)-blockStart >= maxBlockBytes/4 {
				cut(seqKey(l.chain, seq), l.lines[blockStart:])
				blockStart, inBlock = len(l.lines), 0
			}
			for _, pre := range r.index {
				// At the record's eventTime (whole seconds), as a rebuild from the log sees it.
				postings.add(pre, r.at.Truncate(time.Second), seq, blockEnd)
			}
		}
	}
	if inBlock > 0 {
		cut(seqKey(l.chain, seq), l.lines[blockStart:])
	}
	now := l.now()
	head := signDigest(l.signer, l.chain, seq, last, now)
	headJSON, err := head.Marshal()
	if err != nil {
		return E(Invalid, "encode chain head", err)
	}
	digest := forceDigest || seq-l.digestSeq >= uint64(l.digestEvery) || (seq > l.digestSeq && now.Sub(l.digestAt) >= l.digestInterval)
	// The postings wait in memory and are written a few times a second, merged: an index row
	// costs SQLite about as much as a whole log block, and with every commit writing one per
	// lookup attribute the index was most of a commit.
	waiting := l.idxPending.n
	if !sameChain {
		waiting += postings.n
	}
	// A chain's first commit in this process writes its postings with its mark.
	writeIndex := waiting > 0 && (digest || l.idxNow || !sameChain || l.switched || !l.idxMarked ||
		waiting >= l.idxEvery || now.Sub(l.idxAt) >= l.idxInterval)
	var idx []indexRow
	if writeIndex {
		idx = l.idxPending.rows(l.idxChain)
		if !sameChain {
			idx = append(idx, postings.rows(l.chain)...)
		}
	}
	var headRec store.Record
	err = l.st.Update(ctx, func(tx store.Tx) error {
		for _, b := range blocks {
			if _, err := tx.Create(ctx, NSLog, b.key, b.data); err != nil {
				if errors.Is(err, store.ErrExists) {
					return store.ErrConflict // someone else wrote this position
				}
				return err
			}
		}
		for _, row := range idx {
			if _, err := tx.Put(ctx, NSIndex, row.key, row.value); err != nil {
				return err
			}
		}
		if writeIndex && !sameChain {
			if err := raiseMark(ctx, tx, l.idxChain, l.idxChainSeq); err != nil {
				return err
			}
		}
		switch {
		case writeIndex:
			if _, err := tx.Put(ctx, NSIndexMark, string(l.chain), strconv.AppendUint(nil, seq, 10)); err != nil {
				return err
			}
		case !l.idxMarked:
			// Nothing waits: every record so far has its postings stored.
			if _, err := tx.Put(ctx, NSIndexMark, string(l.chain), strconv.AppendUint(nil, l.seq, 10)); err != nil {
				return err
			}
		}
		var err error
		if headRec, err = tx.PutIfVersion(ctx, NSHead, string(l.chain), headJSON, l.headVersion); err != nil {
			return err
		}
		if digest && seq > 0 {
			if _, err := tx.Put(ctx, NSDigest, seqKey(l.chain, seq), headJSON); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if sameChain {
			l.idxPending.dropAfter(base)
		}
		return err
	}
	l.seq, l.last, l.headVersion = seq, last, headRec.Version
	if digest {
		l.digestSeq, l.digestAt = seq, now
	}
	l.idxMarked = true
	if writeIndex {
		l.idxPending, l.idxChain, l.idxAt, l.idxNow = newPostings(), l.chain, now, false
	}
	return nil
}

// raiseMark records that chain's postings are stored up to seq, unless its mark is already past
// it (the other process that writes the chain may have moved it on).
func raiseMark(ctx context.Context, tx store.Tx, chain ChainID, seq uint64) error {
	rec, err := tx.Get(ctx, NSIndexMark, string(chain))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		if cur, perr := strconv.ParseUint(string(rec.Value), 10, 64); perr == nil && cur >= seq {
			return nil
		}
	}
	_, err = tx.Put(ctx, NSIndexMark, string(chain), strconv.AppendUint(nil, seq, 10))
	return err
}
