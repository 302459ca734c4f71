package sigv4

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
)

// Verifying a signed payload is bounded by SHA-256. A readahead moves the network reads of a
// large body onto a goroutine of their own, so that they run on one core while the consumer
// hashes what has already arrived on another: the verified body then streams at close to the
// slower of the two instead of their sum.
//
// The readahead reads at most readaheadDepth buffers ahead. Its goroutine stops at the source's
// end or error, when ctx ends, or when Close is called; it checks before every read of the
// source, and Close waits for it, so that once Close has returned nothing reads the request body
// (the server closes the verified body before ServeHTTP returns, as net/http requires). A read
// already under way when Close is called is waited for.

const (
	readaheadBuf   = 256 << 10
	readaheadDepth = 4
	// readaheadMin is the smallest body worth a goroutine: below it, the reads are few.
	readaheadMin = 1 << 20
)

var readaheadPool = sync.Pool{New: func() any { b := make([]byte, readaheadBuf); return &b }}

type readahead struct {
	src  io.Reader
	ctx  context.Context
	full chan *[]byte // filled buffers, in order; closed after the last, with err set
	free chan *[]byte // buffers the consumer has emptied
	stop chan struct{}
	done chan struct{} // closed when the goroutine has returned

	started  bool
	stopOnce sync.Once
	err      error // the source's final error, valid once full is closed

	cur *[]byte
	off int
}

// newReadahead returns a reader of src that reads ahead on its own goroutine, started at the
// first Read (so that a 100-continue is only sent once the body is wanted).
func newReadahead(ctx context.Context, src io.Reader) *readahead {
	return &readahead{src: src, ctx: ctx,
		full: make(chan *[]byte, readaheadDepth), free: make(chan *[]byte, readaheadDepth), stop: make(chan struct{}), done: make(chan struct{})}
}

// errReadaheadClosed is what Read returns after Close.
var errReadaheadClosed = errors.New("sigv4: body closed")

func (ra *readahead) run() {
	defer close(ra.done)
	defer close(ra.full)
	for i := 0; ; i++ {
		var b *[]byte
		if i < readaheadDepth {
			b = readaheadPool.Get().(*[]byte)
		} else {
			select {
			case b = <-ra.free:
			case <-ra.stop:
			case <-ra.ctx.Done():
			}
		}
		if b == nil || ra.halted(b) {
			return
		}
		buf := (*b)[:cap(*b)]
		n, err := 0, error(nil)
		for n == 0 && err == nil {
			n, err = ra.src.Read(buf)
		}
		if n == 0 {
			readaheadPool.Put(b)
		} else {
			*b = buf[:n]
			select {
			case ra.full <- b: // the consumer's now
			case <-ra.stop:
				ra.halted(b)
				return
			case <-ra.ctx.Done():
				ra.halted(b)
				return
			}
		}
		if err != nil {
			ra.err = err
			return
		}
	}
}

// halted reports whether Close or the context has ended the goroutine, and then sets the error
// Read reports and returns b (not handed on) to the pool.
func (ra *readahead) halted(b *[]byte) bool {
	var err error
	select {
	case <-ra.stop:
		err = errReadaheadClosed
	case <-ra.ctx.Done():
		err = ra.ctx.Err()
	default:
	}
	if err == nil {
		return false
	}
	if b != nil {
		readaheadPool.Put(b)
	}
	ra.err = err
	return true
}

// Read implements io.Reader.
func (ra *readahead) Read(p []byte) (int, error) {
	if !ra.started {
		ra.started = true
		go ra.run()
	}
	if len(p) == 0 {
		return 0, nil
	}
	select {
	case <-ra.stop:
		return 0, errReadaheadClosed
	default:
	}
	if ra.cur == nil {
		b, ok := <-ra.full
		if !ok {
			return 0, ra.err
		}
		ra.cur, ra.off = b, 0
	}
	n := copy(p, (*ra.cur)[ra.off:])
	ra.off += n
	if ra.off == len(*ra.cur) {
		select {
		case ra.free <- ra.cur:
		default: // the goroutine has ended; the buffer goes to the pool with the others
			readaheadPool.Put(ra.cur)
		}
		ra.cur = nil
	}
	return n, nil
}

// Close stops the goroutine and waits until it has returned (see above). Read fails after it.
func (ra *readahead) Close() {
	ra.stopOnce.Do(func() { close(ra.stop) })
	if ra.started {
		<-ra.done
	}
}

// readaheadFor wraps src in a readahead when the body is large or of unknown length.
func readaheadFor(r *http.Request, src io.Reader) (io.Reader, *readahead) {
	if r.ContentLength >= 0 && r.ContentLength < readaheadMin {
		return src, nil
	}
	ra := newReadahead(r.Context(), src)
	return ra, ra
}
