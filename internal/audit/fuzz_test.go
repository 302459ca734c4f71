package audit

import (
	"context"
	"encoding/json"
	"github.com/sluicehq/sluice/internal/store"
	"testing"

	"github.com/sluicehq/sluice/internal/store/memstore"
)

// FuzzDecodeEntry feeds the log reader arbitrary stored values: it must never panic, and
// whatever it accepts must re-encode to an entry that decodes to the same thing.
func FuzzDecodeEntry(f *testing.F) {
	st := memstore.New(nil)
	l := openLog(f, st, nil)
	fill(f, l, 4, t0)
	l.Close()
	recs, _ := st.List(context.Background(), NSLog, storeAll)
	for _, r := range recs {
		es, _ := DecodeBlock(r.Value)
		for _, e := range es {
			f.Add(e.Marshal())
		}
	}
	f.Add([]byte(`{"v":1,"chain":"c","seq":1,"prev":"00","hash":"00","event":{}}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		DecodeBlock(data)
		e, err := DecodeEntry(data)
		if err != nil {
			return
		}
		e2, err := DecodeEntry(e.Marshal())
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if e2.Chain != e.Chain || e2.Seq != e.Seq || e2.Hash != e.Hash || e2.Prev != e.Prev || e2.Check() != e.Check() {
			t.Fatalf("round trip changed the entry")
		}
		ParseEvent(e.Event)
	})
}

// FuzzParseEvent decodes arbitrary records the way LookupEvents does.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/r/s"},"eventTime":"2026-07-01T22:36:08Z"}`))
	f.Add([]byte(`{"userIdentity":{"type":"IAMUser","userName":"x"},"resources":[{"ARN":"a"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEvent(data)
		if err != nil {
			return
		}
		e.Username()
		e.Time()
		indexPrefixes(e)
		lookupEvent(Found{Entry: &Entry{Event: json.RawMessage(data)}, Event: e})
	})
}

var storeAll = store.ListOptions{}
