package audit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/store"
)

// Attribute is a LookupEvents lookup attribute.
type Attribute string

// The lookup attributes; All selects every record.
const (
	All          Attribute = "*"
	EventID      Attribute = "EventId"
	EventName    Attribute = "EventName"
	ReadOnly     Attribute = "ReadOnly"
	Username     Attribute = "Username"
	ResourceType Attribute = "ResourceType"
	ResourceName Attribute = "ResourceName"
	EventSource  Attribute = "EventSource"
	AccessKeyID  Attribute = "AccessKeyId"
)

// Attributes lists the lookup attributes AWS defines.
var Attributes = []Attribute{EventID, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyID}

// ValidAttribute reports whether a is one of Attributes.
func ValidAttribute(a Attribute) bool {
	for _, x := range Attributes {
		if a == x {
			return true
		}
	}
	return false
}

// maxIndexValue is the longest value kept verbatim in an index key; longer ones are hashed.
const maxIndexValue = 200

func encodeValue(v string) string {
	e := url.PathEscape(v)
	if len(e) > maxIndexValue {
		sum := sha256.Sum256([]byte(v))
		return "h~" + hex.EncodeToString(sum[:20])
	}
	return e
}

// invTime orders newer first: 19 digits of MaxInt64 minus the nanosecond time.
func invTime(t time.Time) string {
	return fmt.Sprintf("%019d", uint64(math.MaxInt64-t.UnixNano()))
}

func attrPrefix(a Attribute, value string) string {
	return string(a) + "/" + encodeValue(value) + "/"
}

// indexPrefixes returns the index key prefixes of e ("<attr>/<value>/<inv time>/"); the writer
// appends "<chain>/<seq>".
func indexPrefixes(e *Event, at time.Time) []string {
	inv := invTime(at) + "/"
	out := make([]string, 0, 10)
	add := func(a Attribute, v string) {
		if v == "" && a != All {
			return
		}
		k := attrPrefix(a, v) + inv
		for _, x := range out {
			if x == k {
				return
			}
		}
		out = append(out, k)
	}
	add(All, "")
	add(EventID, e.EventID)
	add(EventName, e.EventName)
	add(ReadOnly, strconv.FormatBool(e.ReadOnly))
	add(Username, e.Username())
	add(EventSource, e.EventSource)
	add(AccessKeyID, e.UserIdentity.AccessKeyID)
	for _, r := range e.Resources {
		add(ResourceType, r.Type)
		add(ResourceName, r.ARN)
	}
	return out
}

// Query selects records for Lookup.
type Query struct {
	Attr  Attribute // All (or "") for every record
	Value string
	// Start and End bound the event time, inclusive, at second precision; zero means open.
	Start, End time.Time
	Limit      int    // 1..; default 50
	NextToken  string // from a previous result
}

// Found is one record found by Lookup.
type Found struct {
	Entry *Entry
	Event *Event
}

// ErrBadToken is returned (wrapped, kind Invalid) for a NextToken that does not belong to the query.
var ErrBadToken = errors.New("invalid next token")

// Lookup returns the records that match q, newest first, and a token for the next page ("" when
// there is none). It reads only the index keys it returns (plus one) and their entries.
func Lookup(ctx context.Context, r store.Reader, q Query) ([]Found, string, error) {
	if q.Attr == "" {
		q.Attr = All
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	prefix := attrPrefix(q.Attr, q.Value)
	after := ""
	if !q.End.IsZero() {
		// Keys with inverted time < inv(end of End's second) are newer than End.
		endMax := q.End.Truncate(time.Second).Add(time.Second - 1)
		n, _ := strconv.ParseUint(invTime(endMax), 10, 64)
		if n > 0 {
			after = prefix + fmt.Sprintf("%019d", n-1) + "~"
		}
	}
	if q.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(q.NextToken)
		if err != nil || !strings.HasPrefix(string(raw), prefix) {
			return nil, "", E(Invalid, "lookup", ErrBadToken)
		}
		if string(raw) > after {
			after = string(raw)
		}
	}
	startInv := ""
	if !q.Start.IsZero() {
		startInv = invTime(q.Start.Truncate(time.Second))
	}
	var out []Found
	for {
		recs, err := r.List(ctx, NSIndex, store.ListOptions{Prefix: prefix, StartAfter: after, Limit: q.Limit - len(out) + 1})
		if err != nil {
			return nil, "", E(Unavailable, "lookup", err)
		}
		if len(recs) == 0 {
			return out, "", nil
		}
		for _, rec := range recs {
			inv, tail, ok := strings.Cut(rec.Key[len(prefix):], "/")
			if startInv != "" && inv > startInv {
				return out, "", nil
			}
			if len(out) == q.Limit {
				return out, base64.RawURLEncoding.EncodeToString([]byte(after)), nil
			}
			after = rec.Key
			if !ok {
				continue
			}
			f, err := loadFound(ctx, r, tail)
			if err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue // an index key without its entry: the verifier reports the gap
				}
				return nil, "", err
			}
			out = append(out, *f)
		}
	}
}

func loadFound(ctx context.Context, r store.Reader, key string) (*Found, error) {
	rec, err := r.Get(ctx, NSLog, key)
	if err != nil {
		return nil, err
	}
	e, err := DecodeEntry(rec.Value)
	if err != nil {
		return nil, err
	}
	ev, err := ParseEvent(e.Event)
	if err != nil {
		return nil, E(Corrupt, "lookup", err)
	}
	return &Found{Entry: e, Event: ev}, nil
}
