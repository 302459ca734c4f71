// Package blobopen chooses a blob driver from a location string:
//
//	""                                   localfs under the default directory
//	/path or file:///path                localfs under /path
//	s3://bucket[/prefix]?endpoint=URL&region=R[&path-style=false]
//	                                     s3blob on an upstream S3-compatible service, with the
//	                                     access key from the environment (SLUICE_BLOB_ACCESS_KEY_ID,
//	                                     SLUICE_BLOB_SECRET_ACCESS_KEY)
package blobopen

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/blob/localfs"
	"github.com/sluicehq/sluice/internal/blob/s3blob"
)

// Open returns the driver for location; defaultDir is used for "". getenv reads credentials.
func Open(location, defaultDir string, getenv func(string) string) (blob.Driver, error) {
	switch {
	case location == "":
		return localfs.Open(defaultDir, nil)
	case strings.HasPrefix(location, "file://"):
		return localfs.Open(strings.TrimPrefix(location, "file://"), nil)
	case strings.HasPrefix(location, "s3://"):
		u, err := url.Parse(location)
		if err != nil {
			return nil, fmt.Errorf("blob location: %w", err)
		}
		if u.Host == "" {
			return nil, fmt.Errorf("blob location %q names no bucket", location)
		}
		q := u.Query()
		region := q.Get("region")
		if region == "" {
			region = "us-east-1"
		}
		prefix := strings.TrimPrefix(u.Path, "/")
		if prefix != "" && !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		opts := s3sdk.Options{
			Region:                     region,
			UsePathStyle:               q.Get("path-style") != "false",
			RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
			ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		}
		if ep := q.Get("endpoint"); ep != "" {
			opts.BaseEndpoint = aws.String(ep)
		}
		id, secret := getenv("SLUICE_BLOB_ACCESS_KEY_ID"), getenv("SLUICE_BLOB_SECRET_ACCESS_KEY")
		if id == "" || secret == "" {
			return nil, fmt.Errorf("blob location %q needs SLUICE_BLOB_ACCESS_KEY_ID and SLUICE_BLOB_SECRET_ACCESS_KEY", location)
		}
		opts.Credentials = credentials.NewStaticCredentialsProvider(id, secret, getenv("SLUICE_BLOB_SESSION_TOKEN"))
		return s3blob.New(s3sdk.New(opts), u.Host, prefix, nil), nil
	case strings.Contains(location, "://"):
		return nil, fmt.Errorf("blob location %q: unknown scheme (want a path, file:// or s3://)", location)
	default:
		return localfs.Open(location, nil)
	}
}
