// Package blob is the object storage behind Sluice's S3 gateway: a small driver interface that
// stores object bytes with their attributes, and the one error type drivers return.
//
// # Model
//
// A driver holds objects under (bucket, key). Buckets are plain namespaces here: their existence,
// owner and policy live in the store (package s3); a driver creates whatever it needs on the
// first Put. Keys are any valid UTF-8 of 1..MaxKeyLen bytes, taken literally: "..", "//", a
// trailing "/" and "*" are ordinary characters.
//
// An object is written atomically: a reader either sees the whole previous object or the whole
// new one with its attributes, never a mixture or a partial body. Put reads its source to io.EOF
// and commits only then; any read error (the S3 layer reports digest mismatches and truncated
// bodies as read errors) discards everything written. Drivers compute Size and the ETag (hex MD5
// of the bytes, or for a multipart object hex MD5 of the concatenated binary part MD5s followed
// by "-N") themselves; callers supply the rest of Attrs.
//
// Update changes an object's attributes (tags, metadata) in place: the bytes are not copied, and
// the object keeps its ETag and modification time, as S3 keeps them on PutObjectTagging.
//
// Multipart uploads stage parts under an upload id; CompleteUpload assembles the named parts, in
// the given order, into the object atomically and forgets the upload. Validation of a completion
// request (order, sizes, ETags) is the caller's job; the driver only checks that parts exist.
//
// Drivers keep memory constant in object size: bodies stream from the source to storage and from
// storage to the client. Object.Range returns an *io.LimitedReader over an *os.File where the
// driver is file-backed, so that net/http can use sendfile; small objects (localfs: up to 64 KiB)
// are read whole at Open and their ranges are *bytes.Reader, one read instead of several calls.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"time"
)

// MaxKeyLen is the longest key in bytes (S3's limit).
const MaxKeyLen = 1024

// Attrs describes a stored object.
type Attrs struct {
	Size    int64
	ETag    string // unquoted: hex MD5, or "hex-N" for a multipart object
	ModTime time.Time

	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	// Metadata is the user metadata (x-amz-meta-*), names in lower case without the prefix.
	Metadata map[string]string `json:",omitempty"`
	// Checksums are additional checksums supplied and verified at upload: algorithm in lower case
	// ("crc32", "crc32c", "crc64nvme", "sha1", "sha256") → base64 value.
	Checksums map[string]string `json:",omitempty"`
	// Parts is the number of parts of a multipart object, 0 otherwise.
	Parts int `json:",omitempty"`
	// Tags are the object's tags (S3 object tagging), key → value; nil or empty when none.
	// Drivers store them like any other attribute; their rules (count, lengths, characters)
	// are the caller's to check.
	Tags map[string]string `json:",omitempty"`
}

// Object is an open object. Its attributes and bytes are one consistent version: if the key is
// overwritten while it is open, Range returns the opened version (localfs) or fails (s3blob),
// never a mixture.
type Object interface {
	Attrs() *Attrs
	// Range returns a reader of n bytes from offset off (0 <= off, off+n <= Size). It may be
	// called once.
	Range(off, n int64) (io.Reader, error)
	Close() error
}

// ListOptions selects keys of one bucket.
type ListOptions struct {
	Prefix     string // only keys that start with Prefix
	StartAfter string // only keys greater than StartAfter
	Limit      int    // at most Limit entries; must be > 0
}

// Entry is one listed object.
type Entry struct {
	Key     string
	Size    int64
	ETag    string
	ModTime time.Time
}

// Upload is a multipart upload in progress.
type Upload struct {
	ID        string
	Key       string
	Initiated time.Time
	Attrs     Attrs // the attributes the completed object will carry (Size, ETag unset)
}

// Part is one uploaded part.
type Part struct {
	Number  int
	Size    int64
	ETag    string // unquoted hex MD5
	ModTime time.Time
}

