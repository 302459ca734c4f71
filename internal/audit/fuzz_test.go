package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/sluicehq/sluice/internal/store"

	"github.com/sluicehq/sluice/internal/store/memstore"
)

// FuzzDecodeEntry feeds the log reader arbitrary stored values: it must never panic, and
// whatever it accepts must re-encode to an entry that decodes to the same thing.
func FuzzDecodeEntry(f *testing.F) {
	for _, r := range seedBlocks(f) {
		f.Add(r.Value) // a stored (compressed) block
		es, _ := DecodeBlock(r.Value)
		for _, e := range es {
			f.Add(e.Marshal())
		}
	}
	f.Add(zstdMagic)
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

// seedBlocks returns the stored blocks of a small log, to seed the fuzz tests.
func seedBlocks(f *testing.F) []store.Record {
	st := memstore.New(nil)
	l := openLog(f, st, nil)
	fill(f, l, 4, t0)
	l.Close()
	recs, err := st.List(context.Background(), NSLog, storeAll)
	if err != nil {
		f.Fatal(err)
	}
	return recs
}

// FuzzAppendEvent holds appendEvent to encoding/json: for any record (decoded from the fuzzed
// JSON, with the fuzzed string placed in a top-level field, a nested one and a map key) both
// must write the same bytes, since those bytes are what the chain hashes.
func FuzzAppendEvent(f *testing.F) {
	for _, r := range seedBlocks(f) {
		es, _ := DecodeBlock(r.Value)
		for _, e := range es {
			f.Add([]byte(e.Event), "plain")
		}
	}
	full := `{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROA:s","arn":"arn:aws:sts::1:assumed-role/r/s",` +
		`"accountId":"1","accessKeyId":"ASIA","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA","arn":"arn:aws:iam::1:role/r","accountId":"1","userName":"r"},` +
		`"webIdFederationData":{"federatedProvider":"p","attributes":{"z":1,"a":[true,null,"x",1.5e-7,12345678901234567890]}},"attributes":{"creationDate":"t","mfaAuthenticated":"false"},"sourceIdentity":"si"},"invokedBy":"x"},` +
		`"errorCode":"AccessDenied","errorMessage":"<b>&amp;</b>","requestParameters":{"b":{"c":[]},"a":{}},"responseElements":null,` +
		`"additionalEventData":{"k":"v"},"eventID":"00000000-0000-0000-0000-000000000000","readOnly":true,` +
		`"resources":[{"ARN":"arn:aws:s3:::b/k"},{"ARN":"a","accountId":"1","type":"AWS::S3::Object"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"1","eventCategory":"Data"}`
	f.Add([]byte(full), "\u2028\u2029<>&\"\\\x00\x1f\x7f\b\f\n\r\t\xff\xe2\x80")
	f.Add([]byte(`{"userIdentity":{"type":"x","sessionContext":{"attributes":{"mfaAuthenticated":""}}},"requestParameters":1e300}`), "é€𝄞")
	f.Add([]byte(`{"userIdentity":{"sessionContext":{"webIdFederationData":{"attributes":{"x":"y"}},"attributes":{}}},"additionalEventData":[]}`), "")
	f.Fuzz(func(t *testing.T, data []byte, s string) {
		var e Event
		if json.Unmarshal(data, &e) != nil {
			return
		}
		e.EventName = s
		e.RequestParameters = map[string]any{s: []any{s, e.RequestParameters}}
		if e.UserIdentity.SessionContext != nil {
			e.UserIdentity.SessionContext.SourceIdentity = s
		}
		want, err := json.Marshal(&e)
		if err != nil {
			return
		}
		got, idAt, err := appendEvent(nil, &e)
		if err != nil {
			t.Fatalf("appendEvent: %v (encoding/json wrote %s)", err, want)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("appendEvent wrote\n%s\nencoding/json wrote\n%s", got, want)
		}
		if idAt >= 0 && string(got[idAt:idAt+len(e.EventID)]) != e.EventID {
			t.Fatalf("idAt %d does not point at the event id %q", idAt, e.EventID)
		}
	})
}
