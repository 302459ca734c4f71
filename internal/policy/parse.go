package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Kind says where a policy is attached, which decides the fields it may
// and must have.
type Kind int

const (
	// Identity policies (inline and managed, of users, groups and roles)
	// must not name a Principal and need Resource or NotResource.
	Identity Kind = iota + 1
	// Resource policies (role trust policies, bucket policies) need
	// Principal or NotPrincipal; Resource is optional (absent matches every
	// resource, as in a trust policy).
	Resource
	// Boundary is a permissions boundary: identity-like.
	Boundary
	// Session is a session policy passed to AssumeRole*: identity-like.
	Session
)

func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity"
	case Resource:
		return "resource"
	case Boundary:
		return "boundary"
	case Session:
		return "session"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Versions of the policy language.
const (
	Version2012 = "2012-10-17" // policy variables enabled
	Version2008 = "2008-10-17" // ${...} is literal text
)

// Policy is a parsed, validated and compiled policy document. It is
// immutable after Parse except for Name, which callers set for reporting.
type Policy struct {
	// Name identifies the policy in StatementRef, e.g. a managed policy ARN
	// or "role/r inline p".
	Name string

	kind  Kind
	doc   document
	stmts []*statement
}

// Kind returns the kind the policy was parsed as.
func (p *Policy) Kind() Kind { return p.kind }

// Version returns the document's Version ("" when absent, which means
// 2008-10-17).
func (p *Policy) Version() string { return p.doc.Version }

// document is the syntax tree, kept for the canonical printer.
type document struct {
	Version    string
	ID         *string
	Statements []stmtDoc
}

type stmtDoc struct {
	Sid          *string
	Effect       string
	Principal    *principalDoc
	NotPrincipal *principalDoc
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Condition    []condDoc // sorted by Op, then Key
}

// principalDoc is a Principal or NotPrincipal element. Star is the bare
// string "*"; the lists keep the written order.
type principalDoc struct {
	Star          bool
	AWS           []string
	Service       []string
	Federated     []string
	CanonicalUser []string
}

type condDoc struct {
	Op     string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	Key    string // as written
	Values []string
}

// Parse parses, validates and compiles a JSON policy document of the given
// kind. Errors are *Error with Code CodeMalformed; Parse does not check
// size (see ValidateSize).
func Parse(doc []byte, kind Kind) (*Policy, error) {
	if kind < Identity || kind > Session {
		return nil, malformed("unknown policy kind %d", int(kind))
	}
	d, err := parseDocument(doc, kind)
	if err != nil {
		return nil, err
	}
	p := &Policy{kind: kind, doc: *d}
	vars := d.Version == Version2012
	for i := range d.Statements {
		s, err := compileStatement(&d.Statements[i], i, vars)
		if err != nil {
			return nil, err
		}
		p.stmts = append(p.stmts, s)
	}
	return p, nil
}

func parseDocument(doc []byte, kind Kind) (*document, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, malformed("Syntax errors in policy: %v", jsonMessage(err))
	}
	if top == nil {
		return nil, malformed("Syntax errors in policy: document must be a JSON object")
	}
	d := &document{}
	for _, k := range sortedKeys(top) {
		switch k {
		case "Version", "Id", "Statement":
		default:
			return nil, malformed("unknown field %q", k)
		}
	}
	if raw, ok := top["Version"]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil || (v != Version2012 && v != Version2008) {
			return nil, malformed("Version: must be %q or %q, got %s", Version2012, Version2008, compact(raw))
		}
		d.Version = v
	}
	if raw, ok := top["Id"]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return nil, malformed("Id: must be a string")
		}
		d.ID = &v
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, malformed("Missing required field Statement")
	}
	var list []json.RawMessage
	if t := firstByte(raw); t == '{' {
		list = []json.RawMessage{raw}
	} else if t != '[' || json.Unmarshal(raw, &list) != nil {
		return nil, malformed("Statement: must be an object or an array of objects")
	}
	for i, r := range list {
		s, err := parseStatement(r, i, kind)
		if err != nil {
			return nil, err
		}
		d.Statements = append(d.Statements, *s)
	}
	return d, nil
}