// Driver stores objects. Methods are safe for concurrent use. Errors are *Error; a missing
// object or upload is kind NotFound.
type Driver interface {
	// Put stores the bytes of r under (bucket, key) with the attributes in a and returns the
	// stored attributes. a.Size is the expected length (-1 unknown) for drivers that must declare
	// it up front; the stored Size, ETag, ModTime and Parts are computed. Put reads *a only after
	// r returned io.EOF, so a source may complete a at its end (trailing checksums).
	Put(ctx context.Context, bucket, key string, r io.Reader, a *Attrs) (*Attrs, error)
	// Open opens an object for reading.
	Open(ctx context.Context, bucket, key string) (Object, error)
	// Stat returns an object's attributes.
	Stat(ctx context.Context, bucket, key string) (*Attrs, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, bucket, key string) error
	// List returns the objects of bucket selected by opts in UTF-8 byte order of their keys.
	List(ctx context.Context, bucket string, opts ListOptions) ([]Entry, error)
	// Update changes the attributes of a stored object without rewriting its bytes. edit is
	// called with a copy of the current attributes and may change the settable ones (the
	// content headers, Metadata, Tags); Size, ETag, Parts, Checksums and ModTime stay as stored,
	// whatever edit does to them. An error from edit aborts the update and is returned as is.
	// The change is atomic like Put: readers see the old attributes or the new ones. Update
	// returns the stored attributes; a missing object is NotFound.
	Update(ctx context.Context, bucket, key string, edit func(*Attrs) error) (*Attrs, error)

	// CreateUpload starts a multipart upload and returns its id.
	CreateUpload(ctx context.Context, bucket, key string, a *Attrs) (string, error)
	// GetUpload returns an upload in progress.
	GetUpload(ctx context.Context, bucket, key, id string) (*Upload, error)
	// PutPart stores part n (1..10000) of an upload, replacing an earlier part n; size is the
	// expected length (-1 unknown).
	PutPart(ctx context.Context, bucket, key, id string, n int, r io.Reader, size int64) (*Part, error)
	// ListParts returns the parts of an upload in part-number order.
	ListParts(ctx context.Context, bucket, key, id string) ([]Part, error)
	// CompleteUpload assembles the numbered parts, in that order, into the object and removes
	// the upload.
	CompleteUpload(ctx context.Context, bucket, key, id string, parts []int) (*Attrs, error)
	// AbortUpload removes an upload and its parts.
	AbortUpload(ctx context.Context, bucket, key, id string) error
	// ListUploads returns the uploads in progress in bucket whose keys start with prefix, by key
	// then initiation time.
	ListUploads(ctx context.Context, bucket, prefix string) ([]Upload, error)

	Close() error
}

// Kind classifies driver errors; the set is closed.
type Kind uint8

const (
	NotFound Kind = iota + 1 // no such object, upload or part
	Invalid                  // bad bucket, key, part number or options
	Internal                 // I/O and everything else
)

func (k Kind) String() string {
	switch k {
	case NotFound:
		return "not found"
	case Invalid:
		return "invalid argument"
	case Internal:
		return "internal error"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Error makes a Kind usable with errors.Is(err, blob.NotFound).
func (k Kind) Error() string { return "blob: " + k.String() }

// Error is the error drivers return.
type Error struct {
	Op     string
	Kind   Kind
	Bucket string
	Key    string
	Err    error // underlying cause, may be nil
}

// E builds an *Error.
func E(op string, kind Kind, bucket, key string, err error) *Error {
	return &Error{Op: op, Kind: kind, Bucket: bucket, Key: key, Err: err}
}

func (e *Error) Error() string {
	s := fmt.Sprintf("blob: %s %q/%q: %s", e.Op, e.Bucket, e.Key, e.Kind)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, blob.NotFound) work.
func (e *Error) Is(target error) bool { k, ok := target.(Kind); return ok && k == e.Kind }

// KindOf returns the kind of err: Internal for anything that is not an *Error (nil for nil).
func KindOf(err error) Kind {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// ReadError wraps an error returned by the source reader of Put or PutPart, so callers can
// tell the client's fault (a digest mismatch, a truncated body) from a storage failure.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "blob: reading source: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// A DigestSource is a Put or PutPart source that carries an MD5 its bytes must match (S3's
// Content-MD5). A driver that hashes the bytes with MD5 anyway, for the ETag, spares the source
// a second pass over them: it calls TakeMD5 before reading (true means the source has an MD5
// and leaves checking it to the driver) and then, after the last byte and before anything
// becomes visible, CheckMD5 with its own sum, failing the call with the returned error wrapped
// in a ReadError, as for an error from Read. Drivers that do not hash leave the source to check.
type DigestSource interface {
	TakeMD5() bool
	CheckMD5(sum []byte) error
}

// MultipartETag returns the ETag of an object assembled from parts with the given binary MD5
// sums: hex(MD5(concat(sums))) + "-" + len(sums).
func MultipartETag(sums [][]byte) string {
	h := newMD5()
	for _, s := range sums {
		h.Write(s)
	}
	return fmt.Sprintf("%x-%d", h.Sum(nil), len(sums))
}

// Clone returns a deep copy of a.
func (a *Attrs) Clone() *Attrs {
	c := *a
	c.Metadata = maps.Clone(a.Metadata)
	c.Checksums = maps.Clone(a.Checksums)
	c.Tags = maps.Clone(a.Tags)
	return &c
}

// Edit applies the rule of Driver.Update for drivers: it returns a copy of a changed by edit,
// with the attributes a driver computes (Size, ETag, ModTime, Parts, Checksums) restored and
// empty Metadata and Tags made nil. a itself is not changed.
func Edit(a *Attrs, edit func(*Attrs) error) (*Attrs, error) {
	c := a.Clone()
	if err := edit(c); err != nil {
		return nil, err
	}
	c.Size, c.ETag, c.ModTime, c.Parts = a.Size, a.ETag, a.ModTime, a.Parts
	c.Checksums = maps.Clone(a.Checksums)
	if len(c.Metadata) == 0 {
		c.Metadata = nil
	}
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	return c, nil
}
