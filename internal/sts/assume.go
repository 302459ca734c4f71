package sts

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/rootkeys"
	"github.com/sluicehq/sluice/internal/secret"
)

// Limits (spec §2, §9).
const (
	defaultDuration   = time.Hour
	minDuration       = 15 * time.Minute
	maxDuration       = 12 * time.Hour
	chainedMax        = time.Hour
	maxTags           = 50
	maxPolicyARNs     = 10
	maxInlinePolicy   = 2048
	packedBudgetBytes = 4096
)

var (
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDRE  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	tagRE         = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// Tag is a session tag as the query protocol sends it.
type Tag struct {
	Key   string `query:"Key"`
	Value string `query:"Value"`
}

// PolicyDescriptor names a managed session policy.
type PolicyDescriptor struct {
	ARN string `query:"arn"`
}

// AssumeRoleInput is AssumeRole's request (spec §2).
type AssumeRoleInput struct {
	RoleArn           string             `query:"RoleArn,required"`
	RoleSessionName   string             `query:"RoleSessionName,required"`
	PolicyArns        []PolicyDescriptor `query:"PolicyArns"`
	Policy            *string            `query:"Policy"`
	DurationSeconds   *int32             `query:"DurationSeconds"`
	Tags              []Tag              `query:"Tags"`
	TransitiveTagKeys []string           `query:"TransitiveTagKeys"`
	ExternalId        *string            `query:"ExternalId"`
	SerialNumber      *string            `query:"SerialNumber"`
	TokenCode         *string            `query:"TokenCode"`
	SourceIdentity    *string            `query:"SourceIdentity"`
}

// Credentials are temporary credentials as STS returns them.
type Credentials struct {
	AccessKeyID     identity.AccessKeyID `xml:"AccessKeyId"`
	SecretAccessKey secret.Value         `xml:"-"`
	SessionToken    secret.Value         `xml:"-"`
	Expiration      time.Time            `xml:"Expiration"`
}

// MarshalXML writes the credential for its owner: the only place secrets leave Sluice.
func (c Credentials) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	}{string(c.AccessKeyID), c.SecretAccessKey.Reveal(), c.SessionToken.Reveal(), c.Expiration.UTC().Format(time.RFC3339)}, start)
}

// AssumedRoleUser names the new session.
type AssumedRoleUser struct {
	AssumedRoleID string       `xml:"AssumedRoleId"`
	ARN           identity.ARN `xml:"Arn"`
}

// AssumeRoleOutput is AssumeRole's answer.
type AssumeRoleOutput struct {
	Credentials      Credentials     `xml:"Credentials"`
	AssumedRoleUser  AssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize *int            `xml:"PackedPolicySize,omitempty"`
	SourceIdentity   string          `xml:"SourceIdentity,omitempty"`
}

