package catalog

import (
	"context"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/store"
)

// Limits (spec §9.1).
const (
	maxNameLen          = 255
	maxPageTables       = 100  // GetDatabases, GetTables, GetTableVersions
	maxPagePartitions   = 1000 // GetPartitions, SearchTables
	maxBatchCreate      = 100
	maxBatchGet         = 1000
	maxBatchDelete      = 25
	maxBatchDeleteTable = 100
	maxValueLen         = 1024
	maxLocationLen      = 2056
	maxTotalSegments    = 10
)

// checkName validates a Glue name (1..255 characters of the single-line pattern: no control
// characters but tab) and returns it lower-cased, as Glue stores database and table names.
func checkName(what, name string) (string, error) {
	if err := checkText(what, name, maxNameLen); err != nil {
		return "", err
	}
	if name == "" {
		return "", errInvalid("%s must not be empty", what)
	}
	return strings.ToLower(name), nil
}

// checkText validates a string of Glue's single-line pattern of at most max characters.
func checkText(what, s string, max int) error {
	if !utf8.ValidString(s) {
		return errInvalid("%s is not valid UTF-8", what)
	}
	if utf8.RuneCountInString(s) > max {
		return errInvalid("%s is longer than %d characters", what, max)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t') || r == 0xFFFE || r == 0xFFFF {
			return errInvalid("%s contains an invalid character", what)
		}
	}
	return nil
}

// esc makes a name safe as one level of a store key: "%" and "/" are percent-encoded, so "/"
// separates levels and a prefix of one entity never matches another's.
func esc(s string) string {
	if !strings.ContainsAny(s, "%/") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			b.WriteString("%25")
		case '/':
			b.WriteString("%2F")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func dbKey(db string) string           { return esc(db) }
func tableKey(db, table string) string { return esc(db) + "/" + esc(table) }

// partitionKey is the store key of a partition: its table's key and its escaped values. When
// that would exceed the store's key limit the values are replaced by their digest.
func partitionKey(db, table string, values []string) string {
	var b strings.Builder
	b.WriteString(tableKey(db, table))
	b.WriteByte('/')
	for i, v := range values {
		if i > 0 {
			b.WriteByte('/')
		}
		if v == "" {
			b.WriteString("%00") // keeps empty levels distinct and keys non-empty
			continue
		}
		b.WriteString(esc(v))
	}
	if b.Len() > store.MaxKeyLen {
		return tableKey(db, table) + "/%%" + digest(values)
	}
	return b.String()
}

// Page tokens are the last store key of a page, opaque to clients.

func encodeToken(key string) *string {
	t := base64.RawURLEncoding.EncodeToString([]byte(key))
	return &t
}

func decodeToken(tok *string, prefix string) (string, error) {
	if tok == nil || *tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*tok)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return "", errInvalid("Invalid NextToken")
	}
	return string(b), nil
}

// pageSize validates MaxResults against 1..max (nil = max).
func pageSize(maxResults *int32, max int) (int, error) {
	if maxResults == nil {
		return max, nil
	}
	if *maxResults < 1 || int(*maxResults) > max {
		return 0, errInvalid("MaxResults must be between 1 and %d", max)
	}
	return int(*maxResults), nil
}

// scan pages through ns under prefix from the key after start, calling keep for each record
// until n were kept. It returns the key to resume from ("" when the range is exhausted).
func scan(ctx context.Context, r store.Reader, ns, prefix, start string, n int, keep func(store.Record) (bool, error)) (string, error) {
	const chunk = 256
	kept := 0
	after := start
	for {
		recs, err := r.List(ctx, ns, store.ListOptions{Prefix: prefix, StartAfter: after, Limit: chunk})
		if err != nil {
			return "", err
		}
		for i, rec := range recs {
			ok, err := keep(rec)
			if err != nil {
				return "", err
			}
			if ok {
				kept++
			}
			if kept == n {
				// More only if something follows this record.
				if i < len(recs)-1 {
					return rec.Key, nil
				}
				more, err := r.List(ctx, ns, store.ListOptions{Prefix: prefix, StartAfter: rec.Key, Limit: 1})
				if err != nil {
					return "", err
				}
				if len(more) > 0 {
					return rec.Key, nil
				}
				return "", nil
			}
		}
		if len(recs) < chunk {
			return "", nil
		}
		after = recs[len(recs)-1].Key
	}
}
