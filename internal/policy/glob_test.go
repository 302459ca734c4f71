package policy

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var wildcardTests = []struct {
	name    string
	pattern string
	s       string
	fold    bool
	want    bool
}{
	{"exact", "s3:GetObject", "s3:GetObject", false, true},
	{"star-all", "*", "anything:at/all", false, true},
	{"star-empty", "*", "", false, true},
	{"empty-empty", "", "", false, true},
	{"empty-vs-text", "", "x", false, false},
	{"prefix-star", "s3:Get*", "s3:GetObjectAcl", false, true},
	{"prefix-star-miss", "s3:Get*", "s3:PutObject", false, false},
	{"middle-star", "a*c", "abbbc", false, true},
	{"two-stars-backtrack", "*ab*ab", "xxabyyabab", false, true},
	{"qmark", "a?c", "abc", false, true},
	{"qmark-empty", "a?c", "ac", false, false},
	{"qmark-multibyte", "a?c", "aéc", false, true},
	{"fold", "S3:getobject", "s3:GetObject", true, true},
	{"no-fold", "S3:getobject", "s3:GetObject", false, false},
	{"trailing-literal", "*.csv", "a/b.csv", false, true},
	{"trailing-literal-miss", "*.csv", "a/b.csvx", false, false},
}

func TestMatchWildcard(t *testing.T) {
	for _, tt := range wildcardTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchWildcard(tt.pattern, tt.s, tt.fold); got != tt.want {
				t.Errorf("MatchWildcard(%q, %q, %v) = %v, want %v", tt.pattern, tt.s, tt.fold, got, tt.want)
			}
		})
	}
}

var arnTests = []struct {
	name    string
	pattern string
	arn     string
	want    bool
}{
	{"exact", "arn:aws:s3:::b", "arn:aws:s3:::b", true},
	{"star", "*", "arn:aws:s3:::b/k", true},
	{"resource-star-spans-slash", "arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y/z", true},
	{"resource-star-spans-colon", "arn:aws:logs:us-east-1:123456789012:log-group:*", "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s", true},
	{"region-star", "arn:aws:glue:*:123456789012:table/*", "arn:aws:glue:eu-west-1:123456789012:table/a/b", true},
	{"region-star-no-colon", "arn:aws:glue:*:123456789012:table/*", "arn:aws:glue:eu:west:123456789012:table/a", false},
	{"service-qmark-no-colon", "arn:aws:s?:::b", "arn:aws:s::::b", false},
	{"case-sensitive", "arn:aws:s3:::B", "arn:aws:s3:::b", false},
	{"short-pattern-spans", "arn:aws:s3:*", "arn:aws:s3:::b/k", true},
	{"short-pattern-literal", "arn:aws", "arn:aws:s3:::b", false},
	{"pattern-vs-star", "arn:aws:s3:::*", "*", false},
	{"too-few-components", "arn:aws:s3:::*", "arn:aws:s3", false},
	{"empty-account", "arn:aws:iam::*:role/r", "arn:aws:iam:::role/r", true},
}

func TestMatchARN(t *testing.T) {
	for _, tt := range arnTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchARN(tt.pattern, tt.arn); got != tt.want {
				t.Errorf("MatchARN(%q, %q) = %v, want %v", tt.pattern, tt.arn, got, tt.want)
			}
		})
	}
}

// oracleRegexp translates a wildcard pattern into a regular expression:
// the reference the matcher is fuzzed against. In ARN mode the pattern's
// first components (all but the last, at most five) use [^:] classes.
func oracleRegexp(pattern string, arn bool) *regexp.Regexp {
	parts := []string{pattern}
	if arn {
		parts = strings.SplitN(pattern, ":", 6)
	}
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i, part := range parts {
		if i > 0 {
			b.WriteString(":")
		}
		restricted := i < len(parts)-1
		for _, r := range part {
			switch {
			case r == '*' && restricted:
				b.WriteString(`[^:]*`)
			case r == '*':
				b.WriteString(`.*`)
			case r == '?' && restricted:
				b.WriteString(`[^:]`)
			case r == '?':
				b.WriteString(`.`)
			default:
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

func FuzzMatchWildcard(f *testing.F) {
	for _, tt := range wildcardTests {
		f.Add(tt.pattern, tt.s, tt.fold)
	}
	f.Fuzz(func(t *testing.T, pattern, s string, fold bool) {
		// The regexp oracle reads invalid UTF-8 as U+FFFD; the matcher
		// compares bytes. Policies and ARNs are valid UTF-8.
		if len(pattern) > 64 || len(s) > 256 || !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return
		}
		got := MatchWildcard(pattern, s, fold)
		op, os := pattern, s
		if fold {
			op, os = lowerASCII(pattern), lowerASCII(s)
		}
		if want := oracleRegexp(op, false).MatchString(os); got != want {
			t.Fatalf("MatchWildcard(%q, %q, %v) = %v, oracle says %v", pattern, s, fold, got, want)
		}
	})
}

func FuzzMatchARN(f *testing.F) {
	for _, tt := range arnTests {
		f.Add(tt.pattern, tt.arn)
	}
	f.Fuzz(func(t *testing.T, pattern, arn string) {
		if len(pattern) > 64 || len(arn) > 256 || !utf8.ValidString(pattern) || !utf8.ValidString(arn) {
			return
		}
		got := MatchARN(pattern, arn)
		if want := oracleRegexp(pattern, true).MatchString(arn); got != want {
			t.Fatalf("MatchARN(%q, %q) = %v, oracle says %v", pattern, arn, got, want)
		}
	})
}
