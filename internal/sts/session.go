package sts

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
)

// GetSessionTokenInput is GetSessionToken's request.
type GetSessionTokenInput struct {
	DurationSeconds *int32  `query:"DurationSeconds"`
	SerialNumber    *string `query:"SerialNumber"`
	TokenCode       *string `query:"TokenCode"`
}

// GetSessionTokenOutput is GetSessionToken's answer.
type GetSessionTokenOutput struct {
	Credentials Credentials `xml:"Credentials"`
}

// GetSessionToken returns temporary credentials for an IAM user or the root: the same principal,
// the same permissions, a bounded lifetime. Like AWS it needs no permission, and session
// credentials cannot call it.
func (s *Service) GetSessionToken(_ context.Context, p *identity.Principal, in *GetSessionTokenInput) (*GetSessionTokenOutput, error) {
	if in.SerialNumber != nil || in.TokenCode != nil {
		return nil, awsproto.InvalidParameterValue("MFA is not supported by Sluice: remove SerialNumber and TokenCode")
	}
	if p.Type != identity.IAMUser && p.Type != identity.Root || p.Session != nil || isTemporary(p.AccessKeyID) {
		return nil, awsproto.AccessDenied("Cannot call GetSessionToken with session credentials")
	}
	if err := s.limit.allow(p); err != nil {
		return nil, err
	}
	d, maxD := 12*time.Hour, 36*time.Hour
	if p.Type == identity.Root {
		d, maxD = time.Hour, time.Hour
	}
	if in.DurationSeconds != nil {
		d = time.Duration(*in.DurationSeconds) * time.Second
		if d < minDuration || d > 36*time.Hour {
			return nil, validation("durationSeconds", fmt.Sprint(*in.DurationSeconds), "Member must have value between 900 and 129600")
		}
		if d > maxD {
			return nil, awsproto.ValidationError("The requested DurationSeconds exceeds the 1 hour limit for the root user.")
		}
	}
	now := s.now().UTC().Truncate(time.Second)
	c := &claims{Account: string(s.account), IssuedAt: now.Unix(), Expires: now.Add(d).Unix()}
	if p.Type == identity.Root {
		c.Kind = kindRoot
	} else {
		c.Kind, c.UserARN, c.UserID, c.UserName = kindUser, string(p.ARN), p.ID, p.UserName
	}
	creds, err := s.mint(c)
	if err != nil {
		return nil, err
	}
	return &GetSessionTokenOutput{Credentials: *creds}, nil
}

func isTemporary(id identity.AccessKeyID) bool { return len(id) >= 4 && id[:4] == "ASIA" }

// GetAccessKeyInfoInput is GetAccessKeyInfo's request.
type GetAccessKeyInfoInput struct {
	AccessKeyId string `query:"AccessKeyId,required"`
}

// GetAccessKeyInfoOutput is GetAccessKeyInfo's answer.
type GetAccessKeyInfoOutput struct {
	Account identity.AccountID `xml:"Account"`
}

// GetAccessKeyInfo returns the account an access key belongs to. A Sluice serves one account,
// so any well-formed key id answers with it; nothing about the key's existence is revealed.
func (s *Service) GetAccessKeyInfo(_ context.Context, _ *identity.Principal, in *GetAccessKeyInfoInput) (*GetAccessKeyInfoOutput, error) {
	if err := checkLen("accessKeyId", in.AccessKeyId, 16, 128); err != nil {
		return nil, err
	}
	return &GetAccessKeyInfoOutput{Account: s.account}, nil
}
