package sigv4

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"testing/iotest"
	"time"
)

func TestReadahead(t *testing.T) {
	data := payloadOf(readaheadBuf*readaheadDepth*3 + 12345)
	for name, src := range map[string]func() io.Reader{
		"whole":      func() io.Reader { return bytes.NewReader(data) },
		"one byte":   func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data[:5000])) },
		"half reads": func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		"data+EOF":   func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
	} {
		t.Run(name, func(t *testing.T) {
			r := src()
			want := data
			if name == "one byte" {
				want = data[:5000]
			}
			if err := iotest.TestReader(newReadahead(context.Background(), r), want); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("error after data", func(t *testing.T) {
		boom := errors.New("boom")
		ra := newReadahead(context.Background(), io.MultiReader(bytes.NewReader(data), iotest.ErrReader(boom)))
		got, err := io.ReadAll(ra)
		if !errors.Is(err, boom) || !bytes.Equal(got, data) {
			t.Fatalf("read %d bytes, err %v", len(got), err)
		}
	})
}

// blockingReader gives one buffer, then blocks until released.
type blockingReader struct {
	first   []byte
	release chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if len(b.first) > 0 {
		n := copy(p, b.first)
		b.first = b.first[n:]
		return n, nil
	}
	<-b.release
	return 0, io.EOF
}

// An abandoned readahead's goroutine ends with the request's context or Close, not with the
// body: a consumer that stops reading (a signature mismatch, a handler that returns) leaks
// nothing, and after Close nothing reads the source any more.
func TestReadaheadStops(t *testing.T) {
	for _, how := range []string{"context", "close"} {
		t.Run(how, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// More than the readahead holds, so its goroutine waits for a free buffer.
			src := &blockingReader{first: payloadOf(readaheadBuf * (readaheadDepth + 2)), release: make(chan struct{})}
			defer close(src.release)
			ra := newReadahead(ctx, src)
			if _, err := ra.Read(make([]byte, 10)); err != nil {
				t.Fatal(err)
			}
			if how == "context" {
				cancel()
				select {
				case <-ra.done:
				case <-time.After(10 * time.Second):
					t.Fatal("the readahead goroutine did not stop with its context")
				}
				return
			}
			closed := make(chan struct{})
			go func() { ra.Close(); close(closed) }()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("Close did not return")
			}
			select {
			case <-ra.done:
			default:
				t.Fatal("Close returned before the goroutine")
			}
			if _, err := ra.Read(make([]byte, 10)); !errors.Is(err, errReadaheadClosed) {
				t.Errorf("Read after Close = %v", err)
			}
		})
	}
}

// A large body signed with a hex SHA-256 is read ahead too; a change anywhere in it, or a body
// cut short, still fails at the end.
func TestHashedBodyReadahead(t *testing.T) {
	payload := payloadOf(readaheadMin + 4096)
	read := func(body []byte) ([]byte, error) {
		r, _ := http.NewRequest("PUT", "https://s3.example.com/bucket/key", bytes.NewReader(body))
		r.ContentLength = int64(len(payload))
		r.Header.Set("X-Amz-Content-Sha256", sha256Hex(payload))
		signRequest(t, r, sha256Hex(payload), "s3")
		a, err := Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewVerifier(&Options{Now: testNow}).Verify(r, a, []byte(testCreds.SecretAccessKey))
		if err != nil {
			t.Fatal(err)
		}
		if b.ra == nil {
			t.Fatal("a large hashed body is not read ahead")
		}
		defer b.Close()
		return io.ReadAll(b)
	}
	if got, err := read(payload); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("intact body: %d bytes, %v", len(got), err)
	}
	tampered := bytes.Clone(payload)
	tampered[len(tampered)-10] ^= 1
	if _, err := read(tampered); !errors.Is(err, ErrContentSHA256Mismatch) {
		t.Errorf("tampered body: %v", err)
	}
	if _, err := read(payload[:len(payload)-1]); err == nil {
		t.Error("short body accepted")
	}
}

// Tampering with the last chunk of a large signed body is caught after the readahead.
func TestChunkedReadaheadTampering(t *testing.T) {
	c := newChunked(t, payloadOf(2<<20), StreamingPayload, 64<<10)
	v := NewVerifier(&Options{Now: testNow})
	b := bytes.Clone(c.body)
	b[len(b)-200] ^= 1
	if _, _, err := readChunked(v, c, b); !errors.Is(err, ErrChunkSignatureMismatch) {
		t.Errorf("tampered last chunk: %v", err)
	}
	if _, _, err := readChunked(v, c, c.body[:len(c.body)-100]); !errors.Is(err, ErrMalformedChunk) {
		t.Errorf("truncated: %v", err)
	}
}
