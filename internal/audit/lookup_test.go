package audit

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

func ts(t time.Time) *awsproto.Timestamp { x := awsproto.Timestamp(t); return &x }
func ip(i int) *int                      { return &i }

func TestLookupEvents(t *testing.T) {
	t.Run("one record per batch", func(t *testing.T) { testLookupEvents(t, false) })
	t.Run("one batch", func(t *testing.T) { testLookupEvents(t, true) })
}

func testLookupEvents(t *testing.T, oneBatch bool) {
	st := memstore.New(nil)
	l := openLog(t, st, nil)
	// Records i at t0+i s: principals root,user,session; ops GCI,AssumeRole,CreateRole,GetObject.
	fillMode(t, l, 24, t0, oneBatch)
	l.Close()
	api := NewAPI(st, testAccount, "us-east-1", nil)
	ctx := context.Background()

	names := func(out *LookupEventsOutput) []string {
		var s []string
		for _, e := range out.Events {
			s = append(s, e.EventName+"@"+e.Username+"@"+time.Time(e.EventTime).Format("05"))
		}
		return s
	}
	for _, tc := range []struct {
		name string
		in   LookupEventsInput
		want []string
	}{
		{"newest first", LookupEventsInput{MaxResults: ip(3)}, []string{"GetObject@david-session@31", "CreateRole@alice@30", "AssumeRole@root@29"}},
		{"by user", LookupEventsInput{MaxResults: ip(2), LookupAttributes: []LookupAttribute{{"Username", "alice"}}}, []string{"CreateRole@alice@30", "GetObject@alice@27"}},
		{"by session name", LookupEventsInput{MaxResults: ip(1), LookupAttributes: []LookupAttribute{{"Username", "david-session"}}}, []string{"GetObject@david-session@31"}},
		{"by event name in a range", LookupEventsInput{StartTime: ts(t0.Add(3 * time.Second)), EndTime: ts(t0.Add(12 * time.Second)),
			LookupAttributes: []LookupAttribute{{"EventName", "AssumeRole"}}}, []string{"AssumeRole@root@17", "AssumeRole@david-session@13"}},
		{"by resource type", LookupEventsInput{MaxResults: ip(1), LookupAttributes: []LookupAttribute{{"ResourceType", "AWS::S3::Object"}}}, []string{"GetObject@david-session@31"}},
		{"by resource name", LookupEventsInput{LookupAttributes: []LookupAttribute{{"ResourceName", "arn:aws:s3:::bucket/key3"}}}, []string{"GetObject@root@11"}},
		{"by event source", LookupEventsInput{MaxResults: ip(1), LookupAttributes: []LookupAttribute{{"EventSource", "sts.amazonaws.com"}}}, []string{"CreateRole@alice@30"}},
		{"by access key", LookupEventsInput{MaxResults: ip(1), LookupAttributes: []LookupAttribute{{"AccessKeyId", "AKIAROOT"}}}, []string{"AssumeRole@root@29"}},
		{"read-only false", LookupEventsInput{MaxResults: ip(1), LookupAttributes: []LookupAttribute{{"ReadOnly", "false"}}}, []string{"CreateRole@alice@30"}},
		{"nothing", LookupEventsInput{LookupAttributes: []LookupAttribute{{"Username", "nobody"}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := api.LookupEvents(ctx, rootP, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, names(out)); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}

	// Paging visits every record once, newest first.
	var all []string
	in := LookupEventsInput{MaxResults: ip(5)}
	for page := 0; ; page++ {
		out, err := api.LookupEvents(ctx, rootP, &in)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, names(out)...)
		if out.NextToken == "" {
			break
		}
		in.NextToken = &out.NextToken
	}
	if len(all) != 24 || all[0] != "GetObject@david-session@31" || all[23] != "GetCallerIdentity@root@08" {
		t.Errorf("paged %d events: %v", len(all), all)
	}

	// By event id, with the whole record.
	out, _ := api.LookupEvents(ctx, rootP, &LookupEventsInput{MaxResults: ip(1)})
	id := out.Events[0].EventID
	got, _ := api.LookupEvents(ctx, rootP, &LookupEventsInput{LookupAttributes: []LookupAttribute{{"EventId", id}}})
	if len(got.Events) != 1 || !strings.Contains(got.Events[0].CloudTrailEvent, `"sourceIdentity":"david"`) || got.Events[0].ReadOnly != "true" {
		t.Errorf("by id: %+v", got.Events)
	}
}

func TestLookupEventsErrors(t *testing.T) {
	api := NewAPI(memstore.New(nil), testAccount, "us-east-1", nil)
	ctx := context.Background()
	bad := "bm90IGEgdG9rZW4"
	for _, tc := range []struct {
		name string
		p    *identity.Principal
		in   LookupEventsInput
		code string
	}{
		{"two attributes", rootP, LookupEventsInput{LookupAttributes: []LookupAttribute{{"Username", "a"}, {"EventName", "b"}}}, "InvalidLookupAttributesException"},
		{"unknown attribute", rootP, LookupEventsInput{LookupAttributes: []LookupAttribute{{"Color", "a"}}}, "InvalidLookupAttributesException"},
		{"empty value", rootP, LookupEventsInput{LookupAttributes: []LookupAttribute{{"Username", ""}}}, "InvalidLookupAttributesException"},
		{"time range", rootP, LookupEventsInput{StartTime: ts(t0), EndTime: ts(t0.Add(-time.Hour))}, "InvalidTimeRangeException"},
		{"max results 0", rootP, LookupEventsInput{MaxResults: ip(0)}, "InvalidMaxResultsException"},
		{"max results 51", rootP, LookupEventsInput{MaxResults: ip(51)}, "InvalidMaxResultsException"},
		{"next token", rootP, LookupEventsInput{NextToken: &bad}, "InvalidNextTokenException"},
		{"category", rootP, LookupEventsInput{EventCategory: str("data")}, "InvalidEventCategoryException"},
		{"not root", userP, LookupEventsInput{}, "AccessDeniedException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.LookupEvents(ctx, tc.p, &tc.in)
			ae := awsproto.As(err)
			if ae == nil || ae.Code != tc.code || ae.Status != http.StatusBadRequest {
				t.Errorf("err = %v, want %s", err, tc.code)
			}
		})
	}
}

func TestListFrom(t *testing.T) {
	st := memstore.New(nil)
	var keys []string
	st.Update(context.Background(), func(tx store.Tx) error {
		for _, k := range []string{"a/1", "a/10", "a/19", "a/2", "a/200", "a/21", "a/3", "b/1"} {
			tx.Put(context.Background(), "ns", k, nil)
		}
		return nil
	})
	for _, tc := range []struct {
		prefix, after string
		limit         int
		want          []string
	}{
		{"a/", "", 3, []string{"a/1", "a/10", "a/19"}},
		{"a/", "a/1", 10, []string{"a/10", "a/19", "a/2", "a/200", "a/21", "a/3"}},
		{"a/", "a/19", 2, []string{"a/2", "a/200"}},
		{"a/", "a/200", 10, []string{"a/21", "a/3"}},
		{"a/", "a/3", 10, nil},
		{"b/", "a/3", 10, []string{"b/1"}},
		{"a/", "b/1", 10, nil},
	} {
		recs, err := listFrom(context.Background(), st, "ns", tc.prefix, tc.after, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		keys = nil
		for _, r := range recs {
			keys = append(keys, r.Key)
		}
		if d := cmp.Diff(tc.want, keys); d != "" {
			t.Errorf("listFrom(%q, %q, %d): %s", tc.prefix, tc.after, tc.limit, d)
		}
	}
}
