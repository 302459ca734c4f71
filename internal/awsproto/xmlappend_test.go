package awsproto

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// reflectedResult is encoded by encoding/xml; appendedResult, the same value, by itself.
type reflectedResult struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value,omitempty"`
}

type appendedResult reflectedResult

func (a *appendedResult) AppendXML(b []byte) []byte {
	b = AppendXMLElement(b, "Name", a.Name)
	if a.Value != "" {
		b = AppendXMLElement(b, "Value", a.Value)
	}
	return b
}

func queryDocument(t *testing.T, svc *Service, requestID, action string, result any) (http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	svc.WriteQueryResult(rec, httptest.NewRequest(http.MethodPost, "/", nil), requestID, action, result)
	h := rec.Result().Header
	h.Del("Date")
	return h, rec.Body.String()
}

// checkQueryDocument compares the hand-built envelope (with an XMLAppender result, or none) with
// encoding/xml's, headers included.
func checkQueryDocument(t *testing.T, ns, requestID, s string) {
	svc := &Service{Name: "sts", Protocol: Query, XMLNamespace: ns}
	r := reflectedResult{Name: s, Value: s}
	a := appendedResult(r)
	wantH, want := queryDocument(t, svc, requestID, "AssumeRole", &r)
	gotH, got := queryDocument(t, svc, requestID, "AssumeRole", &a)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("document (-encoding/xml +AppendXML):\n%s", diff)
	}
	if diff := cmp.Diff(wantH, gotH); diff != "" {
		t.Fatalf("headers (-encoding/xml +AppendXML):\n%s", diff)
	}
	// No result: the reflection path is the old encoder applied to queryResponse without Result.
	_, got = queryDocument(t, svc, requestID, "GetThing", nil)
	data := appendEncodingXMLEmpty(t, svc, requestID, "GetThing")
	if diff := cmp.Diff(data, got); diff != "" {
		t.Fatalf("empty document (-encoding/xml +appended):\n%s", diff)
	}
}

func appendEncodingXMLEmpty(t *testing.T, svc *Service, requestID, action string) string {
	rec := httptest.NewRecorder()
	resp := queryResponse{Xmlns: svc.XMLNamespace, Metadata: responseMetadata{RequestID: requestID}}
	resp.XMLName.Local = action + "Response"
	writeXML(rec, http.StatusOK, resp, nil)
	return rec.Body.String()
}

var xmlTextCases = map[string]string{
	"empty":          "",
	"plain":          "plain text",
	"markup":         `<a href="x">&'`,
	"whitespace":     "tab\tnl\ncr\r",
	"unicode":        "é ünïcode ✓ \U0001F600",
	"invalid utf-8":  "bad\xff\xc3",
	"control":        "nul\x00us\x1fdel\x7f",
	"non-characters": "\uFFFD\uFFFE\uFFFF\U0010FFFF\ud7ff\ue000",
}

func TestAppendXMLMatchesEncodingXML(t *testing.T) {
	for name, s := range xmlTextCases {
		t.Run(name, func(t *testing.T) {
			checkQueryDocument(t, "https://sts.amazonaws.com/doc/2011-06-15/", "req-"+s, s)
		})
	}
}

func FuzzAppendXMLText(f *testing.F) {
	for _, s := range xmlTextCases {
		f.Add("https://sts.amazonaws.com/doc/2011-06-15/", s)
	}
	f.Fuzz(func(t *testing.T, ns, s string) { checkQueryDocument(t, ns, s, s) })
}
