// Package s3blob is the blob driver that keeps objects in an upstream S3-compatible service
// (AWS S3, MinIO, another Sluice) with Sluice's own credentials.
//
// Object (bucket, key) is stored as upstream key Prefix + bucket + "/" + key in one upstream
// bucket, with its content headers as the upstream object's headers and its user metadata as
// upstream metadata; additional checksums ride along as metadata "sluice-checksum-<alg>". Keys
// whose upstream form exceeds 1024 bytes are rejected (Invalid). Multipart uploads are upstream
// multipart uploads, so ETags are the upstream's (AWS's algorithm).
//
// Tags are the upstream object's tags: sent with PutObject and CreateMultipartUpload
// (x-amz-tagging), read with GetObjectTagging when HeadObject counts any. Update changes tags
// alone with PutObjectTagging or DeleteObjectTagging, which leave the upstream object, its
// ETag and its modification time as they are (last writer wins: S3 has no conditional tagging);
// a change of content headers or metadata is a server-side self-copy (CopyObject with
// REPLACE, conditional on the ETag Stat saw), which the upstream performs without the bytes
// passing through Sluice but which gives the object a new modification time (and, for a
// multipart object, a new ETag). Sluice's credentials upstream therefore need
// s3:GetObjectTagging and s3:PutObjectTagging besides the object read and write actions.
//
// Bodies stream both ways. Uploads declare their length and are sent with UNSIGNED-PAYLOAD; the
// last byte of a body is held back until the source has returned io.EOF, so a source that fails
// at its end (a digest mismatch) leaves the upstream with a short body, which it rejects. A body
// of unknown length is spooled to a temporary file first.
package s3blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/internal/blob"
)

const checksumMeta = "sluice-checksum-"

// Driver is a blob.Driver on an upstream bucket.
type Driver struct {
	client *s3.Client
	bucket string
	prefix string
	tmpDir string
}

var _ blob.Driver = (*Driver)(nil)

// Options are the optional settings of New; nil means defaults.
type Options struct {
	// TempDir holds spooled bodies of unknown length; default os.TempDir().
	TempDir string
}

// New returns a driver storing under prefix in the upstream bucket through client.
func New(client *s3.Client, bucket, prefix string, opts *Options) *Driver {
	d := &Driver{client: client, bucket: bucket, prefix: prefix, tmpDir: os.TempDir()}
	if opts != nil && opts.TempDir != "" {
		d.tmpDir = opts.TempDir
	}
	return d
}

// Close implements blob.Driver.
func (d *Driver) Close() error { return nil }

func (d *Driver) upKey(op, bucket, key string) (string, error) {
	if bucket == "" || strings.Contains(bucket, "/") || key == "" || len(key) > blob.MaxKeyLen || !utf8.ValidString(key) {
		return "", blob.E(op, blob.Invalid, bucket, key, errors.New("bad bucket or key"))
	}
	k := d.prefix + bucket + "/" + key
	if len(k) > blob.MaxKeyLen {
		return "", blob.E(op, blob.Invalid, bucket, key, errors.New("key too long for the upstream prefix"))
	}
	return k, nil
}

// unsigned sends bodies with UNSIGNED-PAYLOAD so they can stream.
// Streamed bodies cannot be rewound, so such requests are not retried.
var unsigned = func(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	o.Retryer = aws.NopRetryer{}
}

// sourceError returns the source's own error when the upload failed because of it.
func sourceError(body io.Reader, err error) error {
	if h, ok := body.(*holdBack); ok && h.err != nil {
		return h.err
	}
	return err
}

func wrap(op, bucket, key string, err error) error {
	if err == nil {
		return nil
	}
	var be *blob.Error
	if errors.As(err, &be) {
		return err
	}
	var re *blob.ReadError
	if errors.As(err, &re) {
		return blob.E(op, blob.Invalid, bucket, key, re)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound", "NoSuchUpload":
			return blob.E(op, blob.NotFound, bucket, key, err)
		case "InvalidPart":
			return blob.E(op, blob.NotFound, bucket, key, err)
		}
	}
	var re2 interface{ HTTPStatusCode() int }
	if errors.As(err, &re2) && re2.HTTPStatusCode() == http.StatusNotFound {
		return blob.E(op, blob.NotFound, bucket, key, err)
	}
	return blob.E(op, blob.Internal, bucket, key, err)
}

