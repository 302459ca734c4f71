package audit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// TestAppendEventShapes: the values Sanitize makes of typed inputs (numbers of every kind,
// times, nested structs, maps, lists, raw JSON) encode as encoding/json encodes them, which
// FuzzAppendEvent (fed through json.Unmarshal) cannot produce.
func TestAppendEventShapes(t *testing.T) {
	type inner struct {
		Limit *int32            `json:"Limit"`
		Names []string          `json:"Names"`
		Tags  map[string]string `json:"Tags"`
	}
	limit := int32(-7)
	for name, input := range map[string]any{
		"numbers": &struct {
			A int     `query:"A"`
			B int64   `query:"B"`
			C uint8   `query:"C"`
			D uint64  `query:"D"`
			E float64 `query:"E"`
			F float32 `query:"F"`
			G bool    `query:"G"`
		}{A: -1, B: 1 << 62, C: 255, D: 1<<64 - 1, E: 1e-7, F: 3.25, G: true},
		"nested": &struct {
			In   inner     `json:"In"`
			List []inner   `json:"List"`
			When time.Time `json:"When"`
		}{In: inner{Limit: &limit, Names: []string{"<a>", "b&c"}, Tags: map[string]string{"z": "1", "a": "\u2028"}},
			List: []inner{{Names: []string{"x"}}}, When: t0},
		"raw JSON": &struct {
			Doc json.RawMessage `json:"Doc"`
		}{Doc: json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":"*","N":12.5}]}`)},
		"timestamp": &struct {
			At awsproto.Timestamp `json:"At"`
		}{At: awsproto.Timestamp(t0)},
	} {
		t.Run(name, func(t *testing.T) {
			c, info := call(sessP, awsproto.STS, "AssumeRole", t0)
			c.Input, c.Output, c.Extra = input, input, map[string]any{"n": 3, "u": uint64(4)}
			e := Build(c, 200, info, testAccount, "00000000-0000-4000-8000-000000000000")
			want, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := appendEvent(nil, e)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("appendEvent against encoding/json (-want +got):\n%s", diff)
			}
		})
	}
}
