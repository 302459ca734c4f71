package iam

import (
	"context"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
)

// ContextEntry is IAM's ContextEntry shape (simulation request keys).
type ContextEntry struct {
	ContextKeyName   string
	ContextKeyValues []string
	ContextKeyType   string
}

// SimulateInput is the request of SimulatePrincipalPolicy and SimulateCustomPolicy.
type SimulateInput struct {
	PolicySourceArn                    string         `query:"PolicySourceArn"`
	PolicyInputList                    []string       `query:"PolicyInputList"`
	PermissionsBoundaryPolicyInputList []string       `query:"PermissionsBoundaryPolicyInputList"`
	ActionNames                        []string       `query:"ActionNames,required"`
	ResourceArns                       []string       `query:"ResourceArns"`
	ResourcePolicy                     string         `query:"ResourcePolicy"`
	ResourceOwner                      string         `query:"ResourceOwner"`
	CallerArn                          string         `query:"CallerArn"`
	ContextEntries                     []ContextEntry `query:"ContextEntries"`
	ResourceHandlingOption             string         `query:"ResourceHandlingOption"`
	Marker                             string         `query:"Marker"`
	MaxItems                           int            `query:"MaxItems"`
}

// MatchedStatement is IAM's Statement shape in simulation results.
type MatchedStatement struct {
	SourcePolicyId   string
	SourcePolicyType string
}

// BoundaryDecision is IAM's PermissionsBoundaryDecisionDetail shape.
type BoundaryDecision struct {
	AllowedByPermissionsBoundary bool
}

// EvaluationResult is IAM's EvaluationResult shape.
type EvaluationResult struct {
	EvalActionName                    string
	EvalResourceName                  string
	EvalDecision                      string             // allowed | explicitDeny | implicitDeny
	MatchedStatements                 []MatchedStatement `xml:"MatchedStatements>member"`
	MissingContextValues              []string           `xml:"MissingContextValues>member"`
	PermissionsBoundaryDecisionDetail *BoundaryDecision  `xml:",omitempty"`
}

// SimulateOutput is the response of both simulations.
type SimulateOutput struct {
	EvaluationResults []EvaluationResult `xml:"EvaluationResults>member"`
	Page
}

