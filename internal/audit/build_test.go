package audit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/secret"
	"github.com/sluicehq/sluice/internal/sts"
)

const (
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
	testToken  = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"
)

func str(s string) *string { return &s }
func i32(i int32) *int32   { return &i }

// toMap round-trips an event through JSON, as a reader of the log sees it.
func toMap(t *testing.T, e *Event) map[string]any {
	t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	return m
}

func TestBuild(t *testing.T) {
	exp := time.Date(2026, 7, 1, 23, 36, 8, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		call   *awsproto.Call
		status int
		want   map[string]any
	}{
		{
			name: "assume role by a user",
			call: &awsproto.Call{RequestID: "r1", Service: awsproto.STS, Operation: "AssumeRole", Region: "eu-west-1",
				Principal: userP, AccessKeyID: "AKIAALICE",
				Input: &sts.AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/app", RoleSessionName: "dss-conn-1",
					DurationSeconds: i32(900), SourceIdentity: str("david"), Tags: []sts.Tag{{Key: "team", Value: "sales"}}},
				Output: &sts.AssumeRoleOutput{
					Credentials:     sts.Credentials{AccessKeyID: "ASIANEW", SecretAccessKey: secret.New(testSecret), SessionToken: secret.New(testToken), Expiration: exp},
					AssumedRoleUser: sts.AssumedRoleUser{AssumedRoleID: "AROAAPP:dss-conn-1", ARN: "arn:aws:sts::123456789012:assumed-role/app/dss-conn-1"},
					SourceIdentity:  "david"},
				Resources: []awsproto.Resource{{ARN: "arn:aws:iam::123456789012:role/app", Type: "AWS::IAM::Role"}},
			},
			status: 200,
			want: map[string]any{
				"eventVersion": "1.11",
				"userIdentity": map[string]any{"type": "IAMUser", "principalId": "AIDAALICE", "arn": "arn:aws:iam::123456789012:user/alice",
					"accountId": "123456789012", "accessKeyId": "AKIAALICE", "userName": "alice"},
				"eventTime": "2026-07-01T22:36:08Z", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
				"awsRegion": "eu-west-1", "sourceIPAddress": "127.0.0.1", "userAgent": "test",
				"requestParameters": map[string]any{"roleArn": "arn:aws:iam::123456789012:role/app", "roleSessionName": "dss-conn-1",
					"durationSeconds": 900.0, "sourceIdentity": "david", "tags": []any{map[string]any{"key": "team", "value": "sales"}}},
				"responseElements": map[string]any{
					"credentials":     map[string]any{"accessKeyId": "ASIANEW", "expiration": "2026-07-01T23:36:08Z"},
					"assumedRoleUser": map[string]any{"assumedRoleId": "AROAAPP:dss-conn-1", "arn": "arn:aws:sts::123456789012:assumed-role/app/dss-conn-1"},
					"sourceIdentity":  "david"},
				"requestID": "r1", "eventID": "e1", "readOnly": true,
				"resources": []any{map[string]any{"ARN": "arn:aws:iam::123456789012:role/app", "accountId": "123456789012", "type": "AWS::IAM::Role"}},
				"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "123456789012", "eventCategory": "Management",
			},
		},
		{
			name: "session reads an object",
			call: &awsproto.Call{RequestID: "r2", Service: awsproto.S3, Operation: "GetObject", Region: "us-east-1", Principal: sessP,
				Input:     &struct{ Bucket, Key string }{"b", "k"},
				Resources: []awsproto.Resource{{ARN: "arn:aws:s3:::b/k", Type: "AWS::S3::Object"}}, DataEvent: true,
				Extra: map[string]any{"bytesTransferredOut": 4096}},
			status: 200,
			want: map[string]any{
				"eventVersion": "1.11",
				"userIdentity": map[string]any{"type": "AssumedRole", "principalId": "AROAAPP:david-session",
					"arn": "arn:aws:sts::123456789012:assumed-role/app/david-session", "accountId": "123456789012", "accessKeyId": "ASIASESSION",
					"sessionContext": map[string]any{
						"sessionIssuer": map[string]any{"type": "Role", "principalId": "AROAAPP", "arn": "arn:aws:iam::123456789012:role/team/app",
							"accountId": "123456789012", "userName": "app"},
						"attributes":     map[string]any{"creationDate": "2026-07-01T22:00:00Z", "mfaAuthenticated": "false"},
						"sourceIdentity": "david"}},
				"eventTime": "2026-07-01T22:36:08Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
				"awsRegion": "us-east-1", "sourceIPAddress": "127.0.0.1", "userAgent": "test",
				"requestParameters": map[string]any{"bucket": "b", "key": "k"}, "responseElements": nil,
				"additionalEventData": map[string]any{"bytesTransferredOut": 4096.0},
				"requestID":           "r2", "eventID": "e1", "readOnly": true,
				"resources": []any{map[string]any{"ARN": "arn:aws:s3:::b/k", "type": "AWS::S3::Object"}},
				"eventType": "AwsApiCall", "managementEvent": false, "recipientAccountId": "123456789012", "eventCategory": "Data",
			},
		},
		{
			name: "failed authentication with an unknown key",
			call: &awsproto.Call{RequestID: "r3", Service: awsproto.STS, AccessKeyID: "AKIAUNKNOWN",
				Err: &awsproto.Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: 403}},
			status: 403,
			want: map[string]any{
				"eventVersion": "1.11",
				"userIdentity": map[string]any{"type": "AWSAccount", "accessKeyId": "AKIAUNKNOWN"},
				"eventTime":    "2026-07-01T22:36:08Z", "eventSource": "sts.amazonaws.com", "eventName": "Unknown",
				"awsRegion": "us-east-1", "sourceIPAddress": "127.0.0.1", "userAgent": "test",
				"errorCode": "InvalidClientTokenId", "errorMessage": "The security token included in the request is invalid.",
				"requestParameters": nil, "responseElements": nil,
				"requestID": "r3", "eventID": "e1", "readOnly": false,
				"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "123456789012", "eventCategory": "Management",
			},
		},
		{
			name: "list objects v2 is ListObjects",
			call: &awsproto.Call{RequestID: "r4", Service: awsproto.S3, Operation: "ListObjectsV2", Principal: rootP,
				Err: &awsproto.Error{Code: "AccessDenied", Message: "Access Denied", Status: 403}},
			status: 403,
			want: map[string]any{
				"eventVersion": "1.11",
				"userIdentity": map[string]any{"type": "Root", "principalId": "123456789012", "arn": "arn:aws:iam::123456789012:root",
					"accountId": "123456789012", "accessKeyId": "AKIAROOT"},
				"eventTime": "2026-07-01T22:36:08Z", "eventSource": "s3.amazonaws.com", "eventName": "ListObjects",
				"awsRegion": "us-east-1", "sourceIPAddress": "127.0.0.1", "userAgent": "test",
				"errorCode": "AccessDenied", "errorMessage": "Access Denied",
				"requestParameters": nil, "responseElements": nil,
				"requestID": "r4", "eventID": "e1", "readOnly": true,
				"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "123456789012", "eventCategory": "Management",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := &identity.RequestInfo{SourceIP: "127.0.0.1", UserAgent: "test", Time: t0, Region: "us-east-1"}
			e := Build(tc.call, tc.status, info, testAccount, "e1")
			got := toMap(t, e)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("record (-want +got):\n%s", d)
			}
			raw, _ := json.Marshal(e)
			for _, s := range []string{testSecret, testToken} {
				if strings.Contains(string(raw), s) {
					t.Errorf("record contains a secret: %s", raw)
				}
			}
			if strings.Contains(string(raw), "REDACTED") {
				t.Errorf("record mentions a redacted value: %s", raw)
			}
		})
	}
}

