package policy

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

type statement struct {
	deny       bool
	sid        string
	ref        atomic.Pointer[refCache]
	idx        int
	notAction  bool
	actions    []*pattern
	anyRes     bool // no Resource/NotResource element (resource policies)
	notRes     bool
	resources  []*pattern
	principal  *principalSet // nil: no principal element (identity-like kinds)
	notPrinc   bool
	conditions []condition
}

type principalSet struct {
	star      bool     // "*" or {"AWS": "*"}
	arns      []string // AWS ARNs (users, roles, sessions) and other ids, literal
	accounts  []string // 12-digit accounts, written bare or as a root ARN
	services  []string
	federated []string
}

func compileStatement(d *stmtDoc, i int, vars bool) (*statement, error) {
	at := fmt.Sprintf("Statement[%d]", i)
	s := &statement{deny: d.Effect == "Deny", idx: i}
	if d.Sid != nil {
		s.sid = *d.Sid
	}
	acts := d.Action
	if d.NotAction != nil {
		s.notAction, acts = true, d.NotAction
	}
	for _, a := range acts {
		// Actions never take variables.
		p, err := compilePattern(a, patternMode{wild: true, fold: true})
		if err != nil {
			return nil, malformed("%s.Action: %v", at, err)
		}
		s.actions = append(s.actions, p)
	}
	res := d.Resource
	switch {
	case d.NotResource != nil:
		s.notRes, res = true, d.NotResource
	case d.Resource == nil:
		s.anyRes = true
	}
	for _, r := range res {
		p, err := compilePattern(r, patternMode{vars: vars, wild: true, arn: true})
		if err != nil {
			return nil, malformed("%s.Resource: %v", at, err)
		}
		s.resources = append(s.resources, p)
	}
	pd := d.Principal
	if d.NotPrincipal != nil {
		s.notPrinc, pd = true, d.NotPrincipal
	}
	if pd != nil {
		s.principal = compilePrincipal(pd)
	}
	for _, c := range d.Condition {
		cc, err := compileCondition(c, vars)
		if err != nil {
			return nil, malformed("%s.Condition.%s[%q]: %v", at, c.Op, c.Key, err)
		}
		s.conditions = append(s.conditions, cc)
	}
	return s, nil
}