func decisionName(d policy.Decision) string {
	switch d {
	case policy.Allow:
		return "allowed"
	case policy.ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

func sourceType(name string) string {
	switch {
	case strings.HasPrefix(name, "arn:"):
		return "user-managed"
	case strings.HasPrefix(name, "user/"):
		return "user"
	case strings.HasPrefix(name, "group/"):
		return "group"
	case strings.HasPrefix(name, "role/"):
		return "role"
	case strings.HasPrefix(name, "resource"):
		return "resource"
	}
	return "none"
}

func parseInputs(docs []string, kind policy.Kind, label string) ([]*policy.Policy, error) {
	var out []*policy.Policy
	for i, d := range docs {
		p, err := policy.Parse([]byte(d), kind)
		if err != nil {
			return nil, policyError(err)
		}
		p.Name = label + "." + strconv.Itoa(i+1)
		out = append(out, p)
	}
	return out, nil
}

func simContext(entries []ContextEntry) *policy.Context {
	c := policy.NewContext()
	for _, e := range entries {
		c.SetMulti(e.ContextKeyName, e.ContextKeyValues...)
	}
	return c
}

// SimulatePrincipalPolicy evaluates actions for a user, group or role of this account with the
// same code as real requests (plus any extra policies given), so its answers agree with them.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, p *identity.Principal, in *SimulateInput) (*SimulateOutput, error) {
	if in.PolicySourceArn == "" {
		return nil, validationError("1 validation error detected: Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null")
	}
	if err := s.authorize(ctx, p, "SimulatePrincipalPolicy", identity.ARN(in.PolicySourceArn), nil); err != nil {
		return nil, err
	}
	var subject *identity.Principal
	var groupView *view
	switch {
	case strings.Contains(in.PolicySourceArn, ":user/"):
		_, name, ok := s.splitARN(in.PolicySourceArn, "user")
		u, err := getUser(ctx, s.st, name)
		if err != nil {
			return nil, err
		}
		if !ok || u == nil || string(u.ARN) != in.PolicySourceArn {
			return nil, noSuchEntity("The user with ARN %s cannot be found.", in.PolicySourceArn)
		}
		subject = &identity.Principal{Type: identity.IAMUser, Account: s.account, ARN: u.ARN, ID: u.ID, UserName: u.Name}
	case strings.Contains(in.PolicySourceArn, ":role/"):
		r, err := s.Role(ctx, in.PolicySourceArn)
		if err != nil {
			return nil, err
		}
		subject = &identity.Principal{Type: identity.AssumedRole, Account: s.account, ARN: r.ARN, ID: r.ID,
			Session: &identity.Session{RoleARN: r.ARN, RoleID: r.ID, RoleName: r.Name}}
	case strings.Contains(in.PolicySourceArn, ":group/"):
		_, name, _ := s.splitARN(in.PolicySourceArn, "group")
		g, err := getGroup(ctx, s.st, name)
		if err != nil {
			return nil, err
		}
		if g == nil || string(g.ARN) != in.PolicySourceArn {
			return nil, noSuchEntity("The group with ARN %s cannot be found.", in.PolicySourceArn)
		}
		groupView, err = s.loadView(ctx, kindGroup, g.Name, string(g.ARN))
		if err != nil {
			return nil, err
		}
		subject = &identity.Principal{Type: identity.IAMUser, Account: s.account, ARN: g.ARN, ID: g.ID}
	default:
		return nil, invalidInput("Invalid ARN: %s", in.PolicySourceArn)
	}
	return s.simulate(ctx, subject, groupView, in)
}

// SimulateCustomPolicy evaluates actions against the given policies only.
func (s *Service) SimulateCustomPolicy(ctx context.Context, p *identity.Principal, in *SimulateInput) (*SimulateOutput, error) {
	if len(in.PolicyInputList) == 0 {
		return nil, validationError("1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
	}
	if err := s.authorize(ctx, p, "SimulateCustomPolicy", "*", nil); err != nil {
		return nil, err
	}
	subject := &identity.Principal{Type: identity.IAMUser, Account: s.account, ARN: identity.ARN(in.CallerArn)}
	return s.simulate(ctx, subject, &view{}, in)
}

// simulate evaluates every action × resource. fixed, when set, replaces the subject's stored
// policies (custom simulation, groups).
func (s *Service) simulate(ctx context.Context, subject *identity.Principal, fixed *view, in *SimulateInput) (*SimulateOutput, error) {
	extra, err := parseInputs(in.PolicyInputList, policy.Identity, "PolicyInputList")
	if err != nil {
		return nil, err
	}
	bounds, err := parseInputs(in.PermissionsBoundaryPolicyInputList, policy.Boundary, "PermissionsBoundaryPolicyInputList")
	if err != nil {
		return nil, err
	}
	var resPol *policy.Policy
	if in.ResourcePolicy != "" {
		if resPol, err = policy.Parse([]byte(in.ResourcePolicy), policy.Resource); err != nil {
			return nil, policyError(err)
		}
		resPol.Name = "resource policy"
	}
	resources := in.ResourceArns
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	var results []EvaluationResult
	for _, action := range in.ActionNames {
		for _, res := range resources {
			req := AuthzRequest{Action: action, Resource: res, Context: simContext(in.ContextEntries), ResourcePolicy: resPol}
			var set *policy.Set
			var preq *policy.Request
			if fixed != nil {
				set = &policy.Set{Identity: fixed.identity, Boundary: fixed.boundary, Resource: resPol}
				preq = &policy.Request{Action: action, Resource: res, Context: req.Context,
					Principal: policy.Principal{ARN: string(subject.ARN), Account: string(s.account)}}
				s.globalKeys(ctx, preq.Context, subject, true)
			} else if set, preq, err = s.prepare(ctx, subject, req); err != nil {
				return nil, err
			}
			set.Identity = append(append([]*policy.Policy(nil), set.Identity...), extra...)
			if len(bounds) > 0 {
				set.Boundary = bounds[0]
			}
			r := policy.Evaluate(set, preq)
			er := EvaluationResult{EvalActionName: action, EvalResourceName: res, EvalDecision: decisionName(r.Decision),
				MatchedStatements: []MatchedStatement{}, MissingContextValues: []string{}}
			for _, st := range r.Statements {
				er.MatchedStatements = append(er.MatchedStatements, MatchedStatement{SourcePolicyId: st.Policy, SourcePolicyType: sourceType(st.Policy)})
			}
			if set.Boundary != nil {
				er.PermissionsBoundaryDecisionDetail = &BoundaryDecision{AllowedByPermissionsBoundary: r.Reason != policy.ReasonNoBoundaryAllows && r.Reason != policy.ReasonDenyBoundary}
			}
			results = append(results, er)
		}
	}
	items, trunc, next, err := page(results, func(EvaluationResult) string { return "" }, "", 1000)
	if err != nil {
		return nil, err
	}
	return &SimulateOutput{EvaluationResults: items, Page: Page{IsTruncated: trunc, Marker: next}}, nil
}
