package iam

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/authzmsg"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
)

// AuthzRequest is one action to authorize for a principal.
type AuthzRequest struct {
	Action   string // "s3:GetObject"
	Resource string // ARN
	// Context holds service-specific and request keys (s3:prefix, sts:ExternalId,
	// aws:RequestTag/k, aws:TagKeys, ...); Authorize adds the global keys to it itself:
	// aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:username (users
	// only), aws:PrincipalTag/* (user tags; role tags overlaid by session tags for sessions),
	// aws:SourceIdentity, aws:TokenIssueTime (sessions), aws:CurrentTime, aws:EpochTime,
	// aws:SourceIp, aws:SecureTransport, aws:MultiFactorAuthPresent ("false"),
	// aws:RequestedRegion, aws:UserAgent — from the principal and identity.RequestInfoFrom(ctx).
	// Keys the caller set are kept. May be nil.
	Context *policy.Context
	// ResourcePolicy is the resource-based policy (bucket policy, role trust); nil when none.
	ResourcePolicy *policy.Policy
	// ResourceRequired: the resource policy must allow (role trust for sts:AssumeRole*).
	ResourceRequired bool
}

// Authorize decides req for p with the policy engine: the user's inline + managed + groups'
// policies (or the session's role's policies), the permissions boundary, the session policies
// (identity.Session.InlinePolicy and PolicyARNs), and the resource policy. Root is allowed.
// A denial is an *awsproto.Error AccessDenied 403 with AWS's message; other errors are internal.
// The answer never depends on whether the resource exists.
func (s *Service) Authorize(ctx context.Context, p *identity.Principal, req AuthzRequest) error {
	if req.Context == nil {
		req.Context = policy.NewContext() // so that a denial can report the keys evaluated
	}
	r, err := s.Decide(ctx, p, req)
	if err != nil {
		return err
	}
	if r.Decision == policy.Allow {
		return nil
	}
	caller := "anonymous"
	if p != nil && p.ARN != "" {
		caller = string(p.ARN)
	}
	denied := awsproto.AccessDenied("%s", r.Message(caller, req.Action, req.Resource))
	if blob := s.encodeDenial(p, req, r); blob != "" {
		denied = denied.With("EncodedAuthorizationMessage", blob)
	}
	return denied
}

// encodeDenial seals the decision behind a denial for sts:DecodeAuthorizationMessage: the
// action, resource, caller, deciding statements and condition keys. It travels with the error
// (an extra element or member every protocol carries); only the key ring opens it.
func (s *Service) encodeDenial(p *identity.Principal, req AuthzRequest, r policy.Result) string {
	if s.ring == nil {
		return ""
	}
	m := &authzmsg.Message{
		ExplicitDeny: r.Decision == policy.ExplicitDeny,
		Reason:       r.Reason.String(),
		Context:      authzmsg.Context{Action: req.Action, Resource: req.Resource},
	}
	if p != nil {
		m.Context.Principal = authzmsg.Principal{ID: p.ID, ARN: string(p.ARN)}
	}
	for _, st := range r.Statements {
		m.MatchedStatements.Items = append(m.MatchedStatements.Items, authzmsg.Statement{Policy: st.Policy, Index: st.Index, Sid: st.Sid})
	}
	for _, k := range req.Context.Keys() {
		vs, _ := req.Context.Get(k)
		m.Context.Conditions.Items = append(m.Context.Conditions.Items, authzmsg.Condition{Key: k, Values: vs})
	}
	blob, err := authzmsg.Encode(s.ring, m)
	if err != nil {
		s.log.Warn("encoding an authorization message failed", "err", err)
		return ""
	}
	return blob
}

