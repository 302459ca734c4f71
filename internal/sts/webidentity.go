package sts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/oidc"
	"github.com/sluicehq/sluice/internal/policy"
)

// OIDCProvider is an IAM OpenID Connect provider as STS needs it.
type OIDCProvider struct {
	ARN       identity.ARN // arn:aws:iam::<acct>:oidc-provider/<host/path>
	ClientIDs []string
}

// OIDCProviders finds the IAM OIDC provider registered for an issuer URL.
type OIDCProviders interface {
	// OIDCProviderFor returns the provider for issuer (its URL as in the token's iss claim), or
	// an error when none is registered.
	OIDCProviderFor(ctx context.Context, issuer string) (*OIDCProvider, error)
}

// WebIdentityLogin is what a verified ID token says about the person, for mapping checks.
type WebIdentityLogin struct {
	Issuer  string   // the iss claim, a registered provider's URL
	Subject string   // sub
	Groups  []string // the groups claim (Options.GroupsClaim)
}

// WebIdentityMapper holds Sluice's identity mappings for OIDC issuers (the mappings service).
type WebIdentityMapper interface {
	// MapWebIdentity reports whether any mapping names l.Issuer (governed) and, when one does,
	// whether a mapping of role matches l's subject or one of its groups (allowed).
	MapWebIdentity(ctx context.Context, l WebIdentityLogin, role identity.ARN) (governed, allowed bool, err error)
}

// AssumeRoleWithWebIdentityInput is the request (spec §2).
type AssumeRoleWithWebIdentityInput struct {
	RoleArn          string             `query:"RoleArn,required"`
	RoleSessionName  string             `query:"RoleSessionName,required"`
	WebIdentityToken string             `query:"WebIdentityToken,required"`
	ProviderId       *string            `query:"ProviderId"`
	PolicyArns       []PolicyDescriptor `query:"PolicyArns"`
	Policy           *string            `query:"Policy"`
	DurationSeconds  *int32             `query:"DurationSeconds"`
}

// AssumeRoleWithWebIdentityOutput is the answer.
type AssumeRoleWithWebIdentityOutput struct {
	Credentials                 Credentials     `xml:"Credentials"`
	SubjectFromWebIdentityToken string          `xml:"SubjectFromWebIdentityToken"`
	AssumedRoleUser             AssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize            *int            `xml:"PackedPolicySize,omitempty"`
	Provider                    string          `xml:"Provider"`
	Audience                    string          `xml:"Audience"`
	SourceIdentity              string          `xml:"SourceIdentity,omitempty"`
}

// claimStrings reads a claim holding a string or a list of strings.
func claimStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// issuerKey is the provider's name in ARNs and condition keys: the issuer URL without scheme.
func issuerKey(issuer string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://")
	return strings.TrimSuffix(s, "/")
}

func idpError(code, format string, args ...any) *awsproto.Error {
	status := http.StatusBadRequest
	if code == "IDPRejectedClaim" {
		status = http.StatusForbidden
	}
	return awsproto.Errorf(status, code, format, args...)
}