// holdBack passes src through but releases its last byte only once src returned io.EOF; a
// source error is recorded and returned wrapped in *blob.ReadError.
type holdBack struct {
	src     io.Reader
	held    byte
	hasHeld bool
	eof     bool
	err     error
}

func (h *holdBack) Read(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if h.eof {
		if h.hasHeld {
			p[0], h.hasHeld = h.held, false
			return 1, nil
		}
		return 0, io.EOF
	}
	off := 0
	if h.hasHeld {
		p[0], h.hasHeld = h.held, false
		off = 1
	}
	n, err := h.src.Read(p[off:])
	n += off
	if err == io.EOF {
		h.eof = true
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	}
	if err != nil {
		h.err = &blob.ReadError{Err: err}
		return 0, h.err // drop what we have: the upstream sees a short body
	}
	if n > 0 {
		h.held, h.hasHeld = p[n-1], true
		n--
	}
	return n, nil
}

// sized returns a reader of known length for r: r itself when size >= 0, else a spooled copy.
func (d *Driver) sized(r io.Reader, size int64) (io.Reader, int64, func(), error) {
	if size >= 0 {
		return &holdBack{src: r}, size, func() {}, nil
	}
	f, err := os.CreateTemp(d.tmpDir, "sluice-spool-")
	if err != nil {
		return nil, 0, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	n, err := io.Copy(f, r)
	if err != nil {
		cleanup()
		return nil, 0, nil, &blob.ReadError{Err: err}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, 0, nil, err
	}
	return io.LimitReader(f, n), n, cleanup, nil
}

func attrsFromHead(h *s3.HeadObjectOutput) *blob.Attrs {
	a := &blob.Attrs{
		Size: aws.ToInt64(h.ContentLength), ETag: strings.Trim(aws.ToString(h.ETag), `"`), ModTime: aws.ToTime(h.LastModified),
		ContentType: aws.ToString(h.ContentType), ContentEncoding: aws.ToString(h.ContentEncoding),
		ContentDisposition: aws.ToString(h.ContentDisposition), ContentLanguage: aws.ToString(h.ContentLanguage),
		CacheControl: aws.ToString(h.CacheControl), Expires: aws.ToString(h.ExpiresString),
	}
	for k, v := range h.Metadata {
		k = strings.ToLower(k)
		if alg, ok := strings.CutPrefix(k, checksumMeta); ok {
			if a.Checksums == nil {
				a.Checksums = map[string]string{}
			}
			a.Checksums[alg] = v
			continue
		}
		if a.Metadata == nil {
			a.Metadata = map[string]string{}
		}
		a.Metadata[k] = v
	}
	if _, n, ok := strings.Cut(a.ETag, "-"); ok {
		a.Parts, _ = strconv.Atoi(n)
	}
	return a
}

func metadata(a *blob.Attrs) map[string]string {
	m := map[string]string{}
	for k, v := range a.Metadata {
		m[k] = v
	}
	for k, v := range a.Checksums {
		m[checksumMeta+k] = v
	}
	return m
}

func expires(s string) *time.Time {
	if t, err := http.ParseTime(s); err == nil {
		return &t
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Put implements blob.Driver.
func (d *Driver) Put(ctx context.Context, bucket, key string, r io.Reader, a *blob.Attrs) (*blob.Attrs, error) {
	k, err := d.upKey("put", bucket, key)
	if err != nil {
		return nil, err
	}
	if a == nil {
		a = &blob.Attrs{Size: -1}
	}
	body, size, cleanup, err := d.sized(r, a.Size)
	if err != nil {
		return nil, wrap("put", bucket, key, err)
	}
	defer cleanup()
	// The metadata must be sent before the body; trailing checksums of the source (completed
	// at its EOF) are therefore not kept by this driver.
	in := &s3.PutObjectInput{
		Bucket: &d.bucket, Key: &k, Body: body, ContentLength: aws.Int64(size),
		ContentType: optional(a.ContentType), ContentEncoding: optional(a.ContentEncoding),
		ContentDisposition: optional(a.ContentDisposition), ContentLanguage: optional(a.ContentLanguage),
		CacheControl: optional(a.CacheControl), Expires: expires(a.Expires), Metadata: metadata(a),
		Tagging: tagging(a.Tags),
	}
	out, err := d.client.PutObject(ctx, in, unsigned)
	if err != nil {
		return nil, wrap("put", bucket, key, sourceError(body, err))
	}
	got := *a
	got.Size, got.ETag, got.Parts = size, strings.Trim(aws.ToString(out.ETag), `"`), 0
	got.ModTime = time.Now().UTC().Truncate(time.Second)
	return &got, nil
}

type object struct {
	d     *Driver
	ctx   context.Context
	key   string
	attrs *blob.Attrs
	body  io.ReadCloser
}

func (o *object) Attrs() *blob.Attrs { a := *o.attrs; return &a }

func (o *object) Range(off, n int64) (io.Reader, error) {
	if off < 0 || n < 0 || off+n > o.attrs.Size {
		return nil, blob.E("range", blob.Invalid, "", "", fmt.Errorf("range %d+%d outside 0..%d", off, n, o.attrs.Size))
	}
	if n == 0 {
		return strings.NewReader(""), nil
	}
	out, err := o.d.client.GetObject(o.ctx, &s3.GetObjectInput{
		Bucket: &o.d.bucket, Key: &o.key, IfMatch: aws.String(`"` + o.attrs.ETag + `"`),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1)),
	})
	if err != nil {
		return nil, wrap("range", "", o.key, err)
	}
	o.body = out.Body
	return io.LimitReader(out.Body, n), nil
}

func (o *object) Close() error {
	if o.body != nil {
		return o.body.Close()
	}
	return nil
}

// Open implements blob.Driver. The object's version is pinned by its ETag (If-Match).
func (d *Driver) Open(ctx context.Context, bucket, key string) (blob.Object, error) {
	a, err := d.Stat(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	k, _ := d.upKey("open", bucket, key)
	return &object{d: d, ctx: ctx, key: k, attrs: a}, nil
}

// Stat implements blob.Driver.
func (d *Driver) Stat(ctx context.Context, bucket, key string) (*blob.Attrs, error) {
	k, err := d.upKey("stat", bucket, key)
	if err != nil {
		return nil, err
	}
	h, err := d.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &d.bucket, Key: &k})
	if err != nil {
		return nil, wrap("stat", bucket, key, err)
	}
	a := attrsFromHead(h)
	if aws.ToInt32(h.TagCount) > 0 {
		out, err := d.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: &d.bucket, Key: &k})
		if err != nil {
			return nil, wrap("stat", bucket, key, err)
		}
		a.Tags = make(map[string]string, len(out.TagSet))
		for _, t := range out.TagSet {
			a.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return a, nil
}

