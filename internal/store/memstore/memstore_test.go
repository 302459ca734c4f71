package memstore_test

import (
	"testing"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
	"github.com/sluicehq/sluice/internal/store/storetest"
)

func open(t *testing.T) store.Store {
	s := memstore.New(nil)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestClock(t *testing.T) {
	storetest.RunClock(t, func(t *testing.T, o *store.Options) store.Store {
		s := memstore.New(o)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func BenchmarkUpdate(b *testing.B) { storetest.BenchmarkUpdate(b, memstore.New(nil)) }
func BenchmarkGet(b *testing.B)    { storetest.BenchmarkGet(b, memstore.New(nil)) }
func BenchmarkList(b *testing.B)   { storetest.BenchmarkList(b, memstore.New(nil)) }

func BenchmarkUpdateParallel(b *testing.B) { storetest.BenchmarkUpdateParallel(b, memstore.New(nil)) }
