package s3_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
)

// TestBucketConfigs puts, gets and deletes each stored configuration through the Go SDK.
func TestBucketConfigs(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(root)
	mustCreate(t, c, "conf")
	b := aws.String("conf")

	cases := []struct {
		name                    string
		put                     func() error
		get                     func() (any, error)
		del                     func() error // nil: AWS has no DELETE
		want                    any
		emptyCode, afterDelCode string // GET before PUT ("" with emptyWant) and after DELETE
		emptyWant               any
	}{
		{
			name: "tagging",
			put: func() error {
				_, err := c.PutBucketTagging(ctx, &s3sdk.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: []types.Tag{
					{Key: aws.String("team"), Value: aws.String("lake")}, {Key: aws.String("env"), Value: aws.String("")}}}})
				return err
			},
			get: func() (any, error) {
				o, err := c.GetBucketTagging(ctx, &s3sdk.GetBucketTaggingInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				var ts [][2]string
				for _, t := range o.TagSet {
					ts = append(ts, [2]string{aws.ToString(t.Key), aws.ToString(t.Value)})
				}
				return ts, nil
			},
			del: func() error {
				_, err := c.DeleteBucketTagging(ctx, &s3sdk.DeleteBucketTaggingInput{Bucket: b})
				return err
			},
			want:      [][2]string{{"team", "lake"}, {"env", ""}},
			emptyCode: "NoSuchTagSet", afterDelCode: "NoSuchTagSet",
		},
		{
			name: "encryption",
			put: func() error {
				_, err := c.PutBucketEncryption(ctx, &s3sdk.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
					Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256}}}}})
				return err
			},
			get: func() (any, error) {
				o, err := c.GetBucketEncryption(ctx, &s3sdk.GetBucketEncryptionInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				return string(o.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm), nil
			},
			del: func() error {
				_, err := c.DeleteBucketEncryption(ctx, &s3sdk.DeleteBucketEncryptionInput{Bucket: b})
				return err
			},
			want:      "AES256",
			emptyCode: "ServerSideEncryptionConfigurationNotFoundError", afterDelCode: "ServerSideEncryptionConfigurationNotFoundError",
		},
		{
			name: "cors",
			put: func() error {
				_, err := c.PutBucketCors(ctx, &s3sdk.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{
					{AllowedMethods: []string{"GET", "HEAD"}, AllowedOrigins: []string{"https://example.com"}, MaxAgeSeconds: aws.Int32(60)}}}})
				return err
			},
			get: func() (any, error) {
				o, err := c.GetBucketCors(ctx, &s3sdk.GetBucketCorsInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				r := o.CORSRules[0]
				return []any{r.AllowedMethods, r.AllowedOrigins, aws.ToInt32(r.MaxAgeSeconds)}, nil
			},
			del: func() error {
				_, err := c.DeleteBucketCors(ctx, &s3sdk.DeleteBucketCorsInput{Bucket: b})
				return err
			},
			want:      []any{[]string{"GET", "HEAD"}, []string{"https://example.com"}, int32(60)},
			emptyCode: "NoSuchCORSConfiguration", afterDelCode: "NoSuchCORSConfiguration",
		},
		{
			name: "lifecycle",
			put: func() error {
				_, err := c.PutBucketLifecycleConfiguration(ctx, &s3sdk.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &types.BucketLifecycleConfiguration{
					Rules: []types.LifecycleRule{{ID: aws.String("tmp"), Status: types.ExpirationStatusEnabled,
						Filter: &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")}, Expiration: &types.LifecycleExpiration{Days: aws.Int32(7)}}}}})
				return err
			},
			get: func() (any, error) {
				o, err := c.GetBucketLifecycleConfiguration(ctx, &s3sdk.GetBucketLifecycleConfigurationInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				r := o.Rules[0]
				return []any{aws.ToString(r.ID), string(r.Status), aws.ToString(r.Filter.Prefix), aws.ToInt32(r.Expiration.Days)}, nil
			},
			del: func() error {
				_, err := c.DeleteBucketLifecycle(ctx, &s3sdk.DeleteBucketLifecycleInput{Bucket: b})
				return err
			},
			want:      []any{"tmp", "Enabled", "tmp/", int32(7)},
			emptyCode: "NoSuchLifecycleConfiguration", afterDelCode: "NoSuchLifecycleConfiguration",
		},
		{
			name: "ownership controls",
			put: func() error {
				_, err := c.PutBucketOwnershipControls(ctx, &s3sdk.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &types.OwnershipControls{
					Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced}}}})
				return err
			},
			get: func() (any, error) {
				o, err := c.GetBucketOwnershipControls(ctx, &s3sdk.GetBucketOwnershipControlsInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				return string(o.OwnershipControls.Rules[0].ObjectOwnership), nil
			},
			del: func() error {
				_, err := c.DeleteBucketOwnershipControls(ctx, &s3sdk.DeleteBucketOwnershipControlsInput{Bucket: b})
				return err
			},
			want:      "BucketOwnerEnforced",
			emptyCode: "OwnershipControlsNotFoundError", afterDelCode: "OwnershipControlsNotFoundError",
		},
		{
			name: "public access block",
			put: func() error {
				_, err := c.PutPublicAccessBlock(ctx, &s3sdk.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
					BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(false)}})
				return err
			},
			get: func() (any, error) {
				o, err := c.GetPublicAccessBlock(ctx, &s3sdk.GetPublicAccessBlockInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				p := o.PublicAccessBlockConfiguration
				return []bool{aws.ToBool(p.BlockPublicAcls), aws.ToBool(p.IgnorePublicAcls), aws.ToBool(p.BlockPublicPolicy), aws.ToBool(p.RestrictPublicBuckets)}, nil
			},
			del: func() error {
				_, err := c.DeletePublicAccessBlock(ctx, &s3sdk.DeletePublicAccessBlockInput{Bucket: b})
				return err
			},
			// A new bucket blocks public access, as on AWS since April 2023.
			want: []bool{true, true, true, false}, emptyWant: []bool{true, true, true, true},
			afterDelCode: "NoSuchPublicAccessBlockConfiguration",
		},
		{
			name: "versioning",
			put: func() error {
				_, err := c.PutBucketVersioning(ctx, &s3sdk.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
				return err
			},
			get: func() (any, error) {
				o, err := c.GetBucketVersioning(ctx, &s3sdk.GetBucketVersioningInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				return string(o.Status), nil
			},
			want: "Suspended", emptyWant: "",
		},
		{
			name: "accelerate",
			put: func() error {
				_, err := c.PutBucketAccelerateConfiguration(ctx, &s3sdk.PutBucketAccelerateConfigurationInput{Bucket: b, AccelerateConfiguration: &types.AccelerateConfiguration{Status: types.BucketAccelerateStatusSuspended}})
				return err
			},
			get: func() (any, error) {
				o, err := c.GetBucketAccelerateConfiguration(ctx, &s3sdk.GetBucketAccelerateConfigurationInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				return string(o.Status), nil
			},
			want: "Suspended", emptyWant: "",
		},
		{
			name: "request payment",
			put: func() error {
				_, err := c.PutBucketRequestPayment(ctx, &s3sdk.PutBucketRequestPaymentInput{Bucket: b, RequestPaymentConfiguration: &types.RequestPaymentConfiguration{Payer: types.PayerBucketOwner}})
				return err
			},
			get: func() (any, error) {
				o, err := c.GetBucketRequestPayment(ctx, &s3sdk.GetBucketRequestPaymentInput{Bucket: b})
				if err != nil {
					return nil, err
				}
				return string(o.Payer), nil
			},
			want: "BucketOwner", emptyWant: "BucketOwner",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.get()
			if diff := cmp.Diff([]any{tc.emptyCode, tc.emptyWant}, []any{code(err), got}); tc.emptyCode != "" && code(err) != tc.emptyCode || tc.emptyCode == "" && diff != "" {
				t.Errorf("GET before PUT (-want +got):\n%s", diff)
			}
			if err := tc.put(); err != nil {
				t.Fatalf("PUT: %v", err)
			}
			got, err = tc.get()
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("GET after PUT (-want +got):\n%s", diff)
			}
			if tc.del == nil {
				return
			}
			if err := tc.del(); err != nil {
				t.Fatalf("DELETE: %v", err)
			}
			if _, err := tc.get(); code(err) != tc.afterDelCode {
				t.Errorf("GET after DELETE = %v, want %s", err, tc.afterDelCode)
			}
			if err := tc.del(); err != nil {
				t.Errorf("DELETE again: %v", err)
			}
		})
	}
}

// TestBucketConfigRefusals checks the answers that name what Sluice does not do.
func TestBucketConfigRefusals(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(root)
	mustCreate(t, c, "conf")
	b := aws.String("conf")
	cases := []struct {
		name string
		call func() error
		code string
	}{
		{"versioning enabled", func() error {
			_, err := c.PutBucketVersioning(ctx, &s3sdk.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
			return err
		}, "NotImplemented"},
		{"sse-kms", func() error {
			_, err := c.PutBucketEncryption(ctx, &s3sdk.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
				Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms}}}}})
			return err
		}, "NotImplemented"},
		{"51 tags", func() error {
			var ts []types.Tag
			for i := range 51 {
				ts = append(ts, types.Tag{Key: aws.String(strings.Repeat("k", i+1)), Value: aws.String("v")})
			}
			_, err := c.PutBucketTagging(ctx, &s3sdk.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: ts}})
			return err
		}, "InvalidTag"},
		{"requester pays", func() error {
			_, err := c.PutBucketRequestPayment(ctx, &s3sdk.PutBucketRequestPaymentInput{Bucket: b, RequestPaymentConfiguration: &types.RequestPaymentConfiguration{Payer: types.PayerRequester}})
			return err
		}, "NotImplemented"},
		{"logging", func() error {
			_, err := c.PutBucketLogging(ctx, &s3sdk.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &types.BucketLoggingStatus{
				LoggingEnabled: &types.LoggingEnabled{TargetBucket: aws.String("conf"), TargetPrefix: aws.String("logs/")}}})
			return err
		}, "NotImplemented"},
		{"no logging", func() error {
			_, err := c.PutBucketLogging(ctx, &s3sdk.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &types.BucketLoggingStatus{}})
			return err
		}, ""},
		{"no notifications", func() error {
			_, err := c.PutBucketNotificationConfiguration(ctx, &s3sdk.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: &types.NotificationConfiguration{}})
			return err
		}, ""},
		{"object lock", func() error {
			_, err := c.PutObjectLockConfiguration(ctx, &s3sdk.PutObjectLockConfigurationInput{Bucket: b, ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}})
			return err
		}, "NotImplemented"},
		{"metrics by id", func() error {
			_, err := c.GetBucketMetricsConfiguration(ctx, &s3sdk.GetBucketMetricsConfigurationInput{Bucket: b, Id: aws.String("m")})
			return err
		}, "NoSuchConfiguration"},
		{"list metrics", func() error {
			o, err := c.ListBucketMetricsConfigurations(ctx, &s3sdk.ListBucketMetricsConfigurationsInput{Bucket: b})
			if err == nil && (aws.ToBool(o.IsTruncated) || len(o.MetricsConfigurationList) != 0) {
				t.Errorf("ListBucketMetricsConfigurations = %+v", o)
			}
			return err
		}, ""},
		{"list inventory", func() error {
			_, err := c.ListBucketInventoryConfigurations(ctx, &s3sdk.ListBucketInventoryConfigurationsInput{Bucket: b})
			return err
		}, ""},
		{"list analytics", func() error {
			_, err := c.ListBucketAnalyticsConfigurations(ctx, &s3sdk.ListBucketAnalyticsConfigurationsInput{Bucket: b})
			return err
		}, ""},
		{"list intelligent tiering", func() error {
			_, err := c.ListBucketIntelligentTieringConfigurations(ctx, &s3sdk.ListBucketIntelligentTieringConfigurationsInput{Bucket: b})
			return err
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := code(tc.call()); got != tc.code {
				t.Errorf("got %q, want %q", got, tc.code)
			}
		})
	}
}