// tagging encodes tags as x-amz-tagging does (URL query), nil when there are none.
func tagging(tags map[string]string) *string {
	if len(tags) == 0 {
		return nil
	}
	v := url.Values{}
	for k, val := range tags {
		v.Set(k, val)
	}
	return aws.String(v.Encode())
}

// Update implements blob.Driver (see the package comment for how).
func (d *Driver) Update(ctx context.Context, bucket, key string, edit func(*blob.Attrs) error) (*blob.Attrs, error) {
	k, err := d.upKey("update", bucket, key)
	if err != nil {
		return nil, err
	}
	cur, err := d.Stat(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	a, err := blob.Edit(cur, edit)
	if err != nil {
		return nil, err
	}
	if sameHeaders(a, cur) {
		if maps.Equal(a.Tags, cur.Tags) {
			return a, nil
		}
		if len(a.Tags) == 0 {
			_, err = d.client.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: &d.bucket, Key: &k})
		} else {
			ts := make([]types.Tag, 0, len(a.Tags))
			for tk, tv := range a.Tags {
				ts = append(ts, types.Tag{Key: aws.String(tk), Value: aws.String(tv)})
			}
			_, err = d.client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: &d.bucket, Key: &k, Tagging: &types.Tagging{TagSet: ts}})
		}
		if err != nil {
			return nil, wrap("update", bucket, key, err)
		}
		return a, nil
	}
	src := url.PathEscape(d.bucket) + "/" + strings.ReplaceAll(url.PathEscape(k), "%2F", "/")
	_, err = d.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: &d.bucket, Key: &k, CopySource: &src, CopySourceIfMatch: aws.String(`"` + cur.ETag + `"`),
		MetadataDirective: types.MetadataDirectiveReplace, TaggingDirective: types.TaggingDirectiveReplace,
		ContentType: optional(a.ContentType), ContentEncoding: optional(a.ContentEncoding),
		ContentDisposition: optional(a.ContentDisposition), ContentLanguage: optional(a.ContentLanguage),
		CacheControl: optional(a.CacheControl), Expires: expires(a.Expires), Metadata: metadata(a),
		Tagging: tagging(a.Tags),
	})
	if err != nil {
		return nil, wrap("update", bucket, key, err)
	}
	return d.Stat(ctx, bucket, key)
}

