package interop

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func s3Client(p *serveProc, key, secret string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(p.endpoint), Region: "us-east-1", UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:     aws.NopRetryer{},
	})
}

// TestS3CrashSafety kills `sluice serve` with SIGKILL during concurrent uploads; after a restart
// every acknowledged object is intact with its ETag and no partial object is visible.
func TestS3CrashSafety(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	p := serve(t, dataDir)
	key, secret := p.keyID, p.secret
	c := s3Client(p, key, secret)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("crash")}); err != nil {
		t.Fatal(err)
	}
	content := func(k string) []byte { // deterministic per key
		r := rand.New(rand.NewPCG(uint64(len(k)), uint64(k[len(k)-1])*7919+uint64(len(k))))
		n, _ := strconv.Atoi(k[strings.LastIndexByte(k, '-')+1:])
		b := make([]byte, 50<<10+(n%40)*(50<<10))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	var mu sync.Mutex
	acked := map[string]string{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Sprintf("w%d/obj-%d", w, i)
				data := content(k)
				out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("crash"), Key: aws.String(k), Body: strings.NewReader(string(data))})
				if err != nil {
					return // the server died
				}
				sum := md5.Sum(data)
				if strings.Trim(aws.ToString(out.ETag), `"`) != hex.EncodeToString(sum[:]) {
					t.Errorf("%s: ETag %s", k, aws.ToString(out.ETag))
				}
				mu.Lock()
				acked[k] = hex.EncodeToString(sum[:])
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	p.cmd.Process.Kill() // SIGKILL mid-upload
	close(stop)
	wg.Wait()
	p.cmd.Wait()
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	if n == 0 {
		t.Fatal("no upload was acknowledged before the kill")
	}

	p2 := serve(t, dataDir)
	c2 := s3Client(p2, key, secret)
	listed := map[string]string{}
	pg := s3.NewListObjectsV2Paginator(c2, &s3.ListObjectsV2Input{Bucket: aws.String("crash")})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			listed[aws.ToString(o.Key)] = strings.Trim(aws.ToString(o.ETag), `"`)
		}
	}
	for k, etag := range acked {
		if listed[k] != etag {
			t.Errorf("acknowledged %s: listed ETag %q, want %s", k, listed[k], etag)
		}
	}
	// Every visible object — acknowledged or caught in flight — is whole.
	for k, etag := range listed {
		out, err := c2.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("crash"), Key: aws.String(k)})
		if err != nil {
			t.Errorf("GET %s: %v", k, err)
			continue
		}
		h := md5.New()
		io.Copy(h, out.Body)
		out.Body.Close()
		want := md5.Sum(content(k))
		if got := hex.EncodeToString(h.Sum(nil)); got != etag || got != hex.EncodeToString(want[:]) {
			t.Errorf("%s: body MD5 %s, ETag %s, written %x", k, got, etag, want)
		}
	}
	t.Logf("killed with %d acknowledged uploads; %d objects visible after restart, all intact", n, len(listed))
}

// rss returns the resident set size of pid in KiB.
func rss(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

// TestS3MemoryFlat uploads and downloads a multi-GiB object (SLUICE_MEMTEST_GIB, default 2)
// through the server and reports its resident memory, sampled from /proc.
func TestS3MemoryFlat(t *testing.T) {
	t.Parallel()
	gib := 2
	if v := os.Getenv("SLUICE_MEMTEST_GIB"); v != "" {
		gib, _ = strconv.Atoi(v)
	}
	size := int64(gib) << 30
	p := serve(t, t.TempDir())
	c := s3Client(p, p.keyID, p.secret)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mem")}); err != nil {
		t.Fatal(err)
	}
	pid := p.cmd.Process.Pid
	base := rss(pid)
	var peakMu sync.Mutex
	peak := base
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
				if r := rss(pid); r > 0 {
					peakMu.Lock()
					peak = max(peak, r)
					peakMu.Unlock()
				}
			}
		}
	}()
	req, _ := http.NewRequest("PUT", p.endpoint+"/mem/big", &zeros{size})
	req.ContentLength = size
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: p.keyID, SecretAccessKey: p.secret}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT = %d", resp.StatusCode)
	}
	putTime := time.Since(start)
	peakMu.Lock()
	putPeak := peak
	peakMu.Unlock()
	start = time.Now()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mem"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, out.Body)
	out.Body.Close()
	if err != nil || n != size {
		t.Fatalf("GET read %d bytes: %v", n, err)
	}
	getTime := time.Since(start)
	close(done)
	peakMu.Lock()
	defer peakMu.Unlock()
	t.Logf("server RSS: %d KiB at start, peak %d KiB during the %d GiB PUT (%.0f MB/s), peak %d KiB overall after the GET (%.0f MB/s)",
		base, putPeak, gib, float64(size)/putTime.Seconds()/1e6, peak, float64(size)/getTime.Seconds()/1e6)
	if peak-base > 256<<10 {
		t.Errorf("resident memory grew by %d KiB moving %d GiB", peak-base, gib)
	}
}
