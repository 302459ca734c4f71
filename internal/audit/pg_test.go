package audit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/store/pgstore"
	"github.com/sluicehq/sluice/internal/store/storetest"
)

// TestReplicasSharePostgres runs two "replicas", each with its own store connection and chain,
// writing concurrently to one PostgreSQL schema: both chains verify, and LookupEvents merges them
// newest first.
func TestReplicasSharePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	url := storetest.StartPostgres(t)
	ctx := context.Background()
	var logs []*Log
	for _, chain := range []ChainID{"c-one", "c-two"} {
		st, err := pgstore.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		logs = append(logs, openLog(t, st, &Options{Chain: chain, DigestEvery: 10}))
	}
	var wg sync.WaitGroup
	for i, l := range logs {
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fill(t, l, 10, t0.Add(time.Duration(i*4+g)*time.Minute))
			}()
		}
	}
	wg.Wait()
	for _, l := range logs {
		l.Close()
	}
	rep, err := Verify(ctx, logs[0].st, testRing(t), nil)
	if err != nil || !rep.OK() || rep.Chains != 2 || rep.Records != 80 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	found, _, err := Lookup(ctx, logs[0].st, Query{Limit: 50})
	if err != nil || len(found) != 50 {
		t.Fatalf("lookup: %d %v", len(found), err)
	}
	if found[0].Entry.Chain != "c-two" {
		t.Errorf("newest record from chain %s, want c-two", found[0].Entry.Chain)
	}
	for i := 1; i < len(found); i++ {
		if found[i].Event.Time().After(found[i-1].Event.Time().Add(rowSpan)) {
			t.Errorf("record %d is newer than record %d", i, i-1)
		}
	}
}
