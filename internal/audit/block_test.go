package audit

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

// TestBlocksCompressed checks that the writer stores blocks compressed, and that a log whose
// blocks are plain (as written before compression) still verifies and answers lookups.
func TestBlocksCompressed(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	l := openLog(t, st, nil)
	fillMode(t, l, 100, t0, true)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := st.List(ctx, NSLog, storeAll)
	if err != nil || len(recs) != 4 {
		t.Fatalf("blocks: %d, %v", len(recs), err)
	}
	stored, raw := 0, 0
	for _, r := range recs {
		if !bytes.HasPrefix(r.Value, zstdMagic) {
			t.Fatalf("block %s is not compressed", r.Key)
		}
		lines, err := blockLines(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		stored, raw = stored+len(r.Value), raw+len(lines)
	}
	if stored*4 > raw {
		t.Errorf("blocks take %d bytes for %d bytes of records: less than fourfold smaller", stored, raw)
	}
	before, _, err := Lookup(ctx, st, Query{Attr: EventName, Value: "AssumeRole", Limit: 100})
	if err != nil || len(before) != 25 {
		t.Fatalf("lookup: %d, %v", len(before), err)
	}

	// Rewrite every block plain.
	if err := st.Update(ctx, func(tx store.Tx) error {
		for _, r := range recs {
			lines, _ := blockLines(r.Value)
			if _, err := tx.Put(ctx, NSLog, r.Key, lines); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(ctx, st, testRing(t), nil)
	if err != nil || !rep.OK() || rep.Records != 100 {
		t.Fatalf("plain blocks: %+v, %v", rep, err)
	}
	after, _, err := Lookup(ctx, st, Query{Attr: EventName, Value: "AssumeRole", Limit: 100})
	if err != nil || len(after) != len(before) || after[0].Event.EventID != before[0].Event.EventID {
		t.Fatalf("lookup over plain blocks: %d, %v", len(after), err)
	}
}

// TestForgedBlock: a block that claims to be compressed but is not, or that would expand past
// the bound, is reported as corrupt, not decoded.
func TestForgedBlock(t *testing.T) {
	// A frame whose header declares 1 TiB of content (single segment, 8-byte size) and holds
	// one raw byte.
	huge := append(append([]byte{}, zstdMagic...), 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x09, 0, 0, 'x')
	for name, data := range map[string][]byte{
		"truncated frame": compressBlock(nil, []byte("{\"v\":1}\n"))[:8],
		"magic only":      zstdMagic,
		"declares 1 TiB":  huge,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeBlock(data)
			if !errors.Is(err, Corrupt) {
				t.Fatalf("DecodeBlock = %v, want a Corrupt error", err)
			}
		})
	}
}
