package policy

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The evaluation cases live in testdata/eval/*.txtar, one theme per file.
// Each archive holds policies as files KIND/NAME.json (KIND is identity,
// boundary, session or resource; NAME becomes Policy.Name) and a file
// "cases" of lines:
//
//	# comment (cites the AWS documentation where it states the outcome)
//	with TOKEN...                 default tokens for the following evals
//	eval NAME TOKEN... -> WANT
//
// Tokens: id=a,b  bnd=b  sess=a,b (sets HasSession; "sess=" has none)
// res=r  required  user=NAME  session=ROLEPATH/SESSION  arn=  rolearn=
// acct=  svc=  fed=  root  anon  action=  resource=  ctx:KEY=VALUE
// (repeat a key for a multi-valued key; ctx:KEY= with nothing sets the
// key present with one empty value; values are %-decoded).
// WANT is "Allow NAME#i", "ExplicitDeny deny-KIND NAME#i..." or
// "ImplicitDeny no-KIND" (KIND identity, boundary, session, resource).

const testAccount = "123456789012"

type evalCase struct {
	name string
	line int
	set  Set
	req  Request
	want string
}

func TestEvaluateData(t *testing.T) {
	files, err := filepath.Glob("testdata/eval/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no eval data: %v", err)
	}
	total := 0
	for _, file := range files {
		cases := loadEvalCases(t, file)
		total += len(cases)
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					got := resultString(Evaluate(&c.set, &c.req))
					if diff := cmp.Diff(c.want, got); diff != "" {
						t.Errorf("%s:%d: Evaluate mismatch (-want +got):\n%s", file, c.line, diff)
					}
				})
			}
		})
	}
	if total < 150 {
		t.Errorf("only %d evaluation cases; want at least 150", total)
	}
	t.Logf("%d evaluation cases", total)
}

var reasonToken = map[Reason]string{
	ReasonNoIdentityAllows: "no-identity",
	ReasonNoBoundaryAllows: "no-boundary",
	ReasonNoSessionAllows:  "no-session",
	ReasonNoResourceAllows: "no-resource",
	ReasonDenyIdentity:     "deny-identity",
	ReasonDenyResource:     "deny-resource",
	ReasonDenyBoundary:     "deny-boundary",
	ReasonDenySession:      "deny-session",
}

func resultString(r Result) string {
	parts := []string{r.Decision.String()}
	if r.Reason != ReasonNone {
		parts = append(parts, reasonToken[r.Reason])
	}
	for _, s := range r.Statements {
		parts = append(parts, fmt.Sprintf("%s#%d", s.Policy, s.Index))
	}
	return strings.Join(parts, " ")
}

func loadEvalCases(t *testing.T, file string) []evalCase {
	t.Helper()
	ar := readArchive(t, file)
	pols := map[string]*Policy{}
	var casesText string
	for _, f := range ar.Files {
		if f.Name == "cases" {
			casesText = string(f.Data)
			continue
		}
		kindName, base, ok := strings.Cut(f.Name, "/")
		if !ok || !strings.HasSuffix(base, ".json") {
			t.Fatalf("%s: unexpected file %q", file, f.Name)
		}
		kinds := map[string]Kind{"identity": Identity, "boundary": Boundary, "session": Session, "resource": Resource}
		kind, ok := kinds[kindName]
		if !ok {
			t.Fatalf("%s: unknown kind in %q", file, f.Name)
		}
		p, err := Parse(f.Data, kind)
		if err != nil {
			t.Fatalf("%s: %s: %v", file, f.Name, err)
		}
		name := strings.TrimSuffix(base, ".json")
		p.Name = name
		if pols[name] != nil {
			t.Fatalf("%s: duplicate policy name %q", file, name)
		}
		pols[name] = p
	}
	get := func(line int, name string) *Policy {
		p := pols[name]
		if p == nil {
			t.Fatalf("%s:%d: no policy %q", file, line, name)
		}
		return p
	}
	var defaults []string
	var out []evalCase
	seen := map[string]bool{}
	for i, ln := range strings.Split(casesText, "\n") {
		line := i + 1
		ln = strings.TrimSpace(ln)
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		fields := strings.Fields(ln)
		switch fields[0] {
		case "with":
			defaults = fields[1:]
			continue
		case "eval":
		default:
			t.Fatalf("%s:%d: unknown directive %q", file, line, fields[0])
		}
		lhs, want, ok := strings.Cut(ln, "->")
		if !ok || len(fields) < 2 {
			t.Fatalf("%s:%d: want 'eval NAME TOKENS -> WANT'", file, line)
		}
		fields = strings.Fields(lhs)
		c := evalCase{name: fields[1], line: line, want: strings.Join(strings.Fields(want), " ")}
		if seen[c.name] {
			t.Fatalf("%s:%d: duplicate case name %q", file, line, c.name)
		}
		seen[c.name] = true
		c.req.Principal.Account = testAccount
		ctx := NewContext()
		c.req.Context = ctx
		for _, tokn := range append(append([]string(nil), defaults...), fields[2:]...) {
			key, val, _ := strings.Cut(tokn, "=")
			val, err := url.PathUnescape(val)
			if err != nil {
				t.Fatalf("%s:%d: %v", file, line, err)
			}
			p := &c.req.Principal
			switch {
			case key == "id":
				c.set.Identity = nil
				for _, n := range strings.Split(val, ",") {
					c.set.Identity = append(c.set.Identity, get(line, n))
				}
			case key == "bnd":
				c.set.Boundary = get(line, val)
			case key == "sess":
				c.set.HasSession, c.set.Session = true, nil
				if val != "" {
					for _, n := range strings.Split(val, ",") {
						c.set.Session = append(c.set.Session, get(line, n))
					}
				}
			case key == "res":
				c.set.Resource = get(line, val)
			case key == "required":
				c.set.ResourceRequired = true
			case key == "user":
				*p = Principal{ARN: "arn:aws:iam::" + testAccount + ":user/" + val, Account: testAccount}
			case key == "session":
				i := strings.LastIndexByte(val, '/')
				role, sess := val[:i], val[i+1:]
				roleName := role[strings.LastIndexByte(role, '/')+1:]
				*p = Principal{
					ARN:     "arn:aws:sts::" + testAccount + ":assumed-role/" + roleName + "/" + sess,
					RoleARN: "arn:aws:iam::" + testAccount + ":role/" + role,
					Account: testAccount,
				}
			case key == "arn":
				p.ARN = val
			case key == "rolearn":
				p.RoleARN = val
			case key == "acct":
				p.Account = val
			case key == "svc":
				*p = Principal{Service: val}
			case key == "fed":
				*p = Principal{Federated: val}
			case key == "root":
				*p = Principal{ARN: "arn:aws:iam::" + testAccount + ":root", Account: testAccount, IsRoot: true}
			case key == "anon":
				*p = Principal{}
			case key == "action":
				c.req.Action = val
			case key == "resource":
				c.req.Resource = val
			case strings.HasPrefix(key, "ctx:"):
				ctx.Add(key[len("ctx:"):], val)
			default:
				t.Fatalf("%s:%d: unknown token %q", file, line, tokn)
			}
		}
		out = append(out, c)
	}
	return out
}

func TestMessage(t *testing.T) {
	const (
		caller = "arn:aws:iam::123456789012:user/bob"
		action = "iam:CreateRole"
		res    = "arn:aws:iam::123456789012:role/x"
	)
	head := "User: " + caller + " is not authorized to perform: " + action + " on resource: " + res
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"allow", Result{Decision: Allow}, ""},
		{"no-identity", Result{Decision: ImplicitDeny, Reason: ReasonNoIdentityAllows}, head + " because no identity-based policy allows the iam:CreateRole action"},
		{"no-boundary", Result{Decision: ImplicitDeny, Reason: ReasonNoBoundaryAllows}, head + " because no permissions boundary allows the iam:CreateRole action"},
		{"no-session", Result{Decision: ImplicitDeny, Reason: ReasonNoSessionAllows}, head + " because no session policy allows the iam:CreateRole action"},
		{"no-resource", Result{Decision: ImplicitDeny, Reason: ReasonNoResourceAllows}, head + " because no resource-based policy allows the iam:CreateRole action"},
		{"deny-identity", Result{Decision: ExplicitDeny, Reason: ReasonDenyIdentity}, head + " with an explicit deny in an identity-based policy"},
		{"deny-resource", Result{Decision: ExplicitDeny, Reason: ReasonDenyResource}, head + " with an explicit deny in a resource-based policy"},
		{"deny-boundary", Result{Decision: ExplicitDeny, Reason: ReasonDenyBoundary}, head + " with an explicit deny in a permissions boundary"},
		{"deny-session", Result{Decision: ExplicitDeny, Reason: ReasonDenySession}, head + " with an explicit deny in a session policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.r.Message(caller, action, res)); diff != "" {
				t.Errorf("Message (-want +got):\n%s", diff)
			}
		})
	}
}
