package sigv4

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// vector is one testdata file: a raw request and the expected canonical request, string to
// sign and signature. The comment's last line holds key=value settings.
type vector struct {
	name      string
	settings  map[string]string
	request   string
	body      string
	canonical string
	sts       string
	signature string
	chunks    []string
}

func loadVectors(t testing.TB, glob string) []vector {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors match %s: %v", glob, err)
	}
	var vs []vector
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ar := parseTxtar(string(data))
		v := vector{name: strings.TrimSuffix(filepath.Base(f), ".txt"), settings: map[string]string{}}
		lines := strings.Split(strings.TrimSpace(ar.comment), "\n")
		for kv := range strings.FieldsSeq(lines[len(lines)-1]) {
			k, val, _ := strings.Cut(kv, "=")
			v.settings[k] = val
		}
		for _, sec := range ar.files {
			s := strings.TrimSuffix(sec.data, "\n")
			switch sec.name {
			case "request":
				v.request = s
			case "body":
				v.body = s
			case "canonical":
				v.canonical = s
			case "sts":
				v.sts = s
			case "signature":
				v.signature = s
			case "chunks":
				v.chunks = strings.Fields(s)
			}
		}
		vs = append(vs, v)
	}
	return vs
}

// rawRequest builds the *http.Request a net/http server would hand to a handler for the raw
// request text: RequestURI as sent, Host and Content-Length moved out of Header, other header
// names canonicalized, values trimmed. It accepts request lines net/http itself would reject
// (a raw space in the path), as the AWS suite has them.
func rawRequest(t testing.TB, text string, body []byte) *http.Request {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	sc.Scan()
	line := sc.Text()
	sp1, sp2 := strings.IndexByte(line, ' '), strings.LastIndexByte(line, ' ')
	r := &http.Request{
		Method: line[:sp1], RequestURI: line[sp1+1 : sp2], Proto: line[sp2+1:],
		ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, ContentLength: 0,
	}
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		u = &url.URL{Path: r.RequestURI}
	}
	r.URL = u
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			t.Fatalf("bad header line %q", sc.Text())
		}
		v = strings.Trim(v, " \t")
		switch ck := textproto.CanonicalMIMEHeaderKey(k); ck {
		case "Host":
			r.Host = v
		case "Content-Length":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			r.ContentLength = n
		default:
			r.Header[ck] = append(r.Header[ck], v)
		}
	}
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
	} else {
		r.Body = http.NoBody
	}
	return r
}

func fixedNow(ts string) func() time.Time {
	tm, err := time.Parse(amzTimeFmt, ts)
	if err != nil {
		panic(err)
	}
	return func() time.Time { return tm }
}

// canonicalFor recomputes the canonical request and string to sign for a parsed request.
func canonicalFor(r *http.Request, a *Auth, payloadHash string) (string, string) {
	c, _ := appendCanonicalPrefix(nil, r, a, a.Scope.Service == "s3")
	c = append(c, payloadHash...)
	sts := appendStringToSign(nil, a.Time.UTC().Format(amzTimeFmt), a.Scope, c)
	return string(c), string(sts)
}

func TestSuiteVectors(t *testing.T) {
	for _, v := range loadVectors(t, "testdata/suite/*.txt") {
		t.Run(v.name, func(t *testing.T) {
			secret := "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
			var body []byte
			if v.body != "" {
				body = []byte(v.body)
			}
			r := rawRequest(t, v.request, body)
			a, err := Parse(r)
			if err != nil {
				t.Fatal(err)
			}
			payload := emptySHA256
			if body != nil {
				payload = sha256Hex(body)
			}
			canon, sts := canonicalFor(r, a, payload)
			if diff := cmp.Diff(v.canonical, canon); diff != "" {
				t.Errorf("canonical request (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(v.sts, sts); diff != "" {
				t.Errorf("string to sign (-want +got):\n%s", diff)
			}
			if a.Signature != v.signature {
				t.Errorf("parsed signature %s, want %s", a.Signature, v.signature)
			}
			ver := NewVerifier(&Options{Now: fixedNow(v.settings["time"])})
			b, err := ver.Verify(r, a, []byte(secret))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			got, err := io.ReadAll(b)
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("body = %q, %v; want %q", got, err, body)
			}
			// The same request with a wrong secret must fail with the canonical request attached.
			r = rawRequest(t, v.request, body)
			_, err = ver.Verify(r, a, []byte(secret+"x"))
			e, ok := err.(*Error)
			if !ok || e.Code != ErrSignatureMismatch || e.CanonicalRequest != v.canonical || e.StringToSign != v.sts {
				t.Errorf("wrong secret: got %#v", err)
			}
		})
	}
}

func TestS3Vectors(t *testing.T) {
	for _, v := range loadVectors(t, "testdata/s3/*.txt") {
		t.Run(v.name, func(t *testing.T) {
			secret := []byte(v.settings["secret"])
			var payload, body []byte
			if v.chunks != nil {
				payload = bytes.Repeat([]byte{'a'}, 66560)
				scope := Scope{Date: "20130524", Region: "us-east-1", Service: "s3"}
				enc := NewChunkEncoder(secret, scope, fixedNow(v.settings["time"])(), v.signature)
				body = enc.AppendChunk(nil, payload[:65536])
				body = enc.AppendChunk(body, payload[65536:])
				body = enc.AppendEnd(body, nil)
				for i, want := range v.chunks {
					if !bytes.Contains(body, []byte("chunk-signature="+want+"\r\n")) {
						t.Errorf("encoded body lacks published chunk signature %d %s", i, want)
					}
				}
			}
			r := rawRequest(t, v.request, body)
			if body != nil && r.ContentLength != int64(len(body)) {
				t.Errorf("encoded body is %d bytes, request says %d", len(body), r.ContentLength)
			}
			a, err := Parse(r)
			if err != nil {
				t.Fatal(err)
			}
			canon, sts := canonicalFor(r, a, a.PayloadHash)
			if diff := cmp.Diff(v.canonical, canon); diff != "" {
				t.Errorf("canonical request (-want +got):\n%s", diff)
			}
			if v.sts != "" && sts != v.sts {
				t.Errorf("string to sign:\n%s\nwant\n%s", sts, v.sts)
			}
			b, err := NewVerifier(&Options{Now: fixedNow(v.settings["time"])}).Verify(r, a, secret)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			got, err := io.ReadAll(b)
			if err != nil {
				t.Fatalf("reading body: %v", err)
			}
			if !bytes.Equal(got, payload) {
				t.Errorf("decoded %d bytes, want %d", len(got), len(payload))
			}
			if v.chunks != nil && b.DecodedLength() != 66560 {
				t.Errorf("DecodedLength = %d", b.DecodedLength())
			}
		})
	}
}

type txtarFile struct{ name, data string }

type txtarArchive struct {
	comment string
	files   []txtarFile
}

// parseTxtar splits the txtar format: a comment, then sections introduced by "-- name --" lines.
func parseTxtar(s string) txtarArchive {
	var a txtarArchive
	cur := &a.comment
	for line := range strings.SplitAfterSeq(s, "\n") {
		l := strings.TrimRight(line, "\n")
		if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") && len(l) > 6 {
			a.files = append(a.files, txtarFile{name: l[3 : len(l)-3]})
			cur = &a.files[len(a.files)-1].data
			continue
		}
		*cur += line
	}
	return a
}
