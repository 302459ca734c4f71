package sts

import (
	"net/http"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
)

// Limits caps how often credentials are issued, per calling principal and in total, per replica.
// Zero rates are unlimited.
type Limits struct {
	PerPrincipal float64 // credential-issuing calls per second per principal ARN
	Global       float64 // per second for the whole replica
	Burst        int     // bucket size (default: one second's worth, at least 1)
}

type bucket struct {
	tokens float64
	last   time.Time
}

// limiter is a token-bucket limiter keyed by principal, plus a global bucket.
type limiter struct {
	limits Limits
	now    func() time.Time
	mu     sync.Mutex
	global bucket
	per    map[identity.ARN]*bucket
}

func newLimiter(l Limits, now func() time.Time) *limiter {
	if l.PerPrincipal == 0 && l.Global == 0 {
		return nil
	}
	return &limiter{limits: l, now: now, per: map[identity.ARN]*bucket{}}
}

func (l *limiter) burst(rate float64) float64 {
	if l.limits.Burst > 0 {
		return float64(l.limits.Burst)
	}
	return max(rate, 1)
}

func (l *limiter) take(b *bucket, rate float64, now time.Time) bool {
	if rate == 0 {
		return true
	}
	if b.last.IsZero() {
		b.tokens = l.burst(rate)
	} else {
		b.tokens = min(l.burst(rate), b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// allow reports whether p may be issued credentials now; the answer is AWS's Throttling error,
// which the SDKs retry with backoff.
func (l *limiter) allow(p *identity.Principal) error {
	if l == nil {
		return nil
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.per) > 100000 {
		clear(l.per) // bounded memory; a reset only forgives
	}
	b := l.per[p.ARN]
	if b == nil {
		b = &bucket{}
		l.per[p.ARN] = b
	}
	if !l.take(&l.global, l.limits.Global, now) || !l.take(b, l.limits.PerPrincipal, now) {
		return awsproto.Errorf(http.StatusBadRequest, "Throttling", "Rate exceeded")
	}
	return nil
}
