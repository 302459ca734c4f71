package sts

import (
	"strconv"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// The results below encode themselves (awsproto.XMLAppender) instead of going through
// encoding/xml's reflection on every call: STS answers are the hot path of every client. Each
// AppendXML writes exactly what encoding/xml writes for the value and its struct tags;
// TestAppendXMLMatchesEncodingXML holds them to it.

var (
	_ awsproto.XMLAppender = (*CallerIdentity)(nil)
	_ awsproto.XMLAppender = (*AssumeRoleOutput)(nil)
	_ awsproto.XMLAppender = (*GetSessionTokenOutput)(nil)
	_ awsproto.XMLAppender = (*GetAccessKeyInfoOutput)(nil)
	_ awsproto.XMLAppender = (*AssumeRoleWithWebIdentityOutput)(nil)
	_ awsproto.XMLAppender = (*DecodeAuthorizationMessageOutput)(nil)
)

// appendXML writes <Credentials>…</Credentials> as MarshalXML does, secrets revealed.
func (c *Credentials) appendXML(b []byte) []byte {
	b = append(b, "<Credentials>"...)
	b = awsproto.AppendXMLElement(b, "AccessKeyId", string(c.AccessKeyID))
	b = awsproto.AppendXMLElement(b, "SecretAccessKey", c.SecretAccessKey.Reveal())
	b = awsproto.AppendXMLElement(b, "SessionToken", c.SessionToken.Reveal())
	b = append(b, "<Expiration>"...)
	b = c.Expiration.UTC().AppendFormat(b, time.RFC3339)
	return append(b, "</Expiration></Credentials>"...)
}

func (u *AssumedRoleUser) appendXML(b []byte) []byte {
	b = append(b, "<AssumedRoleUser>"...)
	b = awsproto.AppendXMLElement(b, "AssumedRoleId", u.AssumedRoleID)
	b = awsproto.AppendXMLElement(b, "Arn", string(u.ARN))
	return append(b, "</AssumedRoleUser>"...)
}

func appendPackedPolicySize(b []byte, n *int) []byte {
	if n == nil {
		return b
	}
	b = append(b, "<PackedPolicySize>"...)
	b = strconv.AppendInt(b, int64(*n), 10)
	return append(b, "</PackedPolicySize>"...)
}

func appendOmitEmpty(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	return awsproto.AppendXMLElement(b, name, v)
}

// AppendXML implements awsproto.XMLAppender.
func (c *CallerIdentity) AppendXML(b []byte) []byte {
	b = awsproto.AppendXMLElement(b, "UserId", c.UserID)
	b = awsproto.AppendXMLElement(b, "Account", string(c.Account))
	return awsproto.AppendXMLElement(b, "Arn", string(c.ARN))
}

// AppendXML implements awsproto.XMLAppender.
func (o *AssumeRoleOutput) AppendXML(b []byte) []byte {
	b = o.Credentials.appendXML(b)
	b = o.AssumedRoleUser.appendXML(b)
	b = appendPackedPolicySize(b, o.PackedPolicySize)
	return appendOmitEmpty(b, "SourceIdentity", o.SourceIdentity)
}

// AppendXML implements awsproto.XMLAppender.
func (o *GetSessionTokenOutput) AppendXML(b []byte) []byte { return o.Credentials.appendXML(b) }

// AppendXML implements awsproto.XMLAppender.
func (o *GetAccessKeyInfoOutput) AppendXML(b []byte) []byte {
	return awsproto.AppendXMLElement(b, "Account", string(o.Account))
}

// AppendXML implements awsproto.XMLAppender.
func (o *AssumeRoleWithWebIdentityOutput) AppendXML(b []byte) []byte {
	b = o.Credentials.appendXML(b)
	b = awsproto.AppendXMLElement(b, "SubjectFromWebIdentityToken", o.SubjectFromWebIdentityToken)
	b = o.AssumedRoleUser.appendXML(b)
	b = appendPackedPolicySize(b, o.PackedPolicySize)
	b = awsproto.AppendXMLElement(b, "Provider", o.Provider)
	b = awsproto.AppendXMLElement(b, "Audience", o.Audience)
	return appendOmitEmpty(b, "SourceIdentity", o.SourceIdentity)
}

// AppendXML implements awsproto.XMLAppender.
func (o *DecodeAuthorizationMessageOutput) AppendXML(b []byte) []byte {
	return awsproto.AppendXMLElement(b, "DecodedMessage", o.DecodedMessage)
}
