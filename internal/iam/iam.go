package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store"
)

// Options are the optional dependencies of New; nil means defaults.
type Options struct {
	Now    func() time.Time // default time.Now
	Rand   io.Reader        // default crypto/rand
	Logger *slog.Logger     // default: discard
	// LinkedRoleUsage answers, for DeleteServiceLinkedRole, which resources of a service use
	// its service-linked role; nil means none do.
	LinkedRoleUsage LinkedRoleUsage
}

// Service implements the IAM API and Authorize.
type Service struct {
	st      store.Store
	ring    *keyring.Ring
	account identity.AccountID
	now     func() time.Time
	rand    io.Reader
	log     *slog.Logger

	usage LinkedRoleUsage

	cache *cache
	used  *lastUsed
	clock atomic.Pointer[clockText]
}

// New returns the IAM service over st; secret access keys are sealed with ring.
func New(st store.Store, ring *keyring.Ring, account identity.AccountID, opts *Options) *Service {
	s := &Service{st: st, ring: ring, account: account, now: time.Now, rand: rand.Reader,
		log: slog.New(slog.DiscardHandler)}
	if opts != nil {
		if opts.Now != nil {
			s.now = opts.Now
		}
		if opts.Rand != nil {
			s.rand = opts.Rand
		}
		if opts.Logger != nil {
			s.log = opts.Logger
		}
		s.usage = opts.LinkedRoleUsage
	}
	s.cache = newCache()
	s.used = &lastUsed{pending: map[identity.AccessKeyID]keyUse{}, written: map[identity.AccessKeyID]time.Time{}}
	return s
}

// Store namespaces.
const (
	nsUser    = "iam/user"
	nsRole    = "iam/role"
	nsGroup   = "iam/group"
	nsPolicy  = "iam/policy"
	nsOIDC    = "iam/oidc"
	nsKey     = "iam/accesskey"
	nsKeyUsed = "iam/keyused"
	nsMeta    = "iam/meta"
	nsTask    = "iam/slrdeletion" // service-linked role deletion tasks, by task id

	genKey = "generation"
)

// Errors. IAM's errors are *awsproto.Error values with the model's codes (spec §9.2).

func noSuchEntity(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func alreadyExists(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func deleteConflict(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusConflict, "DeleteConflict", format, args...)
}

func limitExceeded(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusConflict, "LimitExceeded", format, args...)
}

func invalidInput(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "InvalidInput", format, args...)
}

func malformedPolicy(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "MalformedPolicyDocument", format, args...)
}

func validationError(format string, args ...any) *awsproto.Error {
	return awsproto.ValidationError(format, args...)
}

// Limits (spec §9.1).
const (
	maxTags            = 50
	maxAccessKeys      = 2
	maxPolicyVersions  = 5
	maxAttached        = 10
	maxGroupsPerUser   = 10
	minSessionDuration = 3600
	maxSessionDuration = 43200
	defaultMaxItems    = 100
)

