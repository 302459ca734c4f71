// Package s3 is Sluice's S3 gateway: the REST-XML API of Amazon S3 on top of a blob.Driver, with
// bucket records (name, creation date, owner, bucket policy) in the store and every request
// authorized through one Authorizer.
//
// # Requests
//
// A request addresses the service ("GET /"), a bucket or an object. The bucket comes from the
// Host header when it is "<bucket>.<domain>[:port]" (virtual-hosted style, Options.Domain),
// otherwise from the first path segment (path style); the key is the rest of the decoded path,
// taken literally ("a//b", "../x", "k*" are keys like any other). The method, the level and the
// sub-resource in the query ("?uploads", "?policy", "?list-type=2"…) select one operation from
// the route table (routes.go).
//
// # Authorization
//
// Every operation names its IAM action and resource ARN (arn:aws:s3:::bucket or
// arn:aws:s3:::bucket/key, the key verbatim) and the condition keys S3 defines for it
// (s3:prefix, s3:delimiter, s3:max-keys for listings). The gateway loads the bucket record, then
// calls Authorizer.Authorize with the caller, the request and the bucket policy as the resource
// policy, before it reads or writes anything; handlers never decide. Consequences, as in AWS:
//
//   - a caller denied gets AccessDenied whether or not the bucket or key exists;
//   - a missing key is NoSuchKey only to a caller also allowed s3:ListBucket on the bucket,
//     AccessDenied otherwise;
//   - anonymous requests are allowed only by a bucket policy granting "Principal": "*";
//   - CopyObject and UploadPartCopy need s3:GetObject on the source and s3:PutObject on the
//     destination.
//
// A parameter the route table knows at that level but not with that method (DELETE
// ?versioning, PUT ?location) is 405 MethodNotAllowed, as in S3, never the plain bucket or object
// operation; one of AWS's that Sluice does not answer at all (?retention, ?restore…) is
// NotImplemented.
//
// # Bucket configurations
//
// The bucket sub-resources clients set and probe are kept in the bucket record, as the XML
// document GET returns (validated on PUT, re-encoded in AWS's shape), and go with the bucket.
// Sluice stores them; it acts on none:
//
//   - tagging: AWS's tag rules (≤ 50 tags, keys 1..128 and values ≤ 256 characters of letters,
//     digits, spaces and _ . : / = + - @, no duplicate or "aws:" keys → InvalidTag); tags are not
//     aws:ResourceTag condition keys;
//   - encryption: SSE-S3 (AES256) only; aws:kms is NotImplemented (Sluice holds no KMS keys).
//     How the blob storage encrypts bytes at rest (disk encryption, the upstream bucket's own
//     settings) is the operator's business; the stored configuration changes nothing;
//   - cors (no preflight is answered), lifecycle (no expiry or transition runs), ownership
//     controls, public access block (not enforced: bucket policies decide, as configured);
//   - versioning: Suspended is stored and returned. Sluice buckets are unversioned (every object
//     is its one version "null", which is what a suspended bucket shows), so Enabled and MFA
//     delete are NotImplemented;
//   - request payment (BucketOwner only), accelerate (Suspended only), logging and
//     notifications (the empty document only): anything else is NotImplemented. AWS has no
//     DELETE for these, nor for versioning and object lock: DELETE is 405.
//
// Object lock, website, replication, analytics, metrics, inventory and intelligent-tiering
// answer as for a bucket with none configured (List… is an empty list); their PUT is
// NotImplemented. Configuration PUT bodies are read like uploads: Content-MD5 and
// x-amz-checksum-* are verified.
//
// # Bodies
//
// Uploads stream from the verified request body (sigv4.Body: payload hash, aws-chunked
// signatures and trailing checksums) through a reader that also checks Content-MD5, an
// x-amz-checksum-* header and the declared length; any failure surfaces as a read error, so the
// driver discards the upload and nothing half-written becomes visible.
package s3
