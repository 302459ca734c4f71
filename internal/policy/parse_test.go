package policy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var kindByName = map[string]Kind{"identity": Identity, "boundary": Boundary, "session": Session, "resource": Resource}

type parseCase struct {
	name string
	kind Kind
	doc  []byte
	want string // "ok", "CODE: MESSAGE" or a prefix ending in "..."
}

// loadParseCases reads testdata/parse.txtar (see its comment).
func loadParseCases(t testing.TB) []parseCase {
	t.Helper()
	ar := readArchive(t, "testdata/parse.txtar")
	docs := map[string]archiveFile{}
	var want string
	for _, f := range ar.Files {
		if f.Name == "want" {
			want = string(f.Data)
			continue
		}
		docs[f.Name] = f
	}
	var out []parseCase
	for _, ln := range strings.Split(want, "\n") {
		if strings.TrimSpace(ln) == "" {
			continue
		}
		name, w, _ := strings.Cut(ln, " ")
		var found bool
		for path, f := range docs {
			k, base, _ := strings.Cut(path, "/")
			if base == name+".json" {
				out = append(out, parseCase{name: name, kind: kindByName[k], doc: f.Data, want: w})
				delete(docs, path)
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("parse.txtar: no document for %q", name)
		}
	}
	for path := range docs {
		t.Fatalf("parse.txtar: %s has no want line", path)
	}
	return out
}

func TestParseData(t *testing.T) {
	for _, c := range loadParseCases(t) {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse(c.doc, c.kind)
			got := "ok"
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not *Error: %v", err, err)
				}
				got = string(pe.Code) + ": " + pe.Message
				if p != nil {
					t.Errorf("Parse returned a policy with an error")
				}
			}
			if prefix, ok := strings.CutSuffix(c.want, "..."); ok {
				if !strings.HasPrefix(got, prefix) {
					t.Errorf("Parse = %q, want prefix %q", got, prefix)
				}
				return
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
			if err == nil {
				checkRoundTrip(t, p, c.kind)
			}
		})
	}
}

// checkRoundTrip asserts that the canonical form parses to a policy that
// prints identically.
func checkRoundTrip(t testing.TB, p *Policy, kind Kind) {
	t.Helper()
	b1, err := p.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	p2, err := Parse(b1, kind)
	if err != nil {
		t.Fatalf("canonical form does not parse: %v\n%s", err, b1)
	}
	b2, _ := p2.MarshalJSON()
	if !bytes.Equal(b1, b2) {
		t.Fatalf("canonical form is not stable:\n%s\n%s", b1, b2)
	}
	if diff := cmp.Diff(p.doc, p2.doc); diff != "" {
		t.Fatalf("round trip changed the document (-first +second):\n%s", diff)
	}
}

func TestMarshalCanonical(t *testing.T) {
	p, err := Parse([]byte(`{"Statement":{"Sid":"","Effect":"Allow","Principal":{"Service":"glue.amazonaws.com","AWS":"123456789012"},
		"Action":"sts:AssumeRole","Condition":{"StringLike":{"b":"x*","a":["1",2,true]},"Bool":{"c":false}}},"Id":"i","Version":"2012-10-17"}`), Resource)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := p.MarshalJSON()
	want := `{"Version":"2012-10-17","Id":"i","Statement":[{"Sid":"","Effect":"Allow","Principal":{"AWS":["123456789012"],"Service":["glue.amazonaws.com"]},"Action":["sts:AssumeRole"],"Condition":{"Bool":{"c":["false"]},"StringLike":{"a":["1","2","true"],"b":["x*"]}}}]}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("MarshalJSON (-want +got):\n%s", diff)
	}
}

func TestParseKind(t *testing.T) {
	_, err := Parse([]byte(`{"Statement":[]}`), Kind(0))
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeMalformed {
		t.Fatalf("Parse(kind 0) = %v, want MalformedPolicyDocument", err)
	}
}

func TestValidateSize(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		limit int
		want  string
	}{
		{"under", `{"a": 1}`, 10, ""},
		{"whitespace-free", "{ \"a\" :\n\t1 }", 7, ""},
		{"over", `{"a": 1}`, 6, "LimitExceeded: Cannot exceed quota for PolicySize: 6 (document has 7 characters)"},
		{"unicode-chars", `"ééé"`, 5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := ValidateSize([]byte(tt.doc), tt.limit); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ValidateSize (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range loadParseCases(f) {
		f.Add(c.doc, uint8(c.kind))
	}
	files, _ := filepath.Glob("testdata/eval/*.txtar")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range parseArchive(string(data)).Files {
			if k, _, ok := strings.Cut(af.Name, "/"); ok {
				f.Add(af.Data, uint8(kindByName[k]))
			}
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte, k uint8) {
		kind := Kind(k%4) + Identity
		p, err := Parse(doc, kind)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		checkRoundTrip(t, p, kind)
		// Evaluating any accepted policy must not panic.
		ctx := NewContext()
		ctx.Set("aws:username", "bob")
		Evaluate(&Set{Identity: []*Policy{p}, Resource: p}, &Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctx})
	})
}