func TestSanitizeDropsSecrets(t *testing.T) {
	in := struct {
		UserName    string
		Password    string
		NewPassword *string
		Key         secret.Value
		Nested      map[string]any
		Body        []byte
	}{"bob", testSecret, str(testSecret), secret.New(testSecret), map[string]any{"SessionToken": testToken, "WorkUnitToken": testToken, "ok": 1}, []byte(testSecret)}
	got := Sanitize(&in)
	want := map[string]any{"userName": "bob", "nested": map[string]any{"ok": int64(1)}}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}

func TestLowerCamel(t *testing.T) {
	for in, want := range map[string]string{"RoleArn": "roleArn", "ARN": "arn", "ARNList": "arnList", "roleArn": "roleArn", "X": "x", "": ""} {
		if got := lowerCamel(in); got != want {
			t.Errorf("lowerCamel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUserIdentityWebIdentityCaller(t *testing.T) {
	oidcProv := identity.ARN("arn:aws:iam::123456789012:oidc-provider/idp.example.com/realms/data")
	krbProv := identity.ARN("arn:aws:iam::123456789012:kerberos-realm/EXAMPLE.COM")
	tests := []struct {
		name string
		p    *identity.Principal
		want UserIdentity
	}{
		{"oidc", &identity.Principal{Type: identity.WebIdentityUser, ARN: oidcProv,
			Session: &identity.Session{Federation: &identity.Federation{Provider: oidcProv, Subject: "alice", Audience: "sluice"}}},
			UserIdentity{Type: "WebIdentityUser", PrincipalID: "idp.example.com/realms/data:sluice:alice", UserName: "alice", IdentityProvider: "idp.example.com/realms/data"}},
		{"kerberos", &identity.Principal{Type: identity.WebIdentityUser, ARN: krbProv,
			Session: &identity.Session{SourceIdentity: "user1@EXAMPLE.COM", Federation: &identity.Federation{Provider: krbProv, Subject: "user1@EXAMPLE.COM"}}},
			UserIdentity{Type: "WebIdentityUser", PrincipalID: "kerberos-realm/EXAMPLE.COM:user1@EXAMPLE.COM", UserName: "user1@EXAMPLE.COM",
				IdentityProvider: "kerberos-realm/EXAMPLE.COM", SessionContext: &SessionContext{Attributes: SessionAttributes{MFAAuthenticated: "false"}, SourceIdentity: "user1@EXAMPLE.COM"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, userIdentity(tt.p, "")); diff != "" {
				t.Errorf("userIdentity (-want +got):\n%s", diff)
			}
		})
	}
}