// rootIdentity is the account root's identity: every action on every resource.
var rootIdentity = func() *policy.Policy {
	p, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`), policy.Identity)
	if err != nil {
		panic(err)
	}
	p.Name = "account root"
	return p
}()

// rootTrust decides a role's trust for the account root, which may do anything else but may not
// bypass a trust: it is admitted as the account (a trust naming the account or its root ARN, with
// its conditions), or as one of the AWS services the trust names — Sluice's stand-in for a
// service such as Glue assuming its job role, which no client could otherwise do. (AWS refuses
// AssumeRole by the root user altogether; Sluice keeps root usable for setting things up.)
func rootTrust(p *identity.Principal, req AuthzRequest) policy.Result {
	set := &policy.Set{Identity: []*policy.Policy{rootIdentity}, Resource: req.ResourcePolicy, ResourceRequired: true}
	preq := &policy.Request{Action: req.Action, Resource: req.Resource, Context: req.Context,
		Principal: policy.Principal{ARN: string(p.ARN), Account: string(p.Account)}} // not IsRoot: that short-circuits the engine
	if preq.Context == nil {
		preq.Context = policy.NewContext()
	}
	r := policy.Evaluate(set, preq)
	if r.Decision != policy.ImplicitDeny {
		return r
	}
	for _, svc := range req.ResourcePolicy.Services() {
		preq.Principal = policy.Principal{Service: svc}
		if rs := policy.Evaluate(set, preq); rs.Decision == policy.Allow {
			return rs
		}
	}
	return r
}

// Decide is Authorize without rendering the denial.
func (s *Service) Decide(ctx context.Context, p *identity.Principal, req AuthzRequest) (policy.Result, error) {
	if p != nil && p.Type == identity.Root && p.Account == s.account {
		if req.ResourceRequired && req.ResourcePolicy != nil {
			return rootTrust(p, req), nil
		}
		return policy.Result{Decision: policy.Allow}, nil
	}
	set, preq, err := s.prepare(ctx, p, req)
	if err != nil {
		return policy.Result{}, err
	}
	return policy.Evaluate(set, preq), nil
}

// prepare gathers the policies and the request context of one decision (spec §8.1).
func (s *Service) prepare(ctx context.Context, p *identity.Principal, req AuthzRequest) (*policy.Set, *policy.Request, error) {
	set := &policy.Set{Resource: req.ResourcePolicy, ResourceRequired: req.ResourceRequired}
	preq := &policy.Request{Action: req.Action, Resource: req.Resource, Context: req.Context}
	if preq.Context == nil {
		preq.Context = policy.NewContext()
	}
	keep := req.Context != nil
	if p == nil || p.Type == identity.Anonymous {
		s.globalKeys(ctx, preq.Context, nil, keep)
		return set, preq, nil
	}
	if p.Type == identity.WebIdentityUser && (p.Session == nil || p.Session.RoleARN == "") {
		// A federated login asking for a role (AssumeRoleWithWebIdentity): it has no identity
		// policies of its own; only the role's trust, naming its provider, can allow.
		s.globalKeys(ctx, preq.Context, nil, keep)
		preq.Principal = policy.Principal{ARN: string(p.ARN), Account: string(p.Account)}
		if p.Session != nil && p.Session.Federation != nil {
			preq.Principal.Federated = string(p.Session.Federation.Provider)
		}
		return set, preq, nil
	}
	view, err := s.compiledFor(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	set.Identity = view.identity
	set.Boundary = view.boundary
	tags := view.tags
	if sess := p.Session; sess != nil {
		if len(sess.Tags) > 0 {
			tags = mergeTags(tags, sess.Tags)
		}
		if sess.HasPolicies() {
			set.HasSession = true
			set.Session, err = s.sessionPolicies(ctx, sess)
			if err != nil {
				return nil, nil, err
			}
		}
	}
	preq.Principal = policy.Principal{ARN: string(p.ARN), Account: string(p.Account)}
	if p.Session != nil {
		preq.Principal.RoleARN = string(p.Session.RoleARN)
		if f := p.Session.Federation; f != nil {
			preq.Principal.Federated = string(f.Provider)
		}
	}
	s.globalKeys(ctx, preq.Context, p, keep)
	if p.Type == identity.IAMUser && p.AccessKeyID != "" {
		svc, _, _ := strings.Cut(req.Action, ":")
		s.recordUse(ctx, p.AccessKeyID, strings.ToLower(svc), identity.RequestInfoFrom(ctx).Region)
	}
	if len(view.tagKeys) == len(tags) && (p.Session == nil || len(p.Session.Tags) == 0) {
		for i, t := range tags { // the entity's own tags: key names prepared once
			if keep {
				if _, ok := preq.Context.Get(view.tagKeys[i]); ok {
					continue
				}
			}
			preq.Context.Set(view.tagKeys[i], t.Value)
		}
	} else {
		for _, t := range tags {
			k := "aws:principaltag/" + strings.ToLower(t.Key)
			if keep {
				if _, ok := preq.Context.Get(k); ok {
					continue
				}
			}
			preq.Context.Set(k, t.Value)
		}
	}
	return set, preq, nil
}

// globalKeys sets the request's global condition keys. When keep is set (the caller supplied
// the context) keys already present are left alone. Key names are written in lower case, which
// the policy context stores without converting them.
func (s *Service) globalKeys(ctx context.Context, c *policy.Context, p *identity.Principal, keep bool) {
	set := func(k, v string) {
		if v == "" {
			return
		}
		if keep {
			if _, ok := c.Get(k); ok {
				return
			}
		}
		c.Set(k, v)
	}
	info := identity.RequestInfoFrom(ctx)
	t := info.Time
	if t.IsZero() {
		t = s.now()
	}
	ts := s.clockStrings(t)
	set("aws:currenttime", ts.current)
	set("aws:epochtime", ts.epoch)
	set("aws:sourceip", info.SourceIP)
	set("aws:securetransport", strconv.FormatBool(info.SecureTransport))
	set("aws:multifactorauthpresent", "false")
	set("aws:requestedregion", info.Region)
	set("aws:useragent", info.UserAgent)
	if p == nil {
		return
	}
	set("aws:principalaccount", string(p.Account))
	set("aws:userid", p.ID)
	switch p.Type {
	case identity.IAMUser:
		set("aws:principalarn", string(p.ARN))
		set("aws:principaltype", "User")
		set("aws:username", p.UserName)
	case identity.AssumedRole, identity.WebIdentityUser:
		set("aws:principaltype", "AssumedRole")
		if p.Session != nil {
			set("aws:principalarn", string(p.Session.RoleARN))
			set("aws:sourceidentity", p.Session.SourceIdentity)
			if !p.Session.IssuedAt.IsZero() {
				set("aws:tokenissuetime", p.Session.IssuedAt.UTC().Format("2006-01-02T15:04:05Z"))
			}
		}
	}
}

// clockText is a second's aws:CurrentTime and aws:EpochTime, formatted once per second.
type clockText struct {
	unix           int64
	current, epoch string
}

func (s *Service) clockStrings(t time.Time) *clockText {
	u := t.Unix()
	if c := s.clock.Load(); c != nil && c.unix == u {
		return c
	}
	c := &clockText{unix: u, current: t.UTC().Format("2006-01-02T15:04:05Z"), epoch: strconv.FormatInt(u, 10)}
	s.clock.Store(c)
	return c
}

// authorize is what every IAM operation calls first.
func (s *Service) authorize(ctx context.Context, p *identity.Principal, action string, resource identity.ARN, keys *policy.Context) error {
	return s.Authorize(ctx, p, AuthzRequest{Action: "iam:" + action, Resource: string(resource), Context: keys})
}

// view is what Authorize needs of a principal: its compiled identity policies, boundary and tags.
type view struct {
	identity []*policy.Policy
	boundary *policy.Policy
	tags     []identity.Tag
	tagKeys  []string // "aws:principaltag/<lower-case key>" for each of tags
}

// cache holds compiled policies of one IAM generation.
type cache struct {
	mu       sync.Mutex
	gen      int64
	users    map[string]*view
	roles    map[string]*view
	roleObjs map[string]*Role
	managed  map[identity.ARN]*policy.Policy
	creds    map[identity.AccessKeyID]*credEntry
	sessions map[string]*policy.Policy // session inline policies by text, any generation
}

type credEntry struct {
	cred   *identity.Credential
	active bool
}

const maxSessionCache = 4096

func newCache() *cache {
	c := &cache{sessions: map[string]*policy.Policy{}}
	c.reset(-1)
	return c
}

func (c *cache) reset(gen int64) {
	c.gen = gen
	c.users = map[string]*view{}
	c.roles = map[string]*view{}
	c.roleObjs = map[string]*Role{}
	c.managed = map[identity.ARN]*policy.Policy{}
	c.creds = map[identity.AccessKeyID]*credEntry{}
}

// sync drops the cache when the store's generation moved and returns the current generation.
func (s *Service) sync(ctx context.Context) (int64, error) {
	gen, err := s.generation(ctx)
	if err != nil {
		return 0, err
	}
	s.cache.mu.Lock()
	if gen > s.cache.gen { // generations only grow; a slower reader never rolls the cache back
		s.cache.reset(gen)
	}
	s.cache.mu.Unlock()
	return gen, nil
}

// compiledFor returns the principal's compiled policies: a user's, or a session's role's. A
// principal whose entity is gone has none (everything is implicitly denied).
func (s *Service) compiledFor(ctx context.Context, p *identity.Principal) (*view, error) {
	gen, err := s.sync(ctx)
	if err != nil {
		return nil, err
	}
	var kind, name string
	switch {
	case p.Session != nil:
		kind, name = kindRole, p.Session.RoleName
		if name == "" {
			_, name, _ = s.splitARN(string(p.Session.RoleARN), "role")
		}
	case p.Type == identity.IAMUser:
		kind, name = kindUser, p.UserName
	default:
		return &view{}, nil
	}
	key := keyOf(name)
	s.cache.mu.Lock()
	m := s.cache.users
	if kind == kindRole {
		m = s.cache.roles
	}
	v := m[key]
	s.cache.mu.Unlock()
	if v != nil {
		return v, nil
	}
	v, err = s.loadView(ctx, kind, name, string(principalEntityARN(p)))
	if err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	if s.cache.gen == gen {
		m[key] = v
	}
	s.cache.mu.Unlock()
	return v, nil
}

// principalEntityARN is the ARN of the user or role behind p.
func principalEntityARN(p *identity.Principal) identity.ARN {
	if p.Session != nil {
		return p.Session.RoleARN
	}
	return p.ARN
}

// loadView compiles an entity's policies. wantARN guards against a recreated entity with another
// path being confused with the old one.
func (s *Service) loadView(ctx context.Context, kind, name, wantARN string) (*view, error) {
	h, err := loadHolder(ctx, s.st, kind, name)
	if err != nil {
		if awsproto.As(err) != nil {
			return &view{}, nil
		}
		return nil, err
	}
	if wantARN != "" && !strings.EqualFold(string(h.arn), wantARN) {
		return &view{}, nil
	}
	v := &view{}
	if err := s.addPolicies(ctx, v, h); err != nil {
		return nil, err
	}
	switch r := h.rec.(type) {
	case *userRec:
		v.tags = r.Tags
		for _, g := range r.Groups {
			gh, err := loadHolder(ctx, s.st, kindGroup, g)
			if err != nil {
				if awsproto.As(err) != nil {
					continue
				}
				return nil, err
			}
			if err := s.addPolicies(ctx, v, gh); err != nil {
				return nil, err
			}
		}
	case *Role:
		v.tags = r.Tags
	}
	for _, t := range v.tags {
		v.tagKeys = append(v.tagKeys, "aws:principaltag/"+strings.ToLower(t.Key))
	}
	if h.boundary != nil && *h.boundary != "" {
		b, err := s.managedPolicy(ctx, *h.boundary)
		if err != nil {
			return nil, err
		}
		if b == nil {
			// A boundary that cannot be read allows nothing: fail closed.
			b = denyAll
		}
		v.boundary = b
	}
	return v, nil
}

var denyAll = func() *policy.Policy {
	p, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`), policy.Boundary)
	if err != nil {
		panic(err)
	}
	p.Name = "missing permissions boundary"
	return p
}()