// TestBucketConfigWire checks digests, the 405 of a DELETE AWS does not have, and that
// configurations go with their bucket.
func TestBucketConfigWire(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(root)
	mustCreate(t, c, "conf")
	tagging := `<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`
	send := func(method, path, body string, h map[string]string) response {
		req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		return signedDo(t, req, &root)
	}
	cases := []struct {
		name, method, path, body string
		h                        map[string]string
		status                   int
		code                     string
	}{
		{"content-md5 verified", "PUT", "/conf?tagging", tagging, map[string]string{"Content-MD5": b64md5(tagging)}, 200, ""},
		{"content-md5 mismatch", "PUT", "/conf?tagging", tagging, map[string]string{"Content-MD5": b64md5("other")}, 400, "BadDigest"},
		{"checksum mismatch", "PUT", "/conf?tagging", tagging, map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}, 400, "BadDigest"},
		{"delete versioning", "DELETE", "/conf?versioning", "", nil, 405, "MethodNotAllowed"},
		{"delete location", "DELETE", "/conf?location", "", nil, 405, "MethodNotAllowed"},
		{"get tagging stored", "GET", "/conf?tagging", "", nil, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := send(tc.method, tc.path, tc.body, tc.h)
			if resp.StatusCode != tc.status || tc.code != "" && !strings.Contains(resp.body, "<Code>"+tc.code+"</Code>") {
				t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.path, resp.StatusCode, resp.body, tc.status, tc.code)
			}
		})
	}
	if _, err := c.HeadBucket(ctx, &s3sdk.HeadBucketInput{Bucket: aws.String("conf")}); err != nil {
		t.Fatalf("bucket gone after DELETE ?versioning: %v", err)
	}
	// The configuration goes with the bucket.
	if _, err := c.DeleteBucket(ctx, &s3sdk.DeleteBucketInput{Bucket: aws.String("conf")}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, c, "conf")
	if _, err := c.GetBucketTagging(ctx, &s3sdk.GetBucketTaggingInput{Bucket: aws.String("conf")}); code(err) != "NoSuchTagSet" {
		t.Errorf("GetBucketTagging after re-creating the bucket = %v, want NoSuchTagSet", err)
	}
}
