package audit

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

// Authorizer decides whether p may perform action on resource (IAM evaluation). It returns an
// *awsproto.Error (AccessDenied…) or nil.
type Authorizer interface {
	Authorize(ctx context.Context, p *identity.Principal, action, resource string) error
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(ctx context.Context, p *identity.Principal, action, resource string) error

// Authorize implements Authorizer.
func (f AuthorizerFunc) Authorize(ctx context.Context, p *identity.Principal, action, resource string) error {
	return f(ctx, p, action, resource)
}

// RootOnly is the Authorizer used until IAM evaluation is wired: only the account root may read
// the trail.
type RootOnly struct{}

// Authorize implements Authorizer.
func (RootOnly) Authorize(_ context.Context, p *identity.Principal, action, _ string) error {
	if p != nil && p.Type == identity.Root {
		return nil
	}
	return errors.New("only the account root may call " + action)
}

// API serves CloudTrail's LookupEvents over the audit log.
type API struct {
	r       store.Reader
	authz   Authorizer
	account identity.AccountID
	region  string
}

// NewAPI returns the CloudTrail API over the log's store. authz nil means RootOnly.
func NewAPI(r store.Reader, account identity.AccountID, region string, authz Authorizer) *API {
	if authz == nil {
		authz = RootOnly{}
	}
	return &API{r: r, authz: authz, account: account, region: region}
}

// Routes returns the CloudTrail JSON 1.1 adapter.
func (a *API) Routes() *Router {
	return &Router{ops: map[string]awsproto.JSONOp{
		"LookupEvents": awsproto.JSONOpOf(a.LookupEvents),
	}}
}

// shortTargetPrefix is the form of CloudTrail's target prefix that aws-sdk-go-v2 sends.
const shortTargetPrefix = "CloudTrail_20131101"

// Router routes CloudTrail's JSON 1.1 requests. botocore and the CLI send the long target
// (com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents), aws-sdk-go-v2 the short
// one (CloudTrail_20131101.LookupEvents); AWS accepts both, and so does the router. The operation
// is what follows the last dot.
type Router struct {
	ops map[string]awsproto.JSONOp
}

// Operations lists the routed operations, sorted.
func (rt *Router) Operations() []string {
	names := make([]string, 0, len(rt.ops))
	for n := range rt.ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ServeAWS implements awsproto.Handler.
func (rt *Router) ServeAWS(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	target := r.Header.Get("X-Amz-Target")
	i := strings.LastIndexByte(target, '.')
	if i < 0 || (target[:i] != awsproto.CloudTrail.TargetPrefix && target[:i] != shortTargetPrefix) {
		c.Fail(w, r, awsproto.Errorf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %q", target))
		return
	}
	name := target[i+1:]
	c.Operation = name
	op, ok := rt.ops[name]
	if !ok {
		c.Fail(w, r, awsproto.Errorf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %s", name))
		return
	}
	result, err := op(r.Context(), c, c.Body)
	if err != nil {
		c.Fail(w, r, err)
		return
	}
	awsproto.CloudTrail.WriteJSON(w, r, c.RequestID, result)
}

// LookupAttribute is one lookup condition.
type LookupAttribute struct {
	AttributeKey   string `json:"AttributeKey"`
	AttributeValue string `json:"AttributeValue"`
}

// LookupEventsInput is LookupEvents' request.
type LookupEventsInput struct {
	LookupAttributes []LookupAttribute   `json:"LookupAttributes,omitempty"`
	StartTime        *awsproto.Timestamp `json:"StartTime,omitempty"`
	EndTime          *awsproto.Timestamp `json:"EndTime,omitempty"`
	EventCategory    *string             `json:"EventCategory,omitempty"`
	MaxResults       *int                `json:"MaxResults,omitempty"`
	NextToken        *string             `json:"NextToken,omitempty"`
}

// LookupResource is a resource of a looked-up event.
type LookupResource struct {
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceName string `json:"ResourceName,omitempty"`
}

// LookupEvent is one event in LookupEvents' answer.
type LookupEvent struct {
	EventID         string             `json:"EventId"`
	EventName       string             `json:"EventName"`
	ReadOnly        string             `json:"ReadOnly"`
	AccessKeyID     string             `json:"AccessKeyId,omitempty"`
	EventTime       awsproto.Timestamp `json:"EventTime"`
	EventSource     string             `json:"EventSource"`
	Username        string             `json:"Username,omitempty"`
	Resources       []LookupResource   `json:"Resources"`
	CloudTrailEvent string             `json:"CloudTrailEvent"`
}

// LookupEventsOutput is LookupEvents' answer.
type LookupEventsOutput struct {
	Events    []LookupEvent `json:"Events"`
	NextToken string        `json:"NextToken,omitempty"`
}

func badRequest(code, msg string) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, code, "%s", msg)
}

// indexSyncer is a reader that can make the index of its own log complete before a lookup
// (Slot.Reader): postings reach the store a few times a second, not with every commit.
type indexSyncer interface {
	SyncIndex(ctx context.Context) error
}

// LookupEvents answers CloudTrail's LookupEvents, newest first, S3 data events included (a
// deliberate deviation from AWS, which returns management events only).
func (a *API) LookupEvents(ctx context.Context, p *identity.Principal, in *LookupEventsInput) (*LookupEventsOutput, error) {
	resource := "arn:aws:cloudtrail:" + a.region + ":" + string(a.account) + ":trail/*"
	if err := a.authz.Authorize(ctx, p, "cloudtrail:LookupEvents", resource); err != nil {
		if ae := awsproto.As(err); ae != nil && ae.Status >= 500 {
			return nil, err
		}
		// CloudTrail answers a refusal with AccessDeniedException (400), whatever IAM called it.
		return nil, awsproto.Errorf(http.StatusBadRequest, "AccessDeniedException", "User: %s is not authorized to perform: cloudtrail:LookupEvents", principalARN(p))
	}
	var q Query
	switch len(in.LookupAttributes) {
	case 0:
	case 1:
		la := in.LookupAttributes[0]
		if !ValidAttribute(Attribute(la.AttributeKey)) {
			return nil, badRequest("InvalidLookupAttributesException", "Unknown lookup attribute key "+la.AttributeKey)
		}
		if la.AttributeValue == "" || len(la.AttributeValue) > 2000 {
			return nil, badRequest("InvalidLookupAttributesException", "AttributeValue must be 1 to 2000 characters")
		}
		q.Attr, q.Value = Attribute(la.AttributeKey), la.AttributeValue
	default:
		return nil, badRequest("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
	}
	if in.EventCategory != nil && *in.EventCategory != "insight" {
		return nil, badRequest("InvalidEventCategoryException", "EventCategory must be insight")
	}
	if in.EventCategory != nil {
		return &LookupEventsOutput{Events: []LookupEvent{}}, nil // no Insights events
	}
	if in.StartTime != nil {
		q.Start = in.StartTime.Time()
	}
	if in.EndTime != nil {
		q.End = in.EndTime.Time()
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.Start.After(q.End) {
		return nil, badRequest("InvalidTimeRangeException", "Start time must be earlier than end time.")
	}
	q.Limit = 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, badRequest("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
		}
		q.Limit = *in.MaxResults
	}
	if in.NextToken != nil {
		q.NextToken = *in.NextToken
	}
	if s, ok := a.r.(indexSyncer); ok {
		// The records this process committed last may still have their postings in memory.
		// If they cannot be written now (the writer logged why), the stored index still
		// answers, as CloudTrail's does, without the newest records.
		_ = s.SyncIndex(ctx)
	}
	found, next, err := Lookup(ctx, a.r, q)
	if err != nil {
		if errors.Is(err, ErrBadToken) {
			return nil, badRequest("InvalidNextTokenException", "Invalid NextToken.")
		}
		return nil, err
	}
	out := &LookupEventsOutput{Events: make([]LookupEvent, 0, len(found)), NextToken: next}
	for _, f := range found {
		out.Events = append(out.Events, lookupEvent(f))
	}
	return out, nil
}

func principalARN(p *identity.Principal) string {
	if p == nil || p.ARN == "" {
		return "anonymous"
	}
	return string(p.ARN)
}

func lookupEvent(f Found) LookupEvent {
	e := f.Event
	le := LookupEvent{
		EventID:         e.EventID,
		EventName:       e.EventName,
		ReadOnly:        "false",
		AccessKeyID:     e.UserIdentity.AccessKeyID,
		EventTime:       awsproto.Timestamp(e.Time()),
		EventSource:     e.EventSource,
		Username:        e.Username(),
		Resources:       []LookupResource{},
		CloudTrailEvent: string(f.Entry.Event),
	}
	if e.ReadOnly {
		le.ReadOnly = "true"
	}
	for _, r := range e.Resources {
		le.Resources = append(le.Resources, LookupResource{ResourceType: r.Type, ResourceName: r.ARN})
	}
	return le
}