func validation(member, value, constraint string) *awsproto.Error {
	return awsproto.ValidationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func checkLen(member, v string, min, max int) error {
	if n := utf8.RuneCountInString(v); n < min || n > max {
		return validation(member, v, fmt.Sprintf("Member must have length between %d and %d", min, max))
	}
	return nil
}

func checkPattern(member, v string, re *regexp.Regexp) error {
	if !re.MatchString(v) {
		return validation(member, v, "Member must satisfy regular expression pattern: "+strings.Trim(re.String(), "^$"))
	}
	return nil
}

// sessionRequest is an AssumeRole* request after validation, common to every flavour.
type sessionRequest struct {
	roleARN        string
	sessionName    string
	duration       time.Duration
	durationGiven  bool
	inline         string
	inlinePolicy   *policy.Policy
	policyARNs     []string
	tags           []identity.Tag
	transitive     []string
	externalID     *string
	sourceIdentity *string
}

func (s *Service) validate(in *AssumeRoleInput) (*sessionRequest, error) {
	if in.SerialNumber != nil || in.TokenCode != nil {
		return nil, awsproto.InvalidParameterValue("MFA is not supported by Sluice: remove SerialNumber and TokenCode (use Kerberos or OIDC logins for strong authentication)")
	}
	r := &sessionRequest{roleARN: in.RoleArn, sessionName: in.RoleSessionName, duration: defaultDuration}
	if err := checkLen("roleArn", in.RoleArn, 20, 2048); err != nil {
		return nil, err
	}
	if err := checkLen("roleSessionName", in.RoleSessionName, 2, 64); err != nil {
		return nil, err
	}
	if err := checkPattern("roleSessionName", in.RoleSessionName, sessionNameRE); err != nil {
		return nil, err
	}
	if in.DurationSeconds != nil {
		d := time.Duration(*in.DurationSeconds) * time.Second
		if d < minDuration || d > maxDuration {
			return nil, validation("durationSeconds", fmt.Sprint(*in.DurationSeconds), "Member must have value between 900 and 43200")
		}
		r.duration, r.durationGiven = d, true
	}
	if in.ExternalId != nil {
		if err := checkLen("externalId", *in.ExternalId, 2, 1224); err != nil {
			return nil, err
		}
		if err := checkPattern("externalId", *in.ExternalId, externalIDRE); err != nil {
			return nil, err
		}
		r.externalID = in.ExternalId
	}
	if in.SourceIdentity != nil {
		v := *in.SourceIdentity
		if err := checkLen("sourceIdentity", v, 2, 64); err != nil {
			return nil, err
		}
		if err := checkPattern("sourceIdentity", v, sessionNameRE); err != nil {
			return nil, err
		}
		// The pattern has no ':', so the reserved "aws:" prefix cannot get through it.
		r.sourceIdentity = in.SourceIdentity
	}
	if len(in.PolicyArns) > maxPolicyARNs {
		return nil, validation("policyArns", fmt.Sprintf("%d items", len(in.PolicyArns)), "Member must have length less than or equal to 10")
	}
	for i, pa := range in.PolicyArns {
		if err := checkLen(fmt.Sprintf("policyArns.%d.member.arn", i+1), pa.ARN, 20, 2048); err != nil {
			return nil, err
		}
		r.policyARNs = append(r.policyARNs, pa.ARN)
	}
	if in.Policy != nil {
		if len(*in.Policy) > maxInlinePolicy {
			return nil, awsproto.Errorf(http.StatusBadRequest, "PackedPolicyTooLarge",
				"Packed policy consumes %d%% of allotted space, please use smaller policy for your session", 100*len(*in.Policy)/maxInlinePolicy)
		}
		p, err := policy.Parse([]byte(*in.Policy), policy.Session)
		if err != nil {
			return nil, awsproto.Errorf(http.StatusBadRequest, "MalformedPolicyDocument", "%s", policyMessage(err))
		}
		r.inline, r.inlinePolicy = *in.Policy, p
	}
	if len(in.Tags) > maxTags {
		return nil, validation("tags", fmt.Sprintf("%d items", len(in.Tags)), "Member must have length less than or equal to 50")
	}
	seen := map[string]bool{}
	for i, t := range in.Tags {
		if err := checkLen(fmt.Sprintf("tags.%d.member.key", i+1), t.Key, 1, 128); err != nil {
			return nil, err
		}
		if err := checkLen(fmt.Sprintf("tags.%d.member.value", i+1), t.Value, 0, 256); err != nil {
			return nil, err
		}
		if err := checkPattern(fmt.Sprintf("tags.%d.member.key", i+1), t.Key, tagRE); err != nil {
			return nil, err
		}
		if err := checkPattern(fmt.Sprintf("tags.%d.member.value", i+1), t.Value, tagRE); err != nil {
			return nil, err
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return nil, awsproto.InvalidParameterValue("Tag keys starting with \"aws:\" are reserved: %s", t.Key)
		}
		k := strings.ToLower(t.Key)
		if seen[k] {
			return nil, awsproto.InvalidParameterValue("Duplicate tag keys found. Please note that Tag keys are case insensitive: %s", t.Key)
		}
		seen[k] = true
		r.tags = append(r.tags, identity.Tag{Key: t.Key, Value: t.Value})
	}
	if len(in.TransitiveTagKeys) > maxTags {
		return nil, validation("transitiveTagKeys", fmt.Sprintf("%d items", len(in.TransitiveTagKeys)), "Member must have length less than or equal to 50")
	}
	for _, k := range in.TransitiveTagKeys {
		if !seen[strings.ToLower(k)] {
			return nil, awsproto.InvalidParameterValue("The specified transitive tag key must be included in the requested tags: %s", k)
		}
		r.transitive = append(r.transitive, k)
	}
	return r, nil
}

// policyMessage is the client-visible text of a policy parse error.
func policyMessage(err error) string {
	if pe, ok := err.(*policy.Error); ok {
		return pe.Message
	}
	return "The policy is not valid"
}

// packedPercent is our packed-size formula (AWS's is not published): the inline policy, managed
// policy ARNs and session tags together against a 4096-byte budget; an inline policy at its
// 2,048-character limit uses half.
func (r *sessionRequest) packedPercent() int {
	n := len(r.inline)
	for _, a := range r.policyARNs {
		n += len(a)
	}
	for _, t := range r.tags {
		n += len(t.Key) + len(t.Value)
	}
	return (n*100 + packedBudgetBytes - 1) / packedBudgetBytes
}

// AssumeRole returns credentials of a session of the role (spec §8.3).
func (s *Service) AssumeRole(ctx context.Context, p *identity.Principal, in *AssumeRoleInput) (*AssumeRoleOutput, error) {
	r, err := s.validate(in)
	if err != nil {
		return nil, err
	}
	return s.assumeWith(ctx, p, "sts:AssumeRole", r, nil, nil)
}

// denied is the answer for a role that is missing or whose trust refuses: they must look alike.
func denied(p *identity.Principal, action, roleARN string) error {
	return awsproto.AccessDenied("User: %s is not authorized to perform: %s on resource: %s", p.ARN, action, roleARN)
}

// assumeWith authorizes and mints a role session. fed is set for web-identity and Kerberos
// logins; extra holds their condition keys (<issuer>:sub…).
func (s *Service) assumeWith(ctx context.Context, p *identity.Principal, action string, r *sessionRequest, fed *identity.Federation, extra *policy.Context) (*AssumeRoleOutput, error) {
	if s.roles == nil {
		return nil, awsproto.Errorf(http.StatusInternalServerError, "InternalFailure", "roles are not configured")
	}
	if err := s.limit.allow(p); err != nil {
		return nil, err
	}
	role, err := s.roles.Role(ctx, r.roleARN)
	if err != nil || string(role.ARN) != r.roleARN {
		// A missing role, or an ARN that only matches case-insensitively, is denied like a
		// refused trust: the answer never reveals which roles exist.
		if ae := awsproto.As(err); err != nil && (ae == nil || ae.Status >= 500) {
			return nil, err
		}
		return nil, denied(p, action, r.roleARN)
	}

	// Chaining: a role session assuming a role is capped at one hour, keeps its source identity
	// and passes its transitive tags on (they cannot be overridden).
	var parent *identity.Session
	if p.Type == identity.AssumedRole {
		parent = p.Session
	}
	if parent != nil && r.duration > chainedMax {
		if r.durationGiven {
			return nil, awsproto.ValidationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		}
		r.duration = chainedMax
	}
	if parent == nil && r.duration > role.MaxSessionDuration {
		return nil, awsproto.ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	tags, transitive := r.tags, r.transitive
	sourceIdentity := ""
	if r.sourceIdentity != nil {
		sourceIdentity = *r.sourceIdentity
	}
	if parent != nil {
		for _, k := range parent.TransitiveTagKeys {
			for _, t := range parent.Tags {
				if !strings.EqualFold(t.Key, k) {
					continue
				}
				for _, nt := range r.tags {
					if strings.EqualFold(nt.Key, k) {
						return nil, awsproto.InvalidParameterValue("The session tag %s is transitive from the calling session and cannot be overridden", nt.Key)
					}
				}
				tags = append(tags, t)
				transitive = append(transitive, t.Key)
			}
		}
		if parent.SourceIdentity != "" {
			if r.sourceIdentity != nil && *r.sourceIdentity != parent.SourceIdentity {
				return nil, awsproto.AccessDenied("The source identity of a session cannot be changed: it was set to %s", parent.SourceIdentity)
			}
			sourceIdentity = parent.SourceIdentity
		}
	}
	if len(tags) > maxTags {
		return nil, awsproto.InvalidParameterValue("A session can have at most 50 tags, including transitive tags from the calling session")
	}
	packed := r.packedPercent()
	if packed > 100 {
		return nil, awsproto.Errorf(http.StatusBadRequest, "PackedPolicyTooLarge",
			"Packed policy consumes %d%% of allotted space, please use smaller policy for your session", packed)
	}

	// Authorization: every action the request needs, against the trust policy and the caller's
	// identity policies, by the one authorizer.
	keys := extra
	if keys == nil {
		keys = policy.NewContext()
	}
	keys.Set("sts:RoleSessionName", r.sessionName)
	if r.externalID != nil {
		keys.Set("sts:ExternalId", *r.externalID)
	}
	if sourceIdentity != "" {
		keys.Set("sts:SourceIdentity", sourceIdentity)
	}
	var tagKeys []string
	for _, t := range r.tags {
		keys.Set("aws:RequestTag/"+t.Key, t.Value)
		tagKeys = append(tagKeys, t.Key)
	}
	if len(tagKeys) > 0 {
		keys.SetMulti("aws:TagKeys", tagKeys...)
	}
	if len(r.transitive) > 0 {
		keys.SetMulti("sts:TransitiveTagKeys", r.transitive...)
	}
	actions := []string{action}
	if len(r.tags) > 0 || len(r.transitive) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if sourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, a := range actions {
		err := s.roles.AuthorizeTrust(ctx, p, a, role, keys)
		if err != nil {
			if ae := awsproto.As(err); ae != nil && ae.Code == "AccessDenied" {
				return nil, denied(p, a, r.roleARN)
			}
			return nil, err
		}
	}

	now := s.now().UTC().Truncate(time.Second)
	c := &claims{
		Kind: kindRole, Account: string(s.account), IssuedAt: now.Unix(), Expires: now.Add(r.duration).Unix(),
		RoleARN: string(role.ARN), RoleID: role.ID, RoleName: role.Name, SessionName: r.sessionName,
		SourceIdentity: sourceIdentity, Transitive: transitive, InlinePolicy: r.inline,
		PolicyARNs: r.policyARNs, Chained: parent != nil, CallerARN: string(p.ARN),
	}
	for _, t := range tags {
		c.Tags = append(c.Tags, [2]string{t.Key, t.Value})
	}
	if fed != nil {
		c.FedProvider, c.FedSubject, c.FedAudience = string(fed.Provider), fed.Subject, fed.Audience
	}
	creds, err := s.mint(c)
	if err != nil {
		return nil, err
	}
	out := &AssumeRoleOutput{
		Credentials:     *creds,
		AssumedRoleUser: AssumedRoleUser{AssumedRoleID: role.ID + ":" + r.sessionName, ARN: SessionARN(s.account, role.Name, r.sessionName)},
		SourceIdentity:  sourceIdentity,
	}
	if r.inline != "" || len(r.policyARNs) > 0 || len(r.tags) > 0 {
		out.PackedPolicySize = &packed
	}
	s.log.Debug("session issued", "role", role.ARN, "session", r.sessionName, "access_key_id", c.AccessKey, "expires", out.Credentials.Expiration)
	return out, nil
}

// mint fills in a fresh access key and secret and seals the token.
func (s *Service) mint(c *claims) (*Credentials, error) {
	ak, err := rootkeys.NewAccessKeyID("ASIA", s.rand)
	if err != nil {
		return nil, err
	}
	sk, err := rootkeys.NewSecretAccessKey(s.rand)
	if err != nil {
		return nil, err
	}
	c.AccessKey, c.Secret = string(ak), sk.Reveal()
	tok, err := sealToken(s.ring, c)
	if err != nil {
		return nil, err
	}
	return &Credentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: secret.New(tok), Expiration: time.Unix(c.Expires, 0).UTC()}, nil
}

func secretOf(c *claims) secret.Value { return secret.New(c.Secret) }
