package sts

import "github.com/sluicehq/sluice/internal/awsproto"

// Version is the STS API version.
const Version = "2011-06-15"

// Routes returns the STS query-protocol adapter: one table row per operation.
func (s *Service) Routes() *awsproto.QueryRouter {
	return &awsproto.QueryRouter{
		Service: awsproto.STS,
		Version: Version,
		Ops: map[string]awsproto.QueryOp{
			"GetCallerIdentity": awsproto.Op(s.GetCallerIdentity),
			"AssumeRole":        awsproto.Op(s.AssumeRole),
			"GetSessionToken":   awsproto.Op(s.GetSessionToken),
			"GetAccessKeyInfo":  awsproto.Op(s.GetAccessKeyInfo),

			"AssumeRoleWithWebIdentity":  awsproto.Op(s.AssumeRoleWithWebIdentity),
			"DecodeAuthorizationMessage": awsproto.Op(s.DecodeAuthorizationMessage),
		},
	}
}
