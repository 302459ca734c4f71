package s3_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/blob/localfs"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/s3"
	"github.com/sluicehq/sluice/internal/server"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

// benchSize is the large-object size: SLUICE_BENCH_MIB (default 256 MiB; 1024 for the 1 GiB run).
func benchSize() int64 {
	if v := os.Getenv("SLUICE_BENCH_MIB"); v != "" {
		n, _ := strconv.Atoi(v)
		return int64(n) << 20
	}
	return 256 << 20
}

// benchServer is the whole server (SigV4, routing, S3, localfs with fsync) on a loopback port.
func benchServer(b *testing.B) (string, string) {
	dir := b.TempDir()
	fs, err := localfs.Open(filepath.Join(dir, "objects"), &localfs.Options{NoSync: os.Getenv("BENCH_NOSYNC") != ""})
	if err != nil {
		b.Fatal(err)
	}
	rootOnly := s3.AuthorizerFunc(func(_ context.Context, p *identity.Principal, _ s3.AuthzRequest) error {
		if p.Type == identity.Root {
			return nil
		}
		return awsproto.AccessDenied("denied")
	})
	svc := s3.New(account, memstore.New(nil), fs, rootOnly, nil)
	srv := server.New(server.Config{Account: account, Region: "us-east-1",
		Credentials: []server.CredentialResolver{resolver{}}, Services: map[string]awsproto.Handler{"s3": svc}})
	srv.SetReady(true)
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	return hs.URL, dir
}

func signedReq(b *testing.B, method, u string, body io.Reader, size int64) *http.Request {
	req, _ := http.NewRequest(method, u, body)
	if body != nil {
		req.ContentLength = size
	}
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: root.key, SecretAccessKey: root.secret}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	return req
}

func do(b *testing.B, c *http.Client, req *http.Request, want int) int64 {
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Fatalf("%s %s = %d", req.Method, req.URL, resp.StatusCode)
	}
	return n
}

type pattern struct{ n int64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(b)), p.n)
	for i := range b[:k] {
		b[i] = byte(i)
	}
	p.n -= k
	return int(k), nil
}

func createBucket(b *testing.B, url string) {
	do(b, http.DefaultClient, signedReq(b, "PUT", url+"/bench", nil, 0), 200)
}

// BenchmarkGetLarge: a large object through the whole server, beside http.ServeContent of a file
// of the same size.
func BenchmarkGetLarge(b *testing.B) {
	size := benchSize()
	b.Run("sluice", func(b *testing.B) {
		url, _ := benchServer(b)
		createBucket(b, url)
		do(b, http.DefaultClient, signedReq(b, "PUT", url+"/bench/big", &pattern{size}, size), 200)
		b.SetBytes(size)
		b.ResetTimer()
		for b.Loop() {
			if n := do(b, http.DefaultClient, signedReq(b, "GET", url+"/bench/big", nil, 0), 200); n != size {
				b.Fatalf("read %d", n)
			}
		}
	})
	b.Run("bare-servecontent", func(b *testing.B) {
		p := filepath.Join(b.TempDir(), "big")
		f, _ := os.Create(p)
		io.Copy(f, &pattern{size})
		f.Close()
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f, err := os.Open(p)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			defer f.Close()
			http.ServeContent(w, r, "big", time.Time{}, f)
		}))
		defer hs.Close()
		b.SetBytes(size)
		b.ResetTimer()
		for b.Loop() {
			req, _ := http.NewRequest("GET", hs.URL, nil)
			if n := do(b, http.DefaultClient, req, 200); n != size {
				b.Fatalf("read %d", n)
			}
		}
	})
}

// BenchmarkGetSmall: GETs of 4 KiB objects, in parallel, beside a bare handler writing 4 KiB to
// the same signed requests (it does not check the signature).
func BenchmarkGetSmall(b *testing.B) {
	data := make([]byte, 4<<10)
	rand.Read(data)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Run("sluice", func(b *testing.B) {
		url, _ := benchServer(b)
		createBucket(b, url)
		for i := range 64 {
			do(b, client, signedReq(b, "PUT", url+"/bench/k"+strconv.Itoa(i), bytes.NewReader(data), int64(len(data))), 200)
		}
		b.SetBytes(int64(len(data)))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				do(b, client, signedReq(b, "GET", url+"/bench/k"+strconv.Itoa(i%64), nil, 0), 200)
			}
		})
	})
	b.Run("bare-4KiB", func(b *testing.B) {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "4096")
			w.Write(data)
		}))
		defer hs.Close()
		b.SetBytes(int64(len(data)))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				// The same signed request as Sluice gets: the client's work is part of both
				// numbers, so only the servers differ.
				i++
				do(b, client, signedReq(b, "GET", hs.URL+"/bench/k"+strconv.Itoa(i%64), nil, 0), 200)
			}
		})
	})
}

// BenchmarkPutLarge: a large PUT through the whole server (fsync on), beside writing the same
// bytes to a file with fsync.
func BenchmarkPutLarge(b *testing.B) {
	size := benchSize()
	b.Run("sluice", func(b *testing.B) {
		url, _ := benchServer(b)
		createBucket(b, url)
		// The client's default 4 KiB write buffer would make the client, not the server, the
		// bottleneck of a large upload.
		client := &http.Client{Transport: &http.Transport{WriteBufferSize: 1 << 20}}
		b.SetBytes(size)
		b.ResetTimer()
		for b.Loop() {
			do(b, client, signedReq(b, "PUT", url+"/bench/big", &pattern{size}, size), 200)
		}
	})
	b.Run("bare-write-fsync", func(b *testing.B) {
		dir := b.TempDir()
		b.SetBytes(size)
		b.ResetTimer()
		for b.Loop() {
			f, err := os.Create(filepath.Join(dir, "big"))
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 256<<10)
			if _, err := io.CopyBuffer(f, &pattern{size}, buf); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}
