package awsproto

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/identity"
)

type streamIn struct{ Fail bool }

func streamOp(_ context.Context, _ *identity.Principal, in *streamIn) (*Stream, error) {
	return &Stream{ContentType: "application/vnd.apache.arrow.stream", Write: func(w io.Writer) error {
		io.WriteString(w, "raw bytes")
		if in.Fail {
			return errors.New("disk gone")
		}
		return nil
	}}, nil
}

func serveStream(t *testing.T, body string) (*httptest.ResponseRecorder, *Call, any) {
	t.Helper()
	j := &JSONRouter{Service: LakeFormation, Ops: map[string]JSONOp{"GetWorkUnitResults": JSONOpOf(streamOp)}}
	r := httptest.NewRequest(http.MethodPost, "/GetWorkUnitResults", strings.NewReader(body))
	c := &Call{RequestID: "rid", Service: LakeFormation, Body: strings.NewReader(body)}
	w := httptest.NewRecorder()
	var panicked any
	func() {
		defer func() { panicked = recover() }()
		j.ServeAWS(w, r, c)
	}()
	return w, c, panicked
}

func TestStreamPayload(t *testing.T) {
	w, c, p := serveStream(t, `{}`)
	got := map[string]any{"status": w.Code, "type": w.Header().Get("Content-Type"), "rid": w.Header().Get("x-amzn-RequestId"),
		"body": w.Body.String(), "output": c.Output, "panic": p}
	want := map[string]any{"status": 200, "type": "application/vnd.apache.arrow.stream", "rid": "rid", "body": "raw bytes", "output": nil, "panic": nil}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got)\n%s", d)
	}
}

func TestStreamFailureCutsTheResponse(t *testing.T) {
	w, c, p := serveStream(t, `{"Fail":true}`)
	if p != http.ErrAbortHandler || w.Code != 200 || c.Internal == nil {
		t.Fatalf("panic %v, status %d, internal %v", p, w.Code, c.Internal)
	}
}
