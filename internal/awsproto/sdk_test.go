package awsproto

// These tests prove the encodings by parsing them with the real aws-sdk-go-v2 clients.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	lftypes "github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/internal/identity"
)

var created = time.Date(2026, 11, 22, 23, 34, 41, 500_000_000, time.UTC)

type database struct {
	Name       string            `json:"Name"`
	CreateTime Timestamp         `json:"CreateTime"`
	Parameters map[string]string `json:"Parameters,omitempty"`
}

type callerIdentity struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	ARN     string `xml:"Arn"`
}

func testServer(t *testing.T) *httptest.Server {
	stsRouter := &QueryRouter{Service: STS, Version: "2011-06-15", Ops: map[string]QueryOp{
		"GetCallerIdentity": Op(func(_ context.Context, _ *identity.Principal, _ *struct{}) (*callerIdentity, error) {
			return &callerIdentity{UserID: "AIDAEXAMPLE", Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/a&b"}, nil
		}),
		"AssumeRole": func(context.Context, *Call, url.Values) (any, error) {
			return nil, Errorf(400, "MalformedPolicyDocument", "bad <policy> & more")
		},
		"GetSessionToken": func(context.Context, *Call, url.Values) (any, error) {
			return nil, errors.New("database exploded: secret detail")
		},
	}}
	glueRouter := &JSONRouter{Service: Glue, Ops: map[string]JSONOp{
		"GetDatabase": JSONOpOf(func(_ context.Context, _ *identity.Principal, in *struct{ Name string }) (*struct {
			Database database `json:"Database"`
		}, error) {
			if in.Name != "db1" {
				return nil, Errorf(400, "EntityNotFoundException", "Database %s not found.", in.Name)
			}
			return &struct {
				Database database `json:"Database"`
			}{database{Name: "db1", CreateTime: Timestamp(created), Parameters: map[string]string{"k": "v"}}}, nil
		}),
	}}
	lf := &JSONRouter{Service: LakeFormation, Ops: map[string]JSONOp{
		"GetDataLakeSettings": func(context.Context, *Call, io.Reader) (any, error) {
			return map[string]any{"DataLakeSettings": map[string]any{"DataLakeAdmins": []any{
				map[string]string{"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/admin"}}}}, nil
		},
		"GrantPermissions": func(context.Context, *Call, io.Reader) (any, error) {
			return nil, Errorf(400, "InvalidInputException", "Principal x is not valid")
		},
	}}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &Call{RequestID: "req-1234", Body: r.Body, Principal: &identity.Principal{}}
		switch {
		case strings.Contains(r.Header.Get("Authorization"), "/sts/"):
			c.Service = STS
			stsRouter.ServeAWS(w, r, c)
		case strings.Contains(r.Header.Get("Authorization"), "/glue/"):
			c.Service = Glue
			glueRouter.ServeAWS(w, r, c)
		case strings.Contains(r.Header.Get("Authorization"), "/lakeformation/"):
			c.Service = LakeFormation
			lf.ServeAWS(w, r, c)
		default:
			c.Service = S3
			c.Fail(w, r, Errorf(404, "NoSuchKey", "The specified key does not exist.").With("Key", "a/b.csv"))
		}
	}))
}

func sdkConfig(url string) aws.Config {
	return aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "x"}, nil
		}),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	}
}

func TestQueryWithGoSDK(t *testing.T) {
	srv := testServer(t)
	defer srv.Close()
	client := sts.NewFromConfig(sdkConfig(srv.URL))
	ctx := context.Background()

	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != "arn:aws:iam::123456789012:user/a&b" || aws.ToString(out.Account) != "123456789012" || aws.ToString(out.UserId) != "AIDAEXAMPLE" {
		t.Errorf("GetCallerIdentity = %+v", out)
	}

	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s")})
	var mpd interface{ ErrorCode() string }
	if !errors.As(err, &mpd) || mpd.ErrorCode() != "MalformedPolicyDocument" {
		t.Fatalf("AssumeRole err = %v", err)
	}
	var apiErr smithy.APIError
	errors.As(err, &apiErr)
	if apiErr.ErrorMessage() != "bad <policy> & more" {
		t.Errorf("message = %q", apiErr.ErrorMessage())
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() != "req-1234" {
		t.Errorf("request id not parsed: %v", err)
	}

	_, err = client.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InternalFailure" || strings.Contains(err.Error(), "secret detail") {
		t.Errorf("internal error rendered as %v", err)
	}
}

func TestJSONWithGoSDK(t *testing.T) {
	srv := testServer(t)
	defer srv.Close()
	client := glue.NewFromConfig(sdkConfig(srv.URL))
	ctx := context.Background()
	out, err := client.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("db1")})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Database.CreateTime.Equal(created) || out.Database.Parameters["k"] != "v" {
		t.Errorf("GetDatabase = %+v", out.Database)
	}
	_, err = client.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("nope")})
	var nf *gluetypes.EntityNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Database nope not found." {
		t.Fatalf("err = %v", err)
	}
	_, err = client.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("a"), Name: aws.String("b")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownOperationException" {
		t.Fatalf("unknown op err = %v", err)
	}
}

func TestRESTJSONWithGoSDK(t *testing.T) {
	srv := testServer(t)
	defer srv.Close()
	client := lakeformation.NewFromConfig(sdkConfig(srv.URL))
	ctx := context.Background()
	out, err := client.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.DataLakeSettings.DataLakeAdmins) != 1 {
		t.Errorf("settings = %+v", out.DataLakeSettings)
	}
	_, err = client.GrantPermissions(ctx, &lakeformation.GrantPermissionsInput{
		Principal:   &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String("x")},
		Resource:    &lftypes.Resource{Catalog: &lftypes.CatalogResource{}},
		Permissions: []lftypes.Permission{lftypes.PermissionAll},
	})
	var ii *lftypes.InvalidInputException
	if !errors.As(err, &ii) || aws.ToString(ii.Message) != "Principal x is not valid" {
		t.Fatalf("err = %v", err)
	}
}

func TestS3ErrorWithGoSDK(t *testing.T) {
	srv := testServer(t)
	defer srv.Close()
	client := s3.NewFromConfig(sdkConfig(srv.URL), func(o *s3.Options) { o.UsePathStyle = true })
	_, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("a/b.csv")})
	var nsk *s3types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Fatalf("GetObject err = %v", err)
	}
	_, err = client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("a/b.csv")})
	var nf *s3types.NotFound
	if !errors.As(err, &nf) {
		t.Fatalf("HeadObject err = %v", err)
	}
}
