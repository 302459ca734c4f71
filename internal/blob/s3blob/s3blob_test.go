package s3blob_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/blob/blobtest"
	"github.com/sluicehq/sluice/internal/blob/localfs"
	"github.com/sluicehq/sluice/internal/blob/s3blob"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/rootkeys"
	"github.com/sluicehq/sluice/internal/s3"
	"github.com/sluicehq/sluice/internal/secret"
	"github.com/sluicehq/sluice/internal/server"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

const (
	keyID = "AKIAUPSTREAMUPSTREAM"
	sec   = "upstreamsecretupstreamsecretupstreamsecr"
)

// upstream starts a second Sluice S3 endpoint (localfs) that only its root may use.
func upstream(t *testing.T) string {
	t.Helper()
	fs, err := localfs.Open(t.TempDir(), &localfs.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	rootOnly := s3.AuthorizerFunc(func(_ context.Context, p *identity.Principal, req s3.AuthzRequest) error {
		if p.Type == identity.Root {
			return nil
		}
		return awsproto.AccessDenied("only root")
	})
	svc := s3.New("123456789012", memstore.New(nil), fs, rootOnly, &s3.Options{MinPartSize: 1 << 10})
	srv := server.New(server.Config{
		Account: "123456789012", Region: "us-east-1",
		Credentials: []server.CredentialResolver{&rootkeys.Keys{Account: "123456789012", AccessKeyID: keyID, Secret: secret.New(sec)}},
		Services:    map[string]awsproto.Handler{"s3": svc},
	})
	srv.SetReady(true)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL
}

func client(endpoint string) *s3sdk.Client {
	return s3sdk.New(s3sdk.Options{
		BaseEndpoint: aws.String(endpoint), Region: "us-east-1", UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(keyID, sec, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

func TestConformance(t *testing.T) {
	ep := upstream(t)
	c := client(ep)
	if _, err := c.CreateBucket(context.Background(), &s3sdk.CreateBucketInput{Bucket: aws.String("upstream")}); err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, func(t *testing.T) blob.Driver {
		var b [8]byte
		rand.Read(b[:])
		// A fresh prefix per subtest gives each an empty driver.
		return s3blob.New(c, "upstream", "p"+hex.EncodeToString(b[:])+"/", &s3blob.Options{TempDir: t.TempDir()})
	}, &blobtest.Options{MaxKeyLen: blob.MaxKeyLen - len("p0123456789abcdef/bkt/")})
}