func parseStatement(raw json.RawMessage, i int, kind Kind) (*stmtDoc, error) {
	at := fmt.Sprintf("Statement[%d]", i)
	var m map[string]json.RawMessage
	if firstByte(raw) != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, malformed("%s: must be an object", at)
	}
	for _, k := range sortedKeys(m) {
		switch k {
		case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
			"Resource", "NotResource", "Condition":
		default:
			return nil, malformed("%s: unknown field %q", at, k)
		}
	}
	s := &stmtDoc{}
	if r, ok := m["Sid"]; ok {
		var v string
		if json.Unmarshal(r, &v) != nil {
			return nil, malformed("%s.Sid: must be a string", at)
		}
		s.Sid = &v
	}
	r, ok := m["Effect"]
	if !ok {
		return nil, malformed("%s: Missing required field Effect", at)
	}
	if json.Unmarshal(r, &s.Effect) != nil || (s.Effect != "Allow" && s.Effect != "Deny") {
		return nil, malformed(`%s: Effect must be "Allow" or "Deny"`, at)
	}

	// Principal.
	_, hasP := m["Principal"]
	_, hasNP := m["NotPrincipal"]
	switch {
	case hasP && hasNP:
		return nil, malformed("%s: Principal and NotPrincipal cannot both be present", at)
	case kind != Resource && (hasP || hasNP):
		return nil, malformed("%s: Policy document should not specify a principal", at)
	case kind == Resource && !hasP && !hasNP:
		return nil, malformed("%s: Missing required field Principal", at)
	}
	var err error
	if hasP {
		if s.Principal, err = parsePrincipal(m["Principal"], at+".Principal"); err != nil {
			return nil, err
		}
	}
	if hasNP {
		if s.NotPrincipal, err = parsePrincipal(m["NotPrincipal"], at+".NotPrincipal"); err != nil {
			return nil, err
		}
	}

	// Action.
	_, hasA := m["Action"]
	_, hasNA := m["NotAction"]
	switch {
	case hasA && hasNA:
		return nil, malformed("%s: Action and NotAction cannot both be present", at)
	case !hasA && !hasNA:
		return nil, malformed("%s: Missing required field Action", at)
	}
	if hasA {
		if s.Action, err = parseActions(m["Action"], at+".Action"); err != nil {
			return nil, err
		}
	} else if s.NotAction, err = parseActions(m["NotAction"], at+".NotAction"); err != nil {
		return nil, err
	}

	// Resource.
	_, hasR := m["Resource"]
	_, hasNR := m["NotResource"]
	switch {
	case hasR && hasNR:
		return nil, malformed("%s: Resource and NotResource cannot both be present", at)
	case kind != Resource && !hasR && !hasNR:
		return nil, malformed("%s: Missing required field Resource", at)
	}
	if hasR {
		if s.Resource, err = parseResources(m["Resource"], at+".Resource"); err != nil {
			return nil, err
		}
	}
	if hasNR {
		if s.NotResource, err = parseResources(m["NotResource"], at+".NotResource"); err != nil {
			return nil, err
		}
	}

	if r, ok := m["Condition"]; ok {
		if s.Condition, err = parseCondition(r, at+".Condition"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// stringList decodes a string or a non-empty array of strings.
func stringList(raw json.RawMessage, at string) ([]string, error) {
	var one string
	if firstByte(raw) == '"' && json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var list []string
	if firstByte(raw) != '[' || json.Unmarshal(raw, &list) != nil {
		return nil, malformed("%s: must be a string or an array of strings", at)
	}
	if len(list) == 0 {
		return nil, malformed("%s: must not be empty", at)
	}
	return list, nil
}

func parsePrincipal(raw json.RawMessage, at string) (*principalDoc, error) {
	var one string
	if firstByte(raw) == '"' && json.Unmarshal(raw, &one) == nil {
		if one != "*" {
			return nil, malformed(`%s: a string principal must be "*", got %q`, at, one)
		}
		return &principalDoc{Star: true}, nil
	}
	var m map[string]json.RawMessage
	if firstByte(raw) != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, malformed(`%s: must be "*" or an object`, at)
	}
	if len(m) == 0 {
		return nil, malformed("%s: must name at least one principal", at)
	}
	p := &principalDoc{}
	for _, k := range sortedKeys(m) {
		list, err := stringList(m[k], at+"."+k)
		if err != nil {
			return nil, err
		}
		for _, v := range list {
			if v == "" {
				return nil, malformed("%s.%s: empty principal", at, k)
			}
		}
		switch k {
		case "AWS":
			p.AWS = list
		case "Service":
			p.Service = list
		case "Federated":
			p.Federated = list
		case "CanonicalUser":
			p.CanonicalUser = list
		default:
			return nil, malformed("%s: unknown principal type %q", at, k)
		}
	}
	return p, nil
}

func parseActions(raw json.RawMessage, at string) ([]string, error) {
	list, err := stringList(raw, at)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if !validAction(a) {
			return nil, malformed(`%s: bad action %q: must be "service:action" or "*"`, at, a)
		}
	}
	return list, nil
}

