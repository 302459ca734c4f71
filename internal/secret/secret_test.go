package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestNeverPrinted(t *testing.T) {
	const raw = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	s := New(raw)
	type holder struct {
		Key    string
		Secret Value
	}
	h := holder{Key: "AKIA", Secret: s}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", s, "holder", h)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "secret", s)
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outputs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, h, h, s, s), string(js), buf.String(),
	}
	for _, out := range outputs {
		if strings.Contains(out, raw) {
			t.Errorf("secret leaked in %q", out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("no redaction marker in %q", out)
		}
	}
	if s.Reveal() != raw {
		t.Error("Reveal lost the value")
	}
}

func TestEqual(t *testing.T) {
	if !New("abc").Equal(New("abc")) || New("abc").Equal(New("abd")) || New("abc").Equal(New("ab")) {
		t.Error("Equal is wrong")
	}
	if !(Value{}).IsZero() || New("x").IsZero() {
		t.Error("IsZero is wrong")
	}
}
