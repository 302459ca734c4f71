package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/store"
)

func TestKindOf(t *testing.T) {
	native := errors.New("disk I/O error")
	tests := []struct {
		name string
		err  error
		want store.Kind
	}{
		{"nil", nil, 0},
		{"sentinel", store.ErrNotFound, store.NotFound},
		{"error", store.E("get", store.Exists, "ns", "k", nil), store.Exists},
		{"wrapped error", fmt.Errorf("iam: %w", store.E("put", store.Conflict, "ns", "k", nil)), store.Conflict},
		{"wrapped sentinel", fmt.Errorf("x: %w", store.ErrBusy), store.Busy},
		{"native", native, store.Internal},
		{"error with cause", store.E("get", store.Internal, "", "", native), store.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := store.KindOf(tc.err); got != tc.want {
				t.Errorf("KindOf = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestErrorChain(t *testing.T) {
	cause := context.Canceled
	err := fmt.Errorf("wrapped: %w", store.E("get", store.Internal, "iam/user", "alice", cause))
	for _, target := range []error{store.ErrInternal, context.Canceled} {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = false", err, target)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) = true", err)
	}
	want := `wrapped: store: get "iam/user"/"alice": internal error: context canceled`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	e := &store.Error{Op: "list", Kind: store.Invalid, Msg: "negative Limit"}
	if got, want := e.Error(), "store: list: invalid argument: negative Limit"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := store.Kind(99).String(); got != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", got)
	}
}

var keyCases = []struct {
	name    string
	ns, key string
	ok      bool
}{
	{"plain", "iam/user", "alice", true},
	{"unicode", "glue/table", "db/日本/😀", true},
	{"max rune", "n", "\U0010ffff", true},
	{"control chars", "n", "\x01\t\n", true},
	{"max lengths", strings.Repeat("n", store.MaxNamespaceLen), strings.Repeat("k", store.MaxKeyLen), true},
	{"empty key", "n", "", false},
	{"empty namespace", "", "k", false},
	{"NUL", "n", "a\x00", false},
	{"invalid UTF-8", "n", "\xff", false},
	{"surrogate", "n", "\xed\xb0\x80", false},
	{"long key", "n", strings.Repeat("k", store.MaxKeyLen+1), false},
	{"long namespace", strings.Repeat("n", store.MaxNamespaceLen+1), "k", false},
}

func TestCheckKey(t *testing.T) {
	for _, tc := range keyCases {
		t.Run(tc.name, func(t *testing.T) {
			err := store.CheckKey("op", tc.ns, tc.key)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckKey(%q, %q) = %v, want ok %v", tc.ns, tc.key, err, tc.ok)
			}
			if err != nil && store.KindOf(err) != store.Invalid {
				t.Errorf("kind %v, want Invalid", store.KindOf(err))
			}
		})
	}
}

func TestCheckList(t *testing.T) {
	tests := []struct {
		name string
		opts store.ListOptions
		ok   bool
	}{
		{"zero", store.ListOptions{}, true},
		{"all set", store.ListOptions{Prefix: "a/", StartAfter: "a/1", Limit: 10}, true},
		{"negative limit", store.ListOptions{Limit: -1}, false},
		{"NUL prefix", store.ListOptions{Prefix: "\x00"}, false},
		{"bad StartAfter", store.ListOptions{StartAfter: "\xc3"}, false},
	}
	var got, want []bool
	for _, tc := range tests {
		got = append(got, store.CheckList("list", "ns", tc.opts) == nil)
		want = append(want, tc.ok)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CheckList ok per case (-want +got):\n%s", diff)
	}
}

// FuzzCheckKey checks CheckKey against its definition.
func FuzzCheckKey(f *testing.F) {
	for _, tc := range keyCases {
		f.Add(tc.ns, tc.key)
	}
	f.Fuzz(func(t *testing.T, ns, key string) {
		valid := func(s string, max int) bool {
			return s != "" && len(s) <= max && !strings.Contains(s, "\x00") && utf8.ValidString(s)
		}
		want := valid(ns, store.MaxNamespaceLen) && valid(key, store.MaxKeyLen)
		if got := store.CheckKey("op", ns, key) == nil; got != want {
			t.Fatalf("CheckKey(%q, %q) ok = %v, want %v", ns, key, got, want)
		}
	})
}