// AssumeRoleWithWebIdentity exchanges an OIDC ID token for a role session (spec §2, §8.3). The
// call is unsigned: the token is the credential. Its signature is checked against the issuer's
// keys, its audience against the provider's client ids, and the role's trust policy must allow
// sts:AssumeRoleWithWebIdentity for the provider, with <issuer>:sub, :aud and :amr as keys.
//
// # Mapped issuers
//
// An issuer that Sluice has identity mappings for (Options.Mappings: issuer + sub and/or a
// group of the groups claim → role) is a Sluice OIDC login, and two things change:
//
//   - The role must also be mapped to the person: some mapping of the role must match the
//     token's sub, or one of the groups in its groups claim (Options.GroupsClaim). Otherwise the
//     answer is AccessDenied, worded as a refused trust. Roles nobody mapped stay out of reach
//     for that issuer's tokens whatever their trust says; issuers without mappings keep plain
//     AWS semantics (the trust policy alone).
//   - The person becomes the session's source identity, so every call of the session names
//     them in the audit trail (sessionContext.sourceIdentity): the token's
//     https://aws.amazon.com/source_identity claim when present, else Options.SourceIdentityClaim
//     (default sub), mapped into the [\w+=,.@-]{2,64} alphabet. As with AWS, setting a source
//     identity needs sts:SetSourceIdentity in the trust policy, which the mappings service
//     checks when a mapping is created.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, _ *identity.Principal, in *AssumeRoleWithWebIdentityInput) (*AssumeRoleWithWebIdentityOutput, error) {
	if s.providers == nil || s.oidc == nil {
		return nil, idpError("InvalidIdentityToken", "No OpenIDConnect provider found in your account")
	}
	if err := checkLen("webIdentityToken", in.WebIdentityToken, 4, 20000); err != nil {
		return nil, validation("webIdentityToken", "***", "Member must have length between 4 and 20000")
	}
	r, err := s.validate(&AssumeRoleInput{RoleArn: in.RoleArn, RoleSessionName: in.RoleSessionName,
		PolicyArns: in.PolicyArns, Policy: in.Policy, DurationSeconds: in.DurationSeconds})
	if err != nil {
		return nil, err
	}
	issuer, err := oidc.UnverifiedIssuer(in.WebIdentityToken)
	if err != nil {
		return nil, idpError("InvalidIdentityToken", "The web identity token is not a valid JWT")
	}
	prov, err := s.providers.OIDCProviderFor(ctx, issuer)
	if err != nil {
		return nil, idpError("InvalidIdentityToken", "No OpenIDConnect provider found in your account for %s", issuer)
	}
	claims, err := s.oidc.Verify(ctx, issuer, in.WebIdentityToken)
	switch {
	case errors.Is(err, oidc.ErrExpired):
		return nil, idpError("ExpiredTokenException", "Token expired: current date/time %s must be before the expiration date/time", s.now().UTC().Format(time.RFC3339))
	case errors.Is(err, oidc.ErrCommunication):
		s.log.Warn("OIDC issuer unreachable", "issuer", issuer, "err", err)
		return nil, idpError("IDPCommunicationError", "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements")
	case err != nil:
		s.log.Info("web identity token refused", "issuer", issuer, "err", err)
		return nil, idpError("InvalidIdentityToken", "The web identity token could not be verified")
	}
	aud := ""
	for _, a := range claims.Audience {
		for _, id := range prov.ClientIDs {
			if a == id {
				aud = a
			}
		}
	}
	if aud == "" {
		return nil, idpError("InvalidIdentityToken", "Incorrect token audience")
	}
	key := issuerKey(issuer)
	caller := &identity.Principal{
		Type:    identity.WebIdentityUser,
		Account: s.account,
		ARN:     prov.ARN,
		ID:      key + ":" + claims.Subject,
		Session: &identity.Session{Federation: &identity.Federation{Provider: prov.ARN, Subject: claims.Subject, Audience: aud}},
	}
	// The request was unsigned; from here on the audit record names the verified web identity.
	if c := awsproto.CallFrom(ctx); c != nil && (c.Principal == nil || c.Principal.Type == identity.Anonymous) {
		c.Principal = caller
	}
	governed := false
	if s.mappings != nil {
		l := WebIdentityLogin{Issuer: issuer, Subject: claims.Subject, Groups: claimStrings(claims.Raw[s.groups])}
		var allowed bool
		governed, allowed, err = s.mappings.MapWebIdentity(ctx, l, identity.ARN(in.RoleArn))
		if err != nil {
			s.log.Error("reading identity mappings", "err", err)
			return nil, awsproto.Errorf(http.StatusInternalServerError, "InternalFailure", "An internal error occurred")
		}
		if governed && !allowed {
			s.log.Info("web identity login refused: no mapping of the role matches", "issuer", issuer, "sub", claims.Subject, "role", in.RoleArn)
			return nil, denied(&identity.Principal{ARN: prov.ARN}, "sts:AssumeRoleWithWebIdentity", in.RoleArn)
		}
	}

	// AWS's claims for session tags and source identity.
	if tagClaim, ok := claims.Raw["https://aws.amazon.com/tags"].(map[string]any); ok {
		pt, _ := tagClaim["principal_tags"].(map[string]any)
		keys := make([]string, 0, len(pt))
		for k := range pt {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var tags []Tag
		for _, k := range keys {
			switch v := pt[k].(type) {
			case []any:
				if len(v) > 0 {
					tags = append(tags, Tag{Key: k, Value: fmt.Sprint(v[0])})
				}
			case string:
				tags = append(tags, Tag{Key: k, Value: v})
			}
		}
		var transitive []string
		if tt, ok := tagClaim["transitive_tag_keys"].([]any); ok {
			for _, k := range tt {
				transitive = append(transitive, fmt.Sprint(k))
			}
		}
		tr, err := s.validate(&AssumeRoleInput{RoleArn: in.RoleArn, RoleSessionName: in.RoleSessionName, Tags: tags, TransitiveTagKeys: transitive})
		if err != nil {
			return nil, idpError("IDPRejectedClaim", "The session tags in the web identity token are not valid: %s", awsproto.As(err).Message)
		}
		r.tags, r.transitive = tr.tags, tr.transitive
	}
	if si, ok := claims.Raw["https://aws.amazon.com/source_identity"].(string); ok && si != "" {
		tr, err := s.validate(&AssumeRoleInput{RoleArn: in.RoleArn, RoleSessionName: in.RoleSessionName, SourceIdentity: &si})
		if err != nil {
			return nil, idpError("IDPRejectedClaim", "The source identity in the web identity token is not valid")
		}
		r.sourceIdentity = tr.sourceIdentity
	}
	if governed && r.sourceIdentity == nil {
		who, _ := claims.Raw[s.sourceID].(string)
		if who == "" {
			who = claims.Subject
		}
		si := sanitizeSourceIdentity(who)
		r.sourceIdentity = &si
	}

	extra := policy.NewContext()
	extra.Set(key+":aud", aud)
	extra.Set(key+":sub", claims.Subject)
	if len(claims.AMR) > 0 {
		extra.SetMulti(key+":amr", claims.AMR...)
	}
	extra.Set("aws:FederatedProvider", string(prov.ARN))
	out, err := s.assumeWith(ctx, caller, "sts:AssumeRoleWithWebIdentity", r, caller.Session.Federation, extra)
	if err != nil {
		return nil, err
	}
	return &AssumeRoleWithWebIdentityOutput{
		Credentials:                 out.Credentials,
		SubjectFromWebIdentityToken: claims.Subject,
		AssumedRoleUser:             out.AssumedRoleUser,
		PackedPolicySize:            out.PackedPolicySize,
		Provider:                    key,
		Audience:                    aud,
		SourceIdentity:              out.SourceIdentity,
	}, nil
}