// sameHeaders reports whether a and b have the same content headers and metadata.
func sameHeaders(a, b *blob.Attrs) bool {
	return a.ContentType == b.ContentType && a.ContentEncoding == b.ContentEncoding &&
		a.ContentDisposition == b.ContentDisposition && a.ContentLanguage == b.ContentLanguage &&
		a.CacheControl == b.CacheControl && a.Expires == b.Expires && maps.Equal(a.Metadata, b.Metadata)
}

// Delete implements blob.Driver.
func (d *Driver) Delete(ctx context.Context, bucket, key string) error {
	k, err := d.upKey("delete", bucket, key)
	if err != nil {
		return err
	}
	_, err = d.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &d.bucket, Key: &k})
	if err != nil && blob.KindOf(wrap("delete", bucket, key, err)) != blob.NotFound {
		return wrap("delete", bucket, key, err)
	}
	return nil
}

// List implements blob.Driver.
func (d *Driver) List(ctx context.Context, bucket string, opts blob.ListOptions) ([]blob.Entry, error) {
	if opts.Limit <= 0 {
		return nil, blob.E("list", blob.Invalid, bucket, "", errors.New("limit must be positive"))
	}
	base := d.prefix + bucket + "/"
	in := &s3.ListObjectsV2Input{Bucket: &d.bucket, Prefix: aws.String(base + opts.Prefix), MaxKeys: aws.Int32(int32(min(opts.Limit, 1000)))}
	if opts.StartAfter != "" {
		in.StartAfter = aws.String(base + opts.StartAfter)
	}
	var out []blob.Entry
	for len(out) < opts.Limit {
		page, err := d.client.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, wrap("list", bucket, "", err)
		}
		for _, o := range page.Contents {
			if len(out) == opts.Limit {
				break
			}
			out = append(out, blob.Entry{Key: strings.TrimPrefix(aws.ToString(o.Key), base), Size: aws.ToInt64(o.Size),
				ETag: strings.Trim(aws.ToString(o.ETag), `"`), ModTime: aws.ToTime(o.LastModified)})
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	return out, nil
}

// CreateUpload implements blob.Driver.
func (d *Driver) CreateUpload(ctx context.Context, bucket, key string, a *blob.Attrs) (string, error) {
	k, err := d.upKey("create-upload", bucket, key)
	if err != nil {
		return "", err
	}
	if a == nil {
		a = &blob.Attrs{}
	}
	out, err := d.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &d.bucket, Key: &k, ContentType: optional(a.ContentType), ContentEncoding: optional(a.ContentEncoding),
		ContentDisposition: optional(a.ContentDisposition), ContentLanguage: optional(a.ContentLanguage),
		CacheControl: optional(a.CacheControl), Expires: expires(a.Expires), Metadata: metadata(a),
		Tagging: tagging(a.Tags),
	})
	if err != nil {
		return "", wrap("create-upload", bucket, key, err)
	}
	return aws.ToString(out.UploadId), nil
}

