package sigv4

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func payloadOf(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i/251)
	}
	return p
}

var chunkedCases = []struct {
	name      string
	mode      string
	size      int
	chunk     int
	trailers  []string
	wantTrail http.Header
}{
	{name: "signed-empty", mode: StreamingPayload, size: 0, chunk: 8192},
	{name: "signed-one-chunk", mode: StreamingPayload, size: 1000, chunk: 8192},
	{name: "signed-exact-chunks", mode: StreamingPayload, size: 16384, chunk: 8192},
	{name: "signed-partial-last", mode: StreamingPayload, size: 20000, chunk: 8192},
	{name: "signed-trailer-crc32c", mode: StreamingPayloadTrailer, size: 20000, chunk: 8192, trailers: []string{"x-amz-checksum-crc32c"}},
	{name: "signed-trailer-sha256", mode: StreamingPayloadTrailer, size: 5, chunk: 8192, trailers: []string{"x-amz-checksum-sha256"}},
	// Over readaheadMin: the network is read on a goroutine of its own.
	{name: "signed-readahead", mode: StreamingPayload, size: 3<<20 + 17, chunk: 64 << 10},
	{name: "signed-readahead-trailer", mode: StreamingPayloadTrailer, size: 2 << 20, chunk: 1 << 20, trailers: []string{"x-amz-checksum-crc32"}},
	{name: "unsigned-trailer-crc32", mode: StreamingUnsignedPayloadTrailer, size: 70000, chunk: 65536, trailers: []string{"x-amz-checksum-crc32"}},
	{name: "unsigned-trailer-crc64nvme", mode: StreamingUnsignedPayloadTrailer, size: 3, chunk: 65536, trailers: []string{"x-amz-checksum-crc64nvme"}},
	{name: "unsigned-trailer-sha1", mode: StreamingUnsignedPayloadTrailer, size: 100, chunk: 7, trailers: []string{"x-amz-checksum-sha1"}},
	{name: "unsigned-trailer-empty", mode: StreamingUnsignedPayloadTrailer, size: 0, chunk: 7, trailers: []string{"x-amz-checksum-crc32"}},
	{name: "unsigned-no-trailer", mode: StreamingUnsignedPayloadTrailer, size: 10, chunk: 4},
}