var (
	entityNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	groupNameRE  = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	policyNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	pathRE       = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)
	tagKeyRE     = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	tagValueRE   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$`)
)

func checkName(member, name string, re *regexp.Regexp) error {
	if !re.MatchString(name) {
		return validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", name, member, re.String())
	}
	return nil
}

// checkPath validates a path and returns it, "/" when empty.
func checkPath(p string) (string, error) {
	if p == "" {
		return "/", nil
	}
	if len(p) > 512 || !pathRE.MatchString(p) || strings.Contains(p, "//") {
		return "", validationError("1 validation error detected: Value '%s' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", p)
	}
	return p, nil
}

func checkTags(tags []identity.Tag) error {
	if len(tags) > maxTags {
		return limitExceeded("Cannot exceed quota for TagsPerEntity: %d.", maxTags)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if !tagKeyRE.MatchString(t.Key) || !tagValueRE.MatchString(t.Value) {
			return validationError("1 validation error detected: tag %q does not satisfy the tag key/value constraints", t.Key)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidInput("Tag keys starting with 'aws:' are reserved for internal AWS use.")
		}
		k := strings.ToLower(t.Key)
		if seen[k] {
			return invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

// mergeTags overlays add on tags (keys compared case-insensitively; the new key's case wins).
func mergeTags(tags, add []identity.Tag) []identity.Tag {
	out := append([]identity.Tag(nil), tags...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}

func removeTags(tags []identity.Tag, keys []string) []identity.Tag {
	var out []identity.Tag
	for _, t := range tags {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// Unique ids: a four-letter prefix and 17 characters of base32, 21 in all (AIDA…, AROA…).
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func (s *Service) newID(prefix string) (string, error) {
	b := make([]byte, 17)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return prefix + string(b), nil
}

// stamp is a creation time as IAM shows it: UTC, whole seconds.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Second) }

// ARNs.

func (s *Service) arn(kind, path, name string) identity.ARN {
	return identity.ARN("arn:aws:iam::" + string(s.account) + ":" + kind + path + name)
}

// splitARN parses arn:aws:iam::<acct>:<kind>/<path><name> of this account.
func (s *Service) splitARN(arn, kind string) (path, name string, ok bool) {
	prefix := "arn:aws:iam::" + string(s.account) + ":" + kind + "/"
	if !strings.HasPrefix(arn, prefix) {
		return "", "", false
	}
	rest := arn[len(prefix)-1:] // keep the leading '/'
	i := strings.LastIndexByte(rest, '/')
	path, name = rest[:i+1], rest[i+1:]
	if name == "" {
		return "", "", false
	}
	return path, name, true
}

// encodeDoc returns a policy document as IAM returns it: percent-encoded (spec §12). Spaces are
// %20, not '+', so both Python's unquote (botocore) and Go's QueryUnescape restore the text.
func encodeDoc(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// Store helpers.

func keyOf(name string) string { return strings.ToLower(name) }

func createJSON(ctx context.Context, tx store.Tx, ns, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = tx.Create(ctx, ns, key, data)
	return err
}

func listJSON[T any](ctx context.Context, r store.Reader, ns string) ([]*T, error) {
	recs, err := r.List(ctx, ns, store.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(recs))
	for _, rec := range recs {
		v := new(T)
		if err := json.Unmarshal(rec.Value, v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// update runs fn in one transaction and bumps the IAM generation in the same transaction, so
// every replica drops its compiled policies once the change is visible.
func (s *Service) update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return bumpGeneration(ctx, tx)
	})
}

// bumpGeneration rewrites the generation record in tx: every IAM mutation does, so that every
// replica's caches of IAM decisions know to start afresh.
func bumpGeneration(ctx context.Context, tx store.Tx) error {
	_, err := tx.Put(ctx, nsMeta, genKey, []byte("{}"))
	return err
}

// generation returns the current IAM generation (0 before any mutation).
func (s *Service) generation(ctx context.Context) (int64, error) {
	// Read on every authorization: from memory when the store sees all writes (SQLite serving
	// alone), from the database when replicas share it.
	rec, err := store.GetCached(ctx, s.st, nsMeta, genKey)
	if isNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return rec.Version, nil
}

// Pagination. Markers are opaque: the base64 of the last returned sort key.

func encodeMarker(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeMarker(m string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil {
		return "", invalidInput("Invalid Marker.")
	}
	return string(b), nil
}

// page selects the items after marker, at most maxItems (default 100, 1..1000). keys are the
// items' sort keys in ascending order.
func page[T any](items []T, key func(T) string, marker string, maxItems int) (out []T, truncated bool, next string, err error) {
	if maxItems == 0 {
		maxItems = defaultMaxItems
	}
	if maxItems < 1 || maxItems > 1000 {
		return nil, false, "", validationError("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", maxItems)
	}
	sort.SliceStable(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	start := 0
	if marker != "" {
		after, err := decodeMarker(marker)
		if err != nil {
			return nil, false, "", err
		}
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	}
	items = items[start:]
	if len(items) > maxItems {
		return items[:maxItems], true, encodeMarker(key(items[maxItems-1])), nil
	}
	return items, false, "", nil
}

// lastUsed batches access-key last-use stamps: Lookup records in memory, and a stamp reaches the
// store at most once per key per minute.
type lastUsed struct {
	mu      sync.Mutex
	pending map[identity.AccessKeyID]keyUse
	written map[identity.AccessKeyID]time.Time
}

type keyUse struct {
	Time    time.Time `json:"time"`
	Service string    `json:"service"`
	Region  string    `json:"region"`
}
