package identity

import "testing"

func TestSafeName(t *testing.T) {
	tests := []struct {
		in   string
		fill byte
		want string
	}{
		{"user1@EXAMPLE.COM", '-', "user1@EXAMPLE.COM"},
		{"HTTP/host@EXAMPLE.COM", '-', "HTTP-host@EXAMPLE.COM"},
		{"auth0|5f3c", '_', "auth0_5f3c"},
		{"a", '_', "a_"},
		{"", '-', "--"},
		{"ünï", '_', "__n__"}, // bytes, not runes: each byte of a multi-byte rune is replaced
		{string(make([]byte, 70)), '_', "________________________________________________________________"},
	}
	for _, tc := range tests {
		if got := SafeName(tc.in, tc.fill); got != tc.want {
			t.Errorf("SafeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
