package s3_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/internal/sigv2"
)

func TestBadInput(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(root)
	mustCreate(t, c, "bkt")
	put := func(key, body string, hdr map[string]string) response {
		req, _ := http.NewRequest("PUT", e.url+"/bkt/"+url.PathEscape(key), strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return signedDo(t, req, &root)
	}
	cases := []struct {
		name   string
		key    string
		body   string
		hdr    map[string]string
		status int
		code   string
	}{
		{"ok", "fine", "data", nil, 200, ""},
		{"key too long", strings.Repeat("k", 1025), "data", nil, 400, "KeyTooLongError"},
		{"metadata too large", "m", "data", map[string]string{"x-amz-meta-big": strings.Repeat("v", 2100)}, 400, "MetadataTooLarge"},
		{"bad Content-MD5", "md5", "data", map[string]string{"Content-MD5": b64md5("other")}, 400, "BadDigest"},
		{"malformed Content-MD5", "md5b", "data", map[string]string{"Content-MD5": "nope"}, 400, "InvalidDigest"},
		{"good Content-MD5", "md5ok", "data", map[string]string{"Content-MD5": b64md5("data")}, 200, ""},
		{"crc32 mismatch", "crc", "data", map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}, 400, "BadDigest"},
		{"sha256 checksum malformed", "sha", "data", map[string]string{"x-amz-checksum-sha256": "AAAA"}, 400, "InvalidRequest"},
		{"payload hash mismatch", "hash", "data", map[string]string{"X-Amz-Content-Sha256": strings.Repeat("0", 64)}, 400, "XAmzContentSHA256Mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := put(tc.key, tc.body, tc.hdr)
			if resp.StatusCode != tc.status || (tc.code != "" && !strings.Contains(resp.body, "<Code>"+tc.code+"</Code>")) {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, resp.body, tc.status, tc.code)
			}
			if tc.code != "" {
				if _, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(tc.key)}); code(err) != "NotFound" && len(tc.key) <= 1024 {
					t.Errorf("rejected object is visible: %v", err)
				}
			}
		})
	}
	// A body cut short: Content-Length 1000, 10 bytes, connection closed.
	truncated(t, e, "bkt", "short")
	if _, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("short")}); code(err) != "NotFound" {
		t.Errorf("truncated upload visible: %v", err)
	}
	// Nothing half-written remains in the driver's temp directory.
	time.Sleep(100 * time.Millisecond)
	if n := countFiles(t, e.dir+"/tmp"); n != 0 {
		t.Errorf("%d files left in tmp/", n)
	}
	// SigV2 through the server: header form and presigned.
	req, _ := http.NewRequest("GET", e.url+"/bkt/fine", nil)
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	a := &sigv2.Auth{Time: time.Now()}
	req.RequestURI = "/bkt/fine"
	sig := sigv2.Sign([]byte(root.secret), sigv2.StringToSign(req, a, "/bkt/fine"))
	req.RequestURI = ""
	req.Header.Set("Authorization", "AWS "+root.key+":"+sig)
	if resp := signedDo(t, req, nil); resp.StatusCode != 200 || resp.body != "data" {
		t.Errorf("SigV2 header GET = %d %s", resp.StatusCode, resp.body)
	}
	req.Header.Set("Authorization", "AWS "+root.key+":"+sig[1:]+"A")
	if resp := signedDo(t, req, nil); resp.StatusCode != 403 || !strings.Contains(resp.body, "SignatureDoesNotMatch") {
		t.Errorf("SigV2 bad signature = %d %s", resp.StatusCode, resp.body)
	}
	exp := time.Now().Add(time.Minute).Unix()
	pre, _ := http.NewRequest("GET", e.url+"/bkt/fine", nil)
	sts := sigv2.StringToSign(pre, &sigv2.Auth{Presigned: true, Expires: exp}, "/bkt/fine")
	q := url.Values{"AWSAccessKeyId": {alice.key}, "Expires": {fmt.Sprint(exp)}, "Signature": {sigv2.Sign([]byte(alice.secret), sts)}}
	pre.URL.RawQuery = q.Encode()
	if resp := signedDo(t, pre, nil); resp.StatusCode != 403 || !strings.Contains(resp.body, "AccessDenied") {
		t.Errorf("SigV2 presigned as alice (no policy) = %d %s", resp.StatusCode, resp.body)
	}
}

// truncated sends a signed PUT that declares more bytes than it sends, then closes.
func truncated(t *testing.T, e *env, bucket, key string) {
	t.Helper()
	u, _ := url.Parse(e.url)
	req, _ := http.NewRequest("PUT", e.url+"/"+bucket+"/"+key, nil)
	req.ContentLength = 1000
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: root.key, SecretAccessKey: root.secret}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "PUT /%s/%s HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000\r\n", bucket, key, u.Host)
	for k, vs := range req.Header {
		fmt.Fprintf(w, "%s: %s\r\n", k, vs[0])
	}
	w.WriteString("\r\n0123456789")
	w.Flush()
	conn.(*net.TCPConn).CloseWrite()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("truncated PUT answered 200")
		}
	}
}