// validAction accepts "*" and "service:action" where service is letters,
// digits and '-' (or wildcards) and action is non-empty without white
// space or further ':'.
func validAction(a string) bool {
	if a == "*" {
		return true
	}
	svc, act, ok := strings.Cut(a, ":")
	if !ok || svc == "" || act == "" || strings.ContainsAny(act, ": \t\r\n") {
		return false
	}
	for _, c := range svc {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '*' || c == '?') {
			return false
		}
	}
	return true
}

func parseResources(raw json.RawMessage, at string) ([]string, error) {
	list, err := stringList(raw, at)
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return nil, malformed(`%s: bad resource %q: must be "*" or an ARN`, at, r)
		}
	}
	return list, nil
}

func parseCondition(raw json.RawMessage, at string) ([]condDoc, error) {
	var ops map[string]json.RawMessage
	if firstByte(raw) != '{' || json.Unmarshal(raw, &ops) != nil {
		return nil, malformed("%s: must be an object", at)
	}
	var out []condDoc
	for _, op := range sortedKeys(ops) {
		if _, err := parseOperator(op); err != nil {
			return nil, malformed("%s: %v", at, err)
		}
		var keys map[string]json.RawMessage
		if firstByte(ops[op]) != '{' || json.Unmarshal(ops[op], &keys) != nil {
			return nil, malformed("%s.%s: must be an object of condition keys", at, op)
		}
		if len(keys) == 0 {
			return nil, malformed("%s.%s: must name at least one condition key", at, op)
		}
		for _, k := range sortedKeys(keys) {
			kat := fmt.Sprintf("%s.%s[%q]", at, op, k)
			if k == "" {
				return nil, malformed("%s: empty condition key", kat)
			}
			vals, err := conditionValues(keys[k], kat)
			if err != nil {
				return nil, err
			}
			out = append(out, condDoc{Op: op, Key: k, Values: vals})
		}
	}
	return out, nil
}

// conditionValues decodes a string, number or boolean, or a non-empty array
// of them, into their text (numbers as written).
func conditionValues(raw json.RawMessage, at string) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, malformed("%s: %v", at, jsonMessage(err))
	}
	scalar := func(x any) (string, bool) {
		switch x := x.(type) {
		case string:
			return x, true
		case json.Number:
			return string(x), true
		case bool:
			if x {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if s, ok := scalar(v); ok {
		return []string{s}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, malformed("%s: value must be a string, number, boolean or an array of them", at)
	}
	if len(list) == 0 {
		return nil, malformed("%s: must have at least one value", at)
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := scalar(x)
		if !ok {
			return nil, malformed("%s: value must be a string, number, boolean or an array of them", at)
		}
		out = append(out, s)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func firstByte(raw []byte) byte {
	t := bytes.TrimLeft(raw, " \t\r\n")
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

func jsonMessage(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	}
	return err.Error()
}

// Services lists the service principals ("glue.amazonaws.com") that the policy's Allow
// statements name, in order of appearance, without duplicates.
func (p *Policy) Services() []string {
	var out []string
	for _, s := range p.stmts {
		if s.deny || s.notPrinc || s.principal == nil {
			continue
		}
		for _, svc := range s.principal.services {
			if !slices.Contains(out, svc) {
				out = append(out, svc)
			}
		}
	}
	return out
}