func (s *Service) addPolicies(ctx context.Context, v *view, h *holder) error {
	for _, name := range sortedKeys(*h.inline) {
		pol, err := policy.Parse([]byte((*h.inline)[name]), policy.Identity)
		if err != nil {
			// Stored documents were validated on write; skip one that no longer parses.
			s.log.Warn("iam: stored inline policy does not parse", "entity", h.arn, "policy", name, "err", err)
			continue
		}
		pol.Name = entityWord(h.kind) + "/" + h.name + " inline " + name
		v.identity = append(v.identity, pol)
	}
	for _, arn := range *h.attached {
		pol, err := s.managedPolicy(ctx, arn)
		if err != nil {
			return err
		}
		if pol != nil {
			v.identity = append(v.identity, pol)
		}
	}
	return nil
}

// managedPolicy returns the compiled default version of a managed policy, or nil when absent.
func (s *Service) managedPolicy(ctx context.Context, arn identity.ARN) (*policy.Policy, error) {
	s.cache.mu.Lock()
	pol, ok := s.cache.managed[arn]
	gen := s.cache.gen
	s.cache.mu.Unlock()
	if ok {
		return pol, nil
	}
	rec, err := s.loadPolicy(ctx, s.st, string(arn))
	if err != nil {
		if awsproto.As(err) == nil {
			return nil, err
		}
	} else {
		pol, err = policy.Parse([]byte(rec.defaultDoc()), policy.Identity)
		if err != nil {
			s.log.Warn("iam: stored managed policy does not parse", "policy", arn, "err", err)
			pol = nil
		} else {
			pol.Name = string(arn)
		}
	}
	s.cache.mu.Lock()
	if s.cache.gen == gen {
		s.cache.managed[arn] = pol
	}
	s.cache.mu.Unlock()
	return pol, nil
}

// sessionPolicies compiles a session's inline policy (cached by its text) and its managed
// policy ARNs. A session policy that cannot be read allows nothing.
func (s *Service) sessionPolicies(ctx context.Context, sess *identity.Session) ([]*policy.Policy, error) {
	out := make([]*policy.Policy, 0, 1+len(sess.PolicyARNs))
	if doc := sess.InlinePolicy; doc != "" {
		s.cache.mu.Lock()
		pol := s.cache.sessions[doc]
		s.cache.mu.Unlock()
		if pol == nil {
			var err error
			pol, err = policy.Parse([]byte(doc), policy.Session)
			if err != nil {
				pol = denyAll
			} else {
				pol.Name = "session policy"
			}
			s.cache.mu.Lock()
			if len(s.cache.sessions) >= maxSessionCache {
				clear(s.cache.sessions)
			}
			s.cache.sessions[doc] = pol
			s.cache.mu.Unlock()
		}
		out = append(out, pol)
	}
	for _, arn := range sess.PolicyARNs {
		pol, err := s.managedPolicy(ctx, arn)
		if err != nil {
			return nil, err
		}
		if pol != nil {
			out = append(out, pol)
		}
	}
	return out, nil
}
