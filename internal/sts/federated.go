package sts

import (
	"context"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
)

// Login is an external identity that Sluice itself has authenticated (a Kerberos ticket checked
// against the service keytab, for instance) and that asks for a session of a role.
type Login struct {
	// Provider is the federated principal the role's trust must name, e.g.
	// arn:aws:iam::123456789012:kerberos-realm/EXAMPLE.COM.
	Provider identity.ARN
	// Subject is the authenticated name (user1@EXAMPLE.COM); it becomes the source identity.
	Subject string
	// Action is the trust action: sts:AssumeRoleWithKerberos.
	Action string
	// Keys are the login's condition keys (kerberos:principal …).
	Keys map[string]string
	// RoleARN, SessionName and Duration (0 = 1 h) describe the session wanted.
	RoleARN     string
	SessionName string
	Duration    time.Duration
}

// AssumeRoleWithLogin mints a session of a role for an authenticated external login. The role's
// trust policy must allow Action for the Provider (with the login's keys); an IAM user cannot
// reach such a role through sts:AssumeRole unless its trust also names the user. The login's
// subject is the session's source identity, so it appears in every audit record of the session.
func (s *Service) AssumeRoleWithLogin(ctx context.Context, l Login) (*AssumeRoleOutput, error) {
	in := &AssumeRoleInput{RoleArn: l.RoleARN, RoleSessionName: l.SessionName}
	if l.Duration != 0 {
		d := int32(l.Duration / time.Second)
		in.DurationSeconds = &d
	}
	sourceIdentity := sanitizeSourceIdentity(l.Subject)
	in.SourceIdentity = &sourceIdentity
	r, err := s.validate(in)
	if err != nil {
		return nil, err
	}
	caller := &identity.Principal{
		Type:    identity.WebIdentityUser,
		Account: s.account,
		ARN:     l.Provider,
		ID:      l.Subject,
		Session: &identity.Session{Federation: &identity.Federation{Provider: l.Provider, Subject: l.Subject}},
	}
	keys := policy.NewContext()
	for k, v := range l.Keys {
		keys.Set(k, v)
	}
	if l.Action == "" {
		return nil, awsproto.InvalidParameterValue("login action missing")
	}
	return s.assumeWith(ctx, caller, l.Action, r, caller.Session.Federation, keys)
}

// sanitizeSourceIdentity maps a login name into the SourceIdentity alphabet [\w+=,.@-] (2..64).
func sanitizeSourceIdentity(subject string) string { return identity.SafeName(subject, '_') }
