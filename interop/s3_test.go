package interop

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// randomFile writes n random bytes and returns the path and hex MD5.
func randomFile(t *testing.T, dir, name string, n int) (string, string) {
	t.Helper()
	data := make([]byte, n)
	rand.Read(data)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	return p, hex.EncodeToString(sum[:])
}

func fileMD5(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

func mustRun(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	r := run(t, env, name, args...)
	if r.err != nil {
		t.Fatalf("%s %s: %v\nstdout: %s\nstderr: %s", name, strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r.stdout
}

func TestS3AWSCLI(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	ep := d.Endpoint()
	dir := t.TempDir()
	big, bigMD5 := randomFile(t, dir, "big.bin", 20<<20) // > 8 MiB: multipart
	os.MkdirAll(filepath.Join(dir, "tree", "sub"), 0o700)
	os.WriteFile(filepath.Join(dir, "tree", "a.txt"), []byte("a"), 0o600)
	os.WriteFile(filepath.Join(dir, "tree", "sub", "b c.txt"), []byte("b"), 0o600)
	for _, major := range []string{"1", "2"} {
		t.Run("v"+major, func(t *testing.T) {
			cli := awsCLI(t, major)
			env := clientEnv(ep)
			bucket := "cli-v" + major
			aws := func(args ...string) string {
				return mustRun(t, env, cli, append([]string{"--endpoint-url", ep}, args...)...)
			}
			aws("s3", "mb", "s3://"+bucket)
			aws("s3", "cp", big, "s3://"+bucket+"/big.bin")
			head := aws("s3api", "head-object", "--bucket", bucket, "--key", "big.bin")
			if !strings.Contains(head, `-3\"`) || !strings.Contains(head, "20971520") {
				t.Errorf("head-object of a multipart upload:\n%s", head)
			}
			out := filepath.Join(dir, "down-"+major)
			aws("s3", "cp", "s3://"+bucket+"/big.bin", out)
			if got := fileMD5(t, out); got != bigMD5 {
				t.Errorf("downloaded MD5 %s, want %s", got, bigMD5)
			}
			aws("s3", "sync", filepath.Join(dir, "tree"), "s3://"+bucket+"/tree")
			ls := aws("s3", "ls", "--recursive", "s3://"+bucket)
			for _, k := range []string{"big.bin", "tree/a.txt", "tree/sub/b c.txt"} {
				if !strings.Contains(ls, k) {
					t.Errorf("s3 ls misses %q:\n%s", k, ls)
				}
			}
			if sync2 := aws("s3", "sync", filepath.Join(dir, "tree"), "s3://"+bucket+"/tree"); strings.Contains(sync2, "upload:") {
				t.Errorf("second sync uploaded again:\n%s", sync2)
			}
			aws("s3api", "put-object", "--bucket", bucket, "--key", "meta.txt", "--body", filepath.Join(dir, "tree", "a.txt"),
				"--content-type", "text/plain", "--metadata", "color=blue")
			h := aws("s3api", "head-object", "--bucket", bucket, "--key", "meta.txt")
			if !strings.Contains(h, `"color": "blue"`) || !strings.Contains(h, "text/plain") {
				t.Errorf("head-object:\n%s", h)
			}
			l2 := aws("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "tree/", "--delimiter", "/")
			if !strings.Contains(l2, `"Prefix": "tree/sub/"`) || !strings.Contains(l2, "tree/a.txt") {
				t.Errorf("list-objects-v2:\n%s", l2)
			}
			url := strings.TrimSpace(aws("s3", "presign", "s3://"+bucket+"/meta.txt"))
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != "a" {
				t.Errorf("presigned GET = %d %q", resp.StatusCode, body)
			}
			r := run(t, env, cli, "--endpoint-url", ep, "s3api", "get-object", "--bucket", bucket, "--key", "nope", filepath.Join(dir, "x"))
			if r.err == nil || !strings.Contains(r.stderr, "NoSuchKey") {
				t.Errorf("get-object of a missing key: %v %s", r.err, r.stderr)
			}
			aws("s3", "rm", "--recursive", "s3://"+bucket)
			if ls := aws("s3", "ls", "--recursive", "s3://"+bucket); strings.TrimSpace(ls) != "" {
				t.Errorf("after rm --recursive:\n%s", ls)
			}
			aws("s3", "rb", "s3://"+bucket)
		})
	}
}

const s3Boto3Script = `
import io, os, sys, urllib.request, hashlib
import boto3
from botocore.config import Config
ep = os.environ["SLUICE_ENDPOINT"]
s3 = boto3.client("s3", endpoint_url=ep)
s3.create_bucket(Bucket="pybkt")
big = sys.argv[1]
s3.upload_file(big, "pybkt", "dir/big.bin")
s3.download_file("pybkt", "dir/big.bin", big + ".down")
assert open(big, "rb").read() == open(big + ".down", "rb").read(), "download differs"
head = s3.head_object(Bucket="pybkt", Key="dir/big.bin")
assert head["ETag"].endswith('-2"') or head["ETag"].endswith('-3"'), head["ETag"]
s3.put_object(Bucket="pybkt", Key="data/table.csv", Body=b"id,name,score\n1,ann,3.5\n2,bob,4\n", ContentType="text/csv")
s3.put_object(Bucket="pybkt", Key="space key+plus.txt", Body=b"x")
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="pybkt")["Contents"]]
assert "space key+plus.txt" in keys, keys
# Presigned GET: SigV2 by default against a custom endpoint.
url = s3.generate_presigned_url("get_object", Params={"Bucket": "pybkt", "Key": "data/table.csv"}, ExpiresIn=300)
assert "Signature=" in url and "AWSAccessKeyId=" in url, url
assert urllib.request.urlopen(url).read().startswith(b"id,name"), "presigned v2 GET"
bad = url.replace("Signature=", "Signature=x")
try:
    urllib.request.urlopen(bad)
    raise SystemExit("tampered presigned URL accepted")
except urllib.error.HTTPError as e:
    assert e.code == 403, e.code
# SigV4 presigned PUT.
s3v4 = boto3.client("s3", endpoint_url=ep, config=Config(signature_version="s3v4"))
put_url = s3v4.generate_presigned_url("put_object", Params={"Bucket": "pybkt", "Key": "presigned.txt"}, ExpiresIn=300)
assert "X-Amz-Signature=" in put_url, put_url
req = urllib.request.Request(put_url, data=b"via presigned put", method="PUT")
assert urllib.request.urlopen(req).status == 200
assert s3.get_object(Bucket="pybkt", Key="presigned.txt")["Body"].read() == b"via presigned put"
# pandas through boto3.
import pandas as pd
obj = s3.get_object(Bucket="pybkt", Key="data/table.csv")
df = pd.read_csv(io.BytesIO(obj["Body"].read()))
assert list(df.columns) == ["id", "name", "score"] and len(df) == 2 and df["score"].sum() == 7.5, df
# Range and missing keys.
assert s3.get_object(Bucket="pybkt", Key="data/table.csv", Range="bytes=0-1")["Body"].read() == b"id"
try:
    s3.get_object(Bucket="pybkt", Key="missing")
    raise SystemExit("missing key found")
except s3.exceptions.NoSuchKey:
    pass
paginator = s3.get_paginator("list_objects_v2")
n = sum(len(p.get("Contents", [])) for p in paginator.paginate(Bucket="pybkt", PaginationConfig={"PageSize": 1}))
assert n == 4, n
print("ok")
`

func TestS3Boto3(t *testing.T) {
	t.Parallel()
	py := debianPython(t)
	if exec.Command(py, "-c", "import pandas").Run() != nil {
		missing(t, "pandas", "apt-get install python3-pandas")
	}
	d := startSluice(t)
	dir := t.TempDir()
	big, _ := randomFile(t, dir, "big.bin", 17<<20)
	script := filepath.Join(dir, "s3.py")
	os.WriteFile(script, []byte(s3Boto3Script), 0o600)
	out := mustRun(t, clientEnv(d.Endpoint()), py, script, big)
	if !strings.Contains(out, "ok") {
		t.Errorf("boto3 script output: %s", out)
	}
}

func TestS3Rclone(t *testing.T) {
	t.Parallel()
	rclone, err := exec.LookPath("rclone")
	if err != nil {
		missing(t, "rclone", "apt-get install rclone")
	}
	d := startSluice(t)
	dir := t.TempDir()
	_, bigMD5 := randomFile(t, filepath.Join(dir), "big.bin", 12<<20)
	os.WriteFile(filepath.Join(dir, "small.txt"), []byte("small"), 0o600)
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, // no AWS_CA_BUNDLE: rclone rejects it over http
		"RCLONE_CONFIG=/dev/null",
		"RCLONE_CONFIG_SLUICE_TYPE=s3", "RCLONE_CONFIG_SLUICE_PROVIDER=Other",
		"RCLONE_CONFIG_SLUICE_ACCESS_KEY_ID=" + rootKeyID, "RCLONE_CONFIG_SLUICE_SECRET_ACCESS_KEY=" + rootSecret,
		"RCLONE_CONFIG_SLUICE_ENDPOINT=" + d.Endpoint(), "RCLONE_CONFIG_SLUICE_REGION=us-east-1",
		"RCLONE_CONFIG_SLUICE_FORCE_PATH_STYLE=true",
	}
	mustRun(t, env, rclone, "mkdir", "sluice:rcbkt")
	mustRun(t, env, rclone, "copy", dir, "sluice:rcbkt/up", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M")
	ls := mustRun(t, env, rclone, "ls", "sluice:rcbkt")
	if !strings.Contains(ls, "up/big.bin") || !strings.Contains(ls, "up/small.txt") {
		t.Errorf("rclone ls:\n%s", ls)
	}
	if cat := mustRun(t, env, rclone, "cat", "sluice:rcbkt/up/small.txt"); cat != "small" {
		t.Errorf("rclone cat = %q", cat)
	}
	down := filepath.Join(t.TempDir(), "down")
	mustRun(t, env, rclone, "copy", "sluice:rcbkt/up", down)
	if got := fileMD5(t, filepath.Join(down, "big.bin")); got != bigMD5 {
		t.Errorf("rclone round trip MD5 %s, want %s", got, bigMD5)
	}
	mustRun(t, env, rclone, "check", dir, "sluice:rcbkt/up")
	mustRun(t, env, rclone, "delete", "sluice:rcbkt/up")
	if ls := mustRun(t, env, rclone, "ls", "sluice:rcbkt"); strings.TrimSpace(ls) != "" {
		t.Errorf("after delete:\n%s", ls)
	}
}

func TestS3Cmd(t *testing.T) {
	t.Parallel()
	s3cmd, err := exec.LookPath("s3cmd")
	if err != nil {
		missing(t, "s3cmd", "apt-get install s3cmd")
	}
	d := startSluice(t)
	host := strings.TrimPrefix(d.Endpoint(), "http://")
	dir := t.TempDir()
	f, fMD5 := randomFile(t, dir, "f.bin", 1<<20)
	cfg := filepath.Join(dir, "s3cfg")
	os.WriteFile(cfg, []byte("[default]\n"), 0o600)
	for _, sig := range []string{"v2", "v4"} {
		t.Run(sig, func(t *testing.T) {
			args := []string{"-c", cfg, "--access_key=" + rootKeyID, "--secret_key=" + rootSecret, "--host=" + host,
				"--host-bucket=" + host, "--no-ssl", "--region=us-east-1"}
			if sig == "v2" {
				args = append(args, "--signature-v2")
			}
			env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
			cmd := func(a ...string) string { return mustRun(t, env, s3cmd, append(append([]string{}, args...), a...)...) }
			b := "s3://cmd-" + sig
			cmd("mb", b)
			cmd("put", f, b+"/dir/f.bin")
			if ls := cmd("ls", "--recursive", b); !strings.Contains(ls, b+"/dir/f.bin") {
				t.Errorf("s3cmd ls:\n%s", ls)
			}
			out := filepath.Join(dir, "got-"+sig)
			cmd("get", b+"/dir/f.bin", out)
			if got := fileMD5(t, out); got != fMD5 {
				t.Errorf("s3cmd round trip MD5 %s, want %s", got, fMD5)
			}
			cmd("info", b+"/dir/f.bin")
			cmd("del", b+"/dir/f.bin")
			cmd("rb", b)
		})
	}
}

func TestS3GoManager(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	c := s3.New(s3.Options{
		BaseEndpoint: aws.String(d.Endpoint()), Region: "us-east-1", UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(rootKeyID, rootSecret, ""),
	})
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("gomgr")}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 13<<20)
	rand.Read(data)
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("gomgr"), Key: aws.String("m/obj"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(res.ETag), `-3"`) {
		t.Errorf("manager ETag %s", aws.ToString(res.ETag))
	}
	buf := manager.NewWriteAtBuffer(nil)
	dl := manager.NewDownloader(c, func(d *manager.Downloader) { d.PartSize = 4 << 20 })
	n, err := dl.Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String("gomgr"), Key: aws.String("m/obj")})
	if err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("download: %d bytes, %v", n, err)
	}
	// Virtual-hosted style (the Go default for host names): "gomgr.localhost:port", with every
	// host name dialed on loopback since *.localhost need not resolve here.
	loopback := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
	}}
	vc := s3.New(s3.Options{
		BaseEndpoint: aws.String(strings.Replace(d.Endpoint(), "127.0.0.1", "localhost", 1)), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(rootKeyID, rootSecret, ""),
		HTTPClient:  &http.Client{Transport: loopback},
	})
	if _, err := vc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("gomgr"), Key: aws.String("vhost.txt"), Body: strings.NewReader("v")}); err != nil {
		t.Fatalf("virtual-hosted PutObject: %v", err)
	}
	if l, err := vc.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("gomgr"), Prefix: aws.String("vhost")}); err != nil || len(l.Contents) != 1 {
		t.Errorf("virtual-hosted ListObjectsV2 = %v, %v", l, err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("gomgr"), Key: aws.String("vhost.txt")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	if string(b) != "v" {
		t.Errorf("virtual-hosted PUT stored %q", b)
	}
}
