package policy

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON prints the policy in canonical form: Version and Id when
// present, Statement always an array, every Action/Resource/principal list
// an array, Condition operators and keys sorted and every condition value
// a string. Parsing the output as the same Kind yields an equivalent policy
// that prints identically.
func (p *Policy) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	w := &jsonWriter{b: &b}
	b.WriteByte('{')
	if p.doc.Version != "" {
		w.field("Version")
		w.str(p.doc.Version)
	}
	if p.doc.ID != nil {
		w.field("Id")
		w.str(*p.doc.ID)
	}
	w.field("Statement")
	b.WriteByte('[')
	for i := range p.doc.Statements {
		if i > 0 {
			b.WriteByte(',')
		}
		writeStatement(w, &p.doc.Statements[i])
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

type jsonWriter struct {
	b *bytes.Buffer
}

func (w *jsonWriter) str(s string) {
	enc, _ := json.Marshal(s)
	w.b.Write(enc)
}

// field writes a field name; callers open objects with open().
func (w *jsonWriter) field(name string) {
	if w.b.Len() > 0 {
		if last := w.b.Bytes()[w.b.Len()-1]; last != '{' {
			w.b.WriteByte(',')
		}
	}
	w.str(name)
	w.b.WriteByte(':')
}

func (w *jsonWriter) list(vs []string) {
	w.b.WriteByte('[')
	for i, v := range vs {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.str(v)
	}
	w.b.WriteByte(']')
}

func writeStatement(w *jsonWriter, s *stmtDoc) {
	w.b.WriteByte('{')
	if s.Sid != nil {
		w.field("Sid")
		w.str(*s.Sid)
	}
	w.field("Effect")
	w.str(s.Effect)
	writePrincipal(w, "Principal", s.Principal)
	writePrincipal(w, "NotPrincipal", s.NotPrincipal)
	for _, f := range []struct {
		name string
		vs   []string
	}{{"Action", s.Action}, {"NotAction", s.NotAction}, {"Resource", s.Resource}, {"NotResource", s.NotResource}} {
		if f.vs != nil {
			w.field(f.name)
			w.list(f.vs)
		}
	}
	if len(s.Condition) > 0 {
		w.field("Condition")
		w.b.WriteByte('{')
		for i, c := range s.Condition {
			if i == 0 || s.Condition[i-1].Op != c.Op {
				if i > 0 {
					w.b.WriteByte('}')
				}
				w.field(c.Op)
				w.b.WriteByte('{')
			}
			w.field(c.Key)
			w.list(c.Values)
		}
		w.b.WriteString("}}")
	}
	w.b.WriteByte('}')
}

func writePrincipal(w *jsonWriter, name string, p *principalDoc) {
	if p == nil {
		return
	}
	w.field(name)
	if p.Star {
		w.str("*")
		return
	}
	w.b.WriteByte('{')
	for _, f := range []struct {
		name string
		vs   []string
	}{{"AWS", p.AWS}, {"CanonicalUser", p.CanonicalUser}, {"Federated", p.Federated}, {"Service", p.Service}} {
		if f.vs != nil {
			w.field(f.name)
			w.list(f.vs)
		}
	}
	w.b.WriteByte('}')
}
