package sts

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/secret"
)

// reflected is what encoding/xml writes for v inside <R>: the encoding every STS result had
// before it encoded itself.
func reflected(t testing.TB, v any) string {
	var b strings.Builder
	e := xml.NewEncoder(&b)
	if err := e.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: "R"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func appended(v awsproto.XMLAppender) string { return "<R>" + string(v.AppendXML(nil)) + "</R>" }

// xmlOutputs are every STS output type, with the values that exercise their encodings: escaped
// text, optional members present and absent, a non-UTC expiry.
func xmlOutputs(s string) map[string]awsproto.XMLAppender {
	size := 42
	creds := Credentials{AccessKeyID: "ASIAEXAMPLE" + "<&>", SecretAccessKey: secret.New("s/" + s),
		SessionToken: secret.New("t+" + s), Expiration: time.Date(2026, 11, 24, 13, 4, 5, 999, time.FixedZone("X", 3600))}
	user := AssumedRoleUser{AssumedRoleID: "AROAEXAMPLE:" + s, ARN: "arn:aws:sts::123456789012:assumed-role/r/" + "\"q'"}
	return map[string]awsproto.XMLAppender{
		"GetCallerIdentity":                 &CallerIdentity{UserID: s, Account: acct, ARN: identity.ARN("arn:aws:iam::123456789012:user/" + s)},
		"GetCallerIdentity empty":           &CallerIdentity{},
		"AssumeRole":                        &AssumeRoleOutput{Credentials: creds, AssumedRoleUser: user},
		"AssumeRole all members":            &AssumeRoleOutput{Credentials: creds, AssumedRoleUser: user, PackedPolicySize: &size, SourceIdentity: s},
		"AssumeRole zero":                   &AssumeRoleOutput{},
		"GetSessionToken":                   &GetSessionTokenOutput{Credentials: creds},
		"GetAccessKeyInfo":                  &GetAccessKeyInfoOutput{Account: acct},
		"AssumeRoleWithWebIdentity":         &AssumeRoleWithWebIdentityOutput{Credentials: creds, AssumedRoleUser: user, SubjectFromWebIdentityToken: s, Provider: "accounts.example.com", Audience: "aud"},
		"AssumeRoleWithWebIdentity members": &AssumeRoleWithWebIdentityOutput{Credentials: creds, AssumedRoleUser: user, PackedPolicySize: &size, SourceIdentity: s},
		"DecodeAuthorizationMessage":        &DecodeAuthorizationMessageOutput{DecodedMessage: `{"allowed":false,"context":{"x":"<a & b>"}}` + s},
	}
}

var xmlStrings = []string{"", "plain", "<&>\"'", "tab\tnl\ncr\r", "é ünïcode ✓ \U0001F600", "bad\xffutf8\x00ctl\x1f", "\uFFFD\uFFFE\U0010FFFF"}

// TestAppendXMLMatchesEncodingXML holds every STS output type's hand encoding to encoding/xml's,
// byte for byte: the clients parse what they parsed before.
func TestAppendXMLMatchesEncodingXML(t *testing.T) {
	for _, s := range xmlStrings {
		for name, v := range xmlOutputs(s) {
			if diff := cmp.Diff(reflected(t, v), appended(v)); diff != "" {
				t.Errorf("%s with %q (-encoding/xml +AppendXML):\n%s", name, s, diff)
			}
		}
	}
}

func FuzzAppendXML(f *testing.F) {
	for _, s := range xmlStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, v := range xmlOutputs(s) {
			if got, want := appended(v), reflected(t, v); got != want {
				t.Fatalf("%s: AppendXML %q, encoding/xml %q", name, got, want)
			}
		}
	})
}

func BenchmarkEncodeAssumeRoleOutput(b *testing.B) {
	v := xmlOutputs("bench-session")["AssumeRole"]
	b.Run("encoding/xml", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			reflected(b, v)
		}
	})
	b.Run("AppendXML", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 2048)
		for range b.N {
			buf = v.AppendXML(buf[:0])
		}
	})
}

// TestSDKParsesAppendedXML has aws-sdk-go-v2's STS client parse the self-encoded results.
func TestSDKParsesAppendedXML(t *testing.T) {
	outs := xmlOutputs("sess<&>ion")
	router := &awsproto.QueryRouter{Service: awsproto.STS, Version: Version, Ops: map[string]awsproto.QueryOp{
		"AssumeRole": func(context.Context, *awsproto.Call, url.Values) (any, error) {
			return outs["AssumeRole all members"], nil
		},
		"GetCallerIdentity": func(context.Context, *awsproto.Call, url.Values) (any, error) {
			return outs["GetCallerIdentity"], nil
		},
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		router.ServeAWS(w, r, &awsproto.Call{RequestID: "req-1", Body: r.Body, Principal: &identity.Principal{}})
	}))
	defer srv.Close()
	client := awssts.New(awssts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "x", "")})
	ctx := context.Background()
	ar, err := client.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	want := outs["AssumeRole all members"].(*AssumeRoleOutput)
	got := []any{*ar.Credentials.AccessKeyId, *ar.Credentials.SecretAccessKey, *ar.Credentials.SessionToken,
		ar.Credentials.Expiration.UTC(), *ar.AssumedRoleUser.Arn, *ar.AssumedRoleUser.AssumedRoleId, *ar.PackedPolicySize, *ar.SourceIdentity}
	exp := []any{string(want.Credentials.AccessKeyID), want.Credentials.SecretAccessKey.Reveal(), want.Credentials.SessionToken.Reveal(),
		want.Credentials.Expiration.UTC().Truncate(time.Second), string(want.AssumedRoleUser.ARN), want.AssumedRoleUser.AssumedRoleID, int32(*want.PackedPolicySize), want.SourceIdentity}
	if diff := cmp.Diff(exp, got); diff != "" {
		t.Errorf("AssumeRole as the SDK parsed it (-sent +parsed):\n%s", diff)
	}
	ci, err := client.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	wantCI := outs["GetCallerIdentity"].(*CallerIdentity)
	if diff := cmp.Diff([]string{wantCI.UserID, string(wantCI.Account), string(wantCI.ARN)}, []string{*ci.UserId, *ci.Account, *ci.Arn}); diff != "" {
		t.Errorf("GetCallerIdentity as the SDK parsed it (-sent +parsed):\n%s", diff)
	}
}