func TestChunked(t *testing.T) {
	for _, tc := range chunkedCases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChunked(t, payloadOf(tc.size), tc.mode, tc.chunk, tc.trailers...)
			v := NewVerifier(&Options{Now: testNow})
			got, b, err := readChunked(v, c, c.body)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, c.payload) {
				t.Fatalf("decoded %d bytes, want %d", len(got), len(c.payload))
			}
			if b.DecodedLength() != int64(tc.size) {
				t.Errorf("DecodedLength = %d", b.DecodedLength())
			}
			want := http.Header{}
			for _, n := range tc.trailers {
				v, _ := Checksum(n, c.payload)
				want.Set(n, v)
			}
			if diff := cmp.Diff(want, b.Trailers()); diff != "" {
				t.Errorf("trailers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChunkedTampering: every truncation and every single-bit flip of the encoded body is
// rejected or, where it is harmless, decodes to exactly the original payload.
func TestChunkedTampering(t *testing.T) {
	for _, tc := range chunkedCases {
		if tc.size > 1000 {
			continue // keep it fast: the small cases cover every framing position
		}
		t.Run(tc.name, func(t *testing.T) {
			c := newChunked(t, payloadOf(tc.size), tc.mode, tc.chunk, tc.trailers...)
			v := NewVerifier(&Options{Now: testNow})
			check := func(what string, body []byte) {
				got, _, err := readChunked(v, c, body)
				if err == nil && !bytes.Equal(got, c.payload) {
					t.Errorf("%s: accepted different data %q", what, got)
				}
				if err != nil {
					var e *Error
					if !errors.As(err, &e) {
						t.Errorf("%s: error is not *Error: %v", what, err)
					}
				}
			}
			for i := range len(c.body) {
				check(fmt.Sprintf("truncated at %d", i), c.body[:i])
				if tc.mode == StreamingUnsignedPayloadTrailer && len(tc.trailers) == 0 {
					continue // nothing protects the data
				}
				flipped := bytes.Clone(c.body)
				flipped[i] ^= 1
				check(fmt.Sprintf("bit flipped at %d", i), flipped)
			}
		})
	}
}

func TestChunkedErrors(t *testing.T) {
	v := NewVerifier(&Options{Now: testNow, MaxChunkSize: 1 << 16})
	payload := payloadOf(3000)
	tests := []struct {
		name string
		mode string
		tr   []string
		edit func(c *chunked) []byte
		want ErrorCode
	}{
		{"truncated", StreamingPayload, nil, func(c *chunked) []byte { return c.body[:len(c.body)/2] }, ErrMalformedChunk},
		{"chunk signature too long", StreamingPayload, nil, func(c *chunked) []byte {
			return bytes.Replace(c.body, []byte("chunk-signature="), []byte("chunk-signature=0"), 1)[:len(c.body)]
		}, ErrMalformedChunk},
		{"swapped chunk signature", StreamingPayload, nil, func(c *chunked) []byte {
			i := bytes.Index(c.body, []byte("chunk-signature=")) + len("chunk-signature=")
			b := bytes.Clone(c.body)
			copy(b[i:], "0000000000000000000000000000000000000000000000000000000000000000")
			return b
		}, ErrChunkSignatureMismatch},
		{"tampered data", StreamingPayload, nil, func(c *chunked) []byte {
			b := bytes.Clone(c.body)
			b[len(b)/2] ^= 0x20
			return b
		}, ErrChunkSignatureMismatch},
		{"bad trailer checksum", StreamingUnsignedPayloadTrailer, []string{"x-amz-checksum-crc32"}, func(c *chunked) []byte {
			good, _ := Checksum("x-amz-checksum-crc32", c.payload)
			bad, _ := Checksum("x-amz-checksum-crc32", []byte("other"))
			return bytes.Replace(c.body, []byte(good), []byte(bad), 1)
		}, ErrChecksumMismatch},
		{"bad trailer signature", StreamingPayloadTrailer, []string{"x-amz-checksum-crc32"}, func(c *chunked) []byte {
			good, _ := Checksum("x-amz-checksum-crc32", c.payload)
			bad, _ := Checksum("x-amz-checksum-crc32", []byte("other"))
			return bytes.Replace(c.body, []byte(good), []byte(bad), 1)
		}, ErrChunkSignatureMismatch},
		{"undeclared trailer", StreamingUnsignedPayloadTrailer, []string{"x-amz-checksum-crc32"}, func(c *chunked) []byte {
			return bytes.Replace(c.body, []byte("x-amz-checksum-crc32:"), []byte("x-amz-checksum-crc33:"), 1)
		}, ErrMalformedChunk},
		{"oversize chunk", StreamingPayload, nil, func(c *chunked) []byte {
			return append([]byte("1000000;chunk-signature="+c.seed+"\r\n"), c.body...)
		}, ErrMalformedChunk},
		{"more data than declared", StreamingUnsignedPayloadTrailer, nil, func(c *chunked) []byte {
			return append([]byte("1\r\nx\r\n"), c.body...)
		}, ErrMalformedChunk},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newChunked(t, payload, tc.mode, 1024, tc.tr...)
			_, _, err := readChunked(v, c, tc.edit(c))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestChecksumNVME(t *testing.T) {
	// CRC-64/NVME check value for "123456789" is 0xae8b14860a799888.
	got, _ := Checksum("x-amz-checksum-crc64nvme", []byte("123456789"))
	if got != "rosUhgp5mIg=" {
		t.Fatalf("crc64nvme = %s", got)
	}
}
