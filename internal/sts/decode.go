package sts

import (
	"context"

	"github.com/sluicehq/sluice/internal/authzmsg"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
)

// DecodeAuthorizationMessageInput is the request.
type DecodeAuthorizationMessageInput struct {
	EncodedMessage string `query:"EncodedMessage,required"`
}

// DecodeAuthorizationMessageOutput is the answer: the decision as JSON.
type DecodeAuthorizationMessageOutput struct {
	DecodedMessage string `xml:"DecodedMessage"`
}

// DecodeAuthorizationMessage turns the encoded message of a denied request back into the
// decision behind it. The caller needs sts:DecodeAuthorizationMessage.
func (s *Service) DecodeAuthorizationMessage(ctx context.Context, p *identity.Principal, in *DecodeAuthorizationMessageInput) (*DecodeAuthorizationMessageOutput, error) {
	if err := checkLen("encodedMessage", in.EncodedMessage, 1, 10240); err != nil {
		return nil, err
	}
	if err := s.roles.Authorize(ctx, p, "sts:DecodeAuthorizationMessage", "*"); err != nil {
		return nil, err
	}
	data, err := authzmsg.Decode(s.ring, in.EncodedMessage)
	if err != nil {
		return nil, awsproto.Errorf(400, "InvalidAuthorizationMessageException", "The encoded message is not valid")
	}
	return &DecodeAuthorizationMessageOutput{DecodedMessage: string(data)}, nil
}
