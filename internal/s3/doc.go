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
//     destination;
//   - an upload that tags its object (PutObject or CreateMultipartUpload with x-amz-tagging,
//     CopyObject with x-amz-tagging-directive REPLACE and x-amz-tagging) also needs
//     s3:PutObjectTagging.
//
// Object tags are condition keys: the tags a request sets are s3:RequestObjectTag/<key> and
// s3:RequestObjectTagKeys (PutObject, CreateMultipartUpload, CopyObject, PutObjectTagging), and
// the stored object's tags are s3:ExistingObjectTag/<key> for GetObject, HeadObject, the
// copy source's s3:GetObject, GetObjectAcl and the object tagging operations. For these the
// object is opened before authorization (the handler then uses that open object, so a GET
// reads its attributes once); a caller denied still gets AccessDenied whether or not it
// exists, and bad tags are reported only to a caller allowed the operation without them.
//
// # Object tags
//
// Tags are stored with the object's attributes (blob.Attrs.Tags): set by x-amz-tagging (a URL
// query "k1=v1&k2=v2") on PutObject and CreateMultipartUpload (applied at completion), copied
// by CopyObject unless x-amz-tagging-directive is REPLACE, replaced by PutObjectTagging, removed
// by DeleteObjectTagging, counted by x-amz-tagging-count on GET and HEAD. The rules are the
// bucket tags' (below) with at most 10 tags, checked by the same validator. A tag update goes
// through blob.Driver.Update: the bytes are not rewritten and the ETag and Last-Modified stay.
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
// Sluice stores them and acts on none but the public access block (publicaccess.go):
//
//   - tagging: AWS's tag rules (≤ 50 tags, keys 1..128 and values ≤ 256 characters of letters,
//     digits, spaces and _ . : / = + - @, no duplicate or "aws:" keys → InvalidTag); tags are not
//     aws:ResourceTag condition keys;
//   - encryption: SSE-S3 (AES256) only; aws:kms is NotImplemented (Sluice holds no KMS keys).
//     How the blob storage encrypts bytes at rest (disk encryption, the upstream bucket's own
//     settings) is the operator's business; the stored configuration changes nothing;
//   - cors (no preflight is answered), lifecycle (no expiry or transition runs), ownership
//     controls;
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
