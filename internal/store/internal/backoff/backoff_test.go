package backoff

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var errRace = errors.New("race")
var errOther = errors.New("other")

func isRace(err error) bool { return errors.Is(err, errRace) }

func TestDo(t *testing.T) {
	p := Policy{Attempts: 4, Base: time.Microsecond, Max: 4 * time.Microsecond}
	tests := []struct {
		name      string
		results   []error // result of each attempt; the last repeats
		wantCalls int
		wantErr   error
	}{
		{"success first", []error{nil}, 1, nil},
		{"race then success", []error{errRace, errRace, nil}, 3, nil},
		{"other error not retried", []error{errOther}, 1, errOther},
		{"race then other", []error{errRace, errOther}, 2, errOther},
		{"exhausted", []error{errRace}, 4, errRace},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls, retries := 0, 0
			n, err := p.Do(context.Background(), isRace, func(int, error) { retries++ }, func() error {
				r := tc.results[min(calls, len(tc.results)-1)]
				calls++
				return r
			})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			got := []int{n, calls, retries}
			want := []int{tc.wantCalls, tc.wantCalls, tc.wantCalls - 1}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("[attempts calls retries] (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDoStopsOnContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := Policy{Attempts: 1000, Base: time.Hour, Max: time.Hour}
	calls := 0
	n, err := p.Do(ctx, isRace, func(int, error) { cancel() }, func() error { calls++; return errRace })
	if !errors.Is(err, errRace) || n != 1 || calls != 1 {
		t.Errorf("Do = %d, %v after %d calls; want 1, race, 1", n, err, calls)
	}
}

func TestDelay(t *testing.T) {
	p := Policy{Base: 2 * time.Millisecond, Max: 10 * time.Millisecond}
	var got []time.Duration
	for n := 1; n <= 5; n++ {
		got = append(got, p.Delay(n))
	}
	want := []time.Duration{2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Delay (-want +got):\n%s", diff)
	}
}
