package authzmsg

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/keyring"
)

func TestRoundTrip(t *testing.T) {
	ring, _ := keyring.New(nil)
	m := &Message{Reason: "no identity-based policy allows", Context: Context{
		Principal: Principal{ID: "AIDA", ARN: "arn:aws:iam::123456789012:user/bob"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k",
		Conditions: Conditions{Items: []Condition{{Key: "aws:SourceIp", Values: []string{"127.0.0.1"}}}}}}
	blob, err := Encode(ring, m)
	if err != nil {
		t.Fatal(err)
	}
	data, err := Decode(ring, blob)
	if err != nil {
		t.Fatal(err)
	}
	var got Message
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*m, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	other, _ := keyring.New(nil)
	if _, err := Decode(other, blob); err != ErrInvalid {
		t.Errorf("foreign ring: %v", err)
	}
	if _, err := Decode(ring, blob[:len(blob)-2]); err != ErrInvalid {
		t.Errorf("truncated: %v", err)
	}
}
