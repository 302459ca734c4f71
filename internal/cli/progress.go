package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progress counts what a long read has received and, on a terminal, shows it on one line of
// stderr ("\r12,345 rows · 3.2 MB · 2.4 s") that disappears when the read ends. Reads shorter
// than the delay show nothing; when stderr is not a terminal it never writes.
type progress struct {
	r     io.Reader
	w     io.Writer
	label string
	rows  bool // the stream is text with one row per line (after a header line for CSV)
	start time.Time
	now   func() time.Time

	bytes, lines atomic.Int64
	mu           sync.Mutex
	shown        bool
	closeOnce    sync.Once
	stop         chan struct{}
	done         chan struct{}
}

// progressDelay is how long a read runs before its progress line appears.
const progressDelay = 700 * time.Millisecond

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// newProgress wraps r. With a nil w nothing is ever shown (only counted).
func newProgress(r io.Reader, w io.Writer, label string, rows bool, now func() time.Time) *progress {
	return &progress{r: r, w: w, label: label, rows: rows, now: now, start: now()}
}

// run updates the line every interval until Close; call it in its own goroutine.
func (p *progress) run(interval time.Duration) {
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.tick()
			}
		}
	}()
}

func (p *progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.bytes.Add(int64(n))
	if p.rows {
		c := int64(0)
		for _, x := range b[:n] {
			if x == '\n' {
				c++
			}
		}
		p.lines.Add(c)
	}
	return n, err
}

// tick draws the line once the delay has passed.
func (p *progress) tick() {
	if p.w == nil {
		return
	}
	el := p.now().Sub(p.start)
	if el < progressDelay {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[K%s", p.line(el))
	p.shown = true
}

// line is the text of the progress line.
func (p *progress) line(el time.Duration) string {
	s := p.label + ": "
	if p.rows {
		s += groupDigits(p.lines.Load()) + " lines · "
	}
	return s + humanBytes(p.bytes.Load()) + " · " + fmt.Sprintf("%.1f s", el.Seconds())
}

// Close stops the updates and erases the line; later calls do nothing.
func (p *progress) Close() {
	p.closeOnce.Do(func() {
		if p.stop != nil {
			close(p.stop)
			<-p.done
		}
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
