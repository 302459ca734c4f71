// Package backoff runs a transaction attempt again when the database says it lost a race,
// sleeping a jittered, exponentially growing delay between attempts ("full jitter": a uniform
// random delay in [0, min(Max, Base·2^n))), for at most Attempts attempts in total.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy bounds the retries.
type Policy struct {
	Attempts int           // total attempts, at least 1
	Base     time.Duration // delay cap before the second attempt
	Max      time.Duration // largest delay cap
}

// Default returns the policy of the SQL drivers. It suits tens of goroutines contending on one
// row under PostgreSQL SERIALIZABLE: each round lets one of them commit, so the bound must exceed
// the contention, while the total sleep stays under a few seconds.
func Default() Policy {
	return Policy{Attempts: 30, Base: 2 * time.Millisecond, Max: 200 * time.Millisecond}
}

// Delay returns the delay cap before attempt n+1 (n ≥ 1 attempts already failed).
func (p Policy) Delay(n int) time.Duration {
	d := p.Base
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// Do calls attempt until it returns an error for which retryable is false (or nil), the
// attempts are used up, or ctx ends. It returns the last error and the number of attempts made.
// onRetry, if not nil, is called before each sleep.
func (p Policy) Do(ctx context.Context, retryable func(error) bool, onRetry func(n int, err error), attempt func() error) (int, error) {
	attempts := max(p.Attempts, 1)
	for n := 1; ; n++ {
		err := attempt()
		if err == nil || !retryable(err) || n >= attempts {
			return n, err
		}
		if onRetry != nil {
			onRetry(n, err)
		}
		d := time.Duration(0)
		if c := p.Delay(n); c > 0 {
			d = rand.N(c)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return n, err
		case <-t.C:
		}
	}
}