func compilePrincipal(d *principalDoc) *principalSet {
	ps := &principalSet{star: d.Star, services: d.Service, federated: d.Federated}
	for _, a := range d.AWS {
		switch {
		case a == "*":
			ps.star = true
		case isAccountID(a):
			ps.accounts = append(ps.accounts, a)
		case strings.HasPrefix(a, "arn:") && strings.HasSuffix(a, ":root") && rootAccount(a) != "":
			ps.accounts = append(ps.accounts, rootAccount(a))
		default:
			ps.arns = append(ps.arns, a)
		}
	}
	return ps
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// rootAccount returns the account of "arn:<partition>:iam::<account>:root".
func rootAccount(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[2] != "iam" || parts[3] != "" || parts[5] != "root" || !isAccountID(parts[4]) {
		return ""
	}
	return parts[4]
}

// Operators.

type family uint8

const (
	famString family = iota + 1
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

type cmpOp uint8

const (
	cmpEq cmpOp = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type opInfo struct {
	fam     family
	cmp     cmpOp
	negated bool // absent key → true; the result is NOT of the positive match
	fold    bool
	like    bool
}

type qualifier uint8

const (
	qNone qualifier = iota
	qForAll
	qForAny
)

type operator struct {
	opInfo
	qual     qualifier
	ifExists bool
}

// parseOperator parses `[ForAllValues:|ForAnyValue:]Name[IfExists]`,
// case-insensitively.
func parseOperator(op string) (operator, error) {
	var o operator
	name := op
	l := strings.ToLower(name)
	switch {
	case strings.HasPrefix(l, "forallvalues:"):
		o.qual, name, l = qForAll, name[len("forallvalues:"):], l[len("forallvalues:"):]
	case strings.HasPrefix(l, "foranyvalue:"):
		o.qual, name, l = qForAny, name[len("foranyvalue:"):], l[len("foranyvalue:"):]
	}
	if strings.HasSuffix(l, "ifexists") && l != "null" {
		o.ifExists, l = true, strings.TrimSuffix(l, "ifexists")
	}
	info, ok := lookupOperator(l)
	if !ok || (o.ifExists && info.fam == famNull) {
		return o, fmt.Errorf("unknown operator %q", op)
	}
	o.opInfo = info
	return o, nil
}

func lookupOperator(lower string) (opInfo, bool) {
	switch lower {
	case "stringequals":
		return opInfo{fam: famString}, true
	case "stringnotequals":
		return opInfo{fam: famString, negated: true}, true
	case "stringequalsignorecase":
		return opInfo{fam: famString, fold: true}, true
	case "stringnotequalsignorecase":
		return opInfo{fam: famString, fold: true, negated: true}, true
	case "stringlike":
		return opInfo{fam: famString, like: true}, true
	case "stringnotlike":
		return opInfo{fam: famString, like: true, negated: true}, true
	case "numericequals":
		return opInfo{fam: famNumeric}, true
	case "numericnotequals":
		return opInfo{fam: famNumeric, negated: true}, true
	case "numericlessthan":
		return opInfo{fam: famNumeric, cmp: cmpLt}, true
	case "numericlessthanequals":
		return opInfo{fam: famNumeric, cmp: cmpLe}, true
	case "numericgreaterthan":
		return opInfo{fam: famNumeric, cmp: cmpGt}, true
	case "numericgreaterthanequals":
		return opInfo{fam: famNumeric, cmp: cmpGe}, true
	case "dateequals":
		return opInfo{fam: famDate}, true
	case "datenotequals":
		return opInfo{fam: famDate, negated: true}, true
	case "datelessthan":
		return opInfo{fam: famDate, cmp: cmpLt}, true
	case "datelessthanequals":
		return opInfo{fam: famDate, cmp: cmpLe}, true
	case "dategreaterthan":
		return opInfo{fam: famDate, cmp: cmpGt}, true
	case "dategreaterthanequals":
		return opInfo{fam: famDate, cmp: cmpGe}, true
	case "bool":
		return opInfo{fam: famBool}, true
	case "binaryequals":
		return opInfo{fam: famBinary}, true
	case "ipaddress":
		return opInfo{fam: famIP}, true
	case "notipaddress":
		return opInfo{fam: famIP, negated: true}, true
	case "arnequals", "arnlike":
		// AWS documents ArnEquals and ArnLike identically: per-component,
		// case-sensitive, with wildcards.
		return opInfo{fam: famARN, like: true}, true
	case "arnnotequals", "arnnotlike":
		return opInfo{fam: famARN, like: true, negated: true}, true
	case "null":
		return opInfo{fam: famNull}, true
	}
	return opInfo{}, false
}

type condition struct {
	op    operator
	key   string // lower-cased
	pats  []*pattern
	nums  []float64
	times []int64 // Unix nanoseconds
	bools []bool
	bins  []string // canonical base64
	ips   []netip.Prefix
}

func compileCondition(d condDoc, vars bool) (condition, error) {
	op, err := parseOperator(d.Op)
	if err != nil {
		return condition{}, err
	}
	c := condition{op: op, key: strings.ToLower(d.Key)}
	for _, v := range d.Values {
		switch op.fam {
		case famString, famARN:
			p, err := compilePattern(v, patternMode{vars: vars, wild: op.like, arn: op.fam == famARN, fold: op.fold})
			if err != nil {
				return c, err
			}
			c.pats = append(c.pats, p)
		case famNumeric:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) {
				return c, fmt.Errorf("%q is not a number", v)
			}
			c.nums = append(c.nums, f)
		case famDate:
			t, ok := parseDate(v)
			if !ok {
				return c, fmt.Errorf("%q is not a date (ISO 8601 or epoch seconds)", v)
			}
			c.times = append(c.times, t)
		case famBool, famNull:
			b, ok := parseBool(v)
			if !ok {
				return c, fmt.Errorf(`%q is not "true" or "false"`, v)
			}
			c.bools = append(c.bools, b)
		case famBinary:
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return c, fmt.Errorf("%q is not base64", v)
			}
			c.bins = append(c.bins, base64.StdEncoding.EncodeToString(b))
		case famIP:
			p, ok := parseCIDR(v)
			if !ok {
				return c, fmt.Errorf("%q is not an IP address or CIDR block", v)
			}
			c.ips = append(c.ips, p)
		}
	}
	return c, nil
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func parseCIDR(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') < 0 {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, false
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	if p.Addr().Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), bits)
	}
	return p.Masked(), true
}

var dateLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// parseDate reads ISO 8601 (date, or date-time with optional fraction and
// zone; no zone means UTC) or epoch seconds, returning Unix nanoseconds.
func parseDate(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if looksNumeric(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 9e9 {
			return 0, false
		}
		return int64(f * 1e9), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixNano(), true
		}
	}
	return 0, false
}

// looksNumeric reports whether s can only be a number (epoch seconds), so
// that strconv is not asked, and does not allocate an error, for dates.
func looksNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E':
		case c == '+' || c == '-':
			if i != 0 && s[i-1] != 'e' && s[i-1] != 'E' {
				return false
			}
		default:
			return false
		}
	}
	return true
}
