// Package sigv4 verifies AWS Signature Version 4 requests on the server side, as signed by
// unmodified AWS clients (aws CLI v1/v2, boto3, aws-sdk-go-v2, rclone). It knows nothing about
// users: the server calls Parse, looks up the secret for Auth.AccessKeyID itself, then calls
// Verifier.Verify and reads the request body only through the returned *Body.
//
// # Model
//
// A signed request carries its signature either in the Authorization header
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request,
//	    SignedHeaders=host;x-amz-date, Signature=<64 lower-case hex>
//
// or in the query string (presigned): X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature and optionally X-Amz-Security-Token.
//
// The signature is HMAC-SHA256(signing key, string to sign) where
//
//	string to sign  = "AWS4-HMAC-SHA256\n" + X-Amz-Date + "\n" + scope + "\n" + hex(sha256(canonical request))
//	scope           = yyyymmdd/region/service/aws4_request
//	signing key     = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, yyyymmdd), region), service), "aws4_request")
//	canonical request = method \n URI \n query \n headers \n signed-headers \n payload-hash
//
// Canonicalization, as the clients do it:
//
//   - URI: for service "s3" the path exactly as it came on the wire; for every other service the
//     wire path with "." and ".." segments removed and "//" collapsed, then every byte outside
//     A-Za-z0-9-_.~/ percent-encoded (so an already-encoded path is encoded twice).
//   - Query: every parameter except X-Amz-Signature, decoded with form semantics ("+" is a
//     space), re-encoded per RFC 3986 (space as %20), sorted by encoded key then encoded value;
//     "?uploads" becomes "uploads=".
//   - Headers: exactly SignedHeaders, each "name:value" with values trimmed and inner runs of
//     spaces collapsed, repeated headers joined with ","; host comes from Request.Host and
//     content-length from Request.ContentLength when net/http has moved them out of Header.
//   - Payload hash: for "s3" the x-amz-content-sha256 value verbatim (hex SHA-256,
//     UNSIGNED-PAYLOAD or a STREAMING-* marker; presigned requests without it use
//     UNSIGNED-PAYLOAD); for other services the hex SHA-256 of the body, which Verify buffers
//     (presigned non-S3 requests are also accepted with UNSIGNED-PAYLOAD, as botocore signs them).
//
// # Bodies
//
// Verify returns a *Body that the handler must read instead of Request.Body. Depending on the
// payload hash it is the buffered body, a reader that checks the SHA-256 at the end, the body as
// is (UNSIGNED-PAYLOAD), or the decoded aws-chunked payload, where each chunk is released only
// after its chunk signature verified and trailing checksums are checked at the end. Errors found
// in the body are reported by Body.Read as *Error; a handler must treat any Read error as a
// failed request and must read to io.EOF before acting on the data.
//
// Signing keys are cached per (access key id, date, region, service); an entry also remembers
// its secret, so a rotated secret misses the cache.
package sigv4