// GetUpload implements blob.Driver.
func (d *Driver) GetUpload(ctx context.Context, bucket, key, id string) (*blob.Upload, error) {
	ups, err := d.ListUploads(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	for _, u := range ups {
		if u.ID == id && u.Key == key {
			return &u, nil
		}
	}
	return nil, blob.E("get-upload", blob.NotFound, bucket, key, errors.New("no such upload"))
}

// PutPart implements blob.Driver.
func (d *Driver) PutPart(ctx context.Context, bucket, key, id string, n int, r io.Reader, size int64) (*blob.Part, error) {
	k, err := d.upKey("put-part", bucket, key)
	if err != nil {
		return nil, err
	}
	body, size, cleanup, err := d.sized(r, size)
	if err != nil {
		return nil, wrap("put-part", bucket, key, err)
	}
	defer cleanup()
	out, err := d.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &d.bucket, Key: &k, UploadId: &id,
		PartNumber: aws.Int32(int32(n)), Body: body, ContentLength: aws.Int64(size)}, unsigned)
	if err != nil {
		return nil, wrap("put-part", bucket, key, sourceError(body, err))
	}
	return &blob.Part{Number: n, Size: size, ETag: strings.Trim(aws.ToString(out.ETag), `"`), ModTime: time.Now().UTC()}, nil
}

// ListParts implements blob.Driver.
func (d *Driver) ListParts(ctx context.Context, bucket, key, id string) ([]blob.Part, error) {
	k, err := d.upKey("list-parts", bucket, key)
	if err != nil {
		return nil, err
	}
	in := &s3.ListPartsInput{Bucket: &d.bucket, Key: &k, UploadId: &id}
	var out []blob.Part
	for {
		page, err := d.client.ListParts(ctx, in)
		if err != nil {
			return nil, wrap("list-parts", bucket, key, err)
		}
		for _, p := range page.Parts {
			out = append(out, blob.Part{Number: int(aws.ToInt32(p.PartNumber)), Size: aws.ToInt64(p.Size),
				ETag: strings.Trim(aws.ToString(p.ETag), `"`), ModTime: aws.ToTime(p.LastModified)})
		}
		if !aws.ToBool(page.IsTruncated) {
			return out, nil
		}
		in.PartNumberMarker = page.NextPartNumberMarker
	}
}

// CompleteUpload implements blob.Driver.
func (d *Driver) CompleteUpload(ctx context.Context, bucket, key, id string, parts []int) (*blob.Attrs, error) {
	k, err := d.upKey("complete-upload", bucket, key)
	if err != nil {
		return nil, err
	}
	have, err := d.ListParts(ctx, bucket, key, id)
	if err != nil {
		return nil, err
	}
	etags := map[int]string{}
	for _, p := range have {
		etags[p.Number] = p.ETag
	}
	var cps []types.CompletedPart
	for _, n := range parts {
		e, ok := etags[n]
		if !ok {
			return nil, blob.E("complete-upload", blob.NotFound, bucket, key, fmt.Errorf("part %d does not exist", n))
		}
		cps = append(cps, types.CompletedPart{PartNumber: aws.Int32(int32(n)), ETag: aws.String(`"` + e + `"`)})
	}
	if len(cps) == 0 {
		return nil, blob.E("complete-upload", blob.Invalid, bucket, key, errors.New("no parts"))
	}
	_, err = d.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &d.bucket, Key: &k, UploadId: &id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: cps}})
	if err != nil {
		return nil, wrap("complete-upload", bucket, key, err)
	}
	return d.Stat(ctx, bucket, key)
}

// AbortUpload implements blob.Driver.
func (d *Driver) AbortUpload(ctx context.Context, bucket, key, id string) error {
	k, err := d.upKey("abort-upload", bucket, key)
	if err != nil {
		return err
	}
	_, err = d.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &d.bucket, Key: &k, UploadId: &id})
	return wrap("abort-upload", bucket, key, err)
}

// ListUploads implements blob.Driver.
func (d *Driver) ListUploads(ctx context.Context, bucket, prefix string) ([]blob.Upload, error) {
	base := d.prefix + bucket + "/"
	in := &s3.ListMultipartUploadsInput{Bucket: &d.bucket, Prefix: aws.String(base + prefix)}
	var out []blob.Upload
	for {
		page, err := d.client.ListMultipartUploads(ctx, in)
		if err != nil {
			return nil, wrap("list-uploads", bucket, "", err)
		}
		for _, u := range page.Uploads {
			out = append(out, blob.Upload{ID: aws.ToString(u.UploadId), Key: strings.TrimPrefix(aws.ToString(u.Key), base), Initiated: aws.ToTime(u.Initiated)})
		}
		if !aws.ToBool(page.IsTruncated) {
			return out, nil
		}
		in.KeyMarker, in.UploadIdMarker = page.NextKeyMarker, page.NextUploadIdMarker
	}
}
