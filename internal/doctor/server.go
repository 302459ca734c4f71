package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	lftypes "github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
)

// maxPages bounds every paged listing (LookupEvents pages hold 50 events).
const maxPages = 20

// Server asks a running Sluice what the server checks need: its health endpoint and Date header
// (unsigned), CloudTrail, Glue and Lake Formation (signed with the caller's credentials).
type Server struct {
	endpoint string
	client   *http.Client
	now      func() time.Time
	ct       *cloudtrail.Client
	glue     *glue.Client
	lf       *lakeformation.Client
}

// NewServer returns a Server for endpoint ("http://127.0.0.1:9876"). cfg carries the caller's
// credentials and region; its endpoint is replaced by endpoint, and its app id marks the calls as
// the doctor's (UserAgentMark). opts supplies the HTTP client and clock.
func NewServer(endpoint string, cfg aws.Config, opts *Options) *Server {
	o := opts.withDefaults()
	cfg = cfg.Copy()
	cfg.BaseEndpoint = aws.String(endpoint)
	cfg.AppID = UserAgentMark
	cfg.HTTPClient = o.HTTPClient
	cfg.RetryMaxAttempts = 2
	return &Server{endpoint: endpoint, client: o.HTTPClient, now: o.Now,
		ct: cloudtrail.NewFromConfig(cfg), glue: glue.NewFromConfig(cfg), lf: lakeformation.NewFromConfig(cfg)}
}

// HealthResult is the answer of the health endpoint.
type HealthResult struct {
	Status int
	// Local is this machine's time in the middle of the request; Date the server's Date header.
	Local, Date time.Time
}

// Health gets the health endpoint. An error means the endpoint is not reachable.
func (s *Server) Health(ctx context.Context) (HealthResult, error) {
	return getHealth(ctx, s.client, s.endpoint, s.now)
}

func getHealth(ctx context.Context, client *http.Client, endpoint string, now func() time.Time) (HealthResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+HealthPath, nil)
	if err != nil {
		return HealthResult{}, err
	}
	req.Header.Set("User-Agent", UserAgentMark)
	start := now()
	resp, err := client.Do(req)
	if err != nil {
		return HealthResult{}, err
	}
	resp.Body.Close()
	end := now()
	r := HealthResult{Status: resp.StatusCode, Local: start.Add(end.Sub(start) / 2)}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		// Date is truncated to the second: its middle is half a second later.
		r.Date = d.Add(500 * time.Millisecond)
	}
	return r, nil
}

// RootEvents returns the events of the root identity (LookupEvents Username "root") since since,
// newest first, and whether there were more than it read.
func (s *Server) RootEvents(ctx context.Context, since time.Time) ([]Event, bool, error) {
	in := &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("root")}},
		StartTime:        aws.Time(since),
		MaxResults:       aws.Int32(50),
	}
	var out []Event
	for range maxPages {
		page, err := s.ct.LookupEvents(ctx, in)
		if err != nil {
			return nil, false, fmt.Errorf("cloudtrail LookupEvents: %w", err)
		}
		for _, e := range page.Events {
			ev := Event{Source: aws.ToString(e.EventSource), Name: aws.ToString(e.EventName)}
			var rec struct {
				UserAgent string `json:"userAgent"`
			}
			if json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec) == nil {
				ev.UserAgent = rec.UserAgent
			}
			out = append(out, ev)
		}
		if aws.ToString(page.NextToken) == "" {
			return out, false, nil
		}
		in.NextToken = page.NextToken
	}
	return out, true, nil
}

// Lake reads the registered locations, every table, the grants to IAM_ALLOWED_PRINCIPALS and
// the data-lake settings. The caller must be the account root or a data-lake admin (others may
// list only their own grants).
func (s *Server) Lake(ctx context.Context) (Lake, error) {
	var l Lake
	settings, err := s.lf.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{})
	if err != nil {
		return l, fmt.Errorf("lakeformation GetDataLakeSettings: %w", err)
	}
	l.Settings = fromSDKSettings(settings.DataLakeSettings)
	var next *string
	for range maxPages {
		page, err := s.lf.ListResources(ctx, &lakeformation.ListResourcesInput{NextToken: next})
		if err != nil {
			return l, fmt.Errorf("lakeformation ListResources: %w", err)
		}
		for _, r := range page.ResourceInfoList {
			l.Locations = append(l.Locations, aws.ToString(r.ResourceArn))
		}
		if next = page.NextToken; aws.ToString(next) == "" {
			break
		}
	}
	var dbs []string
	next = nil
	for range maxPages {
		page, err := s.glue.GetDatabases(ctx, &glue.GetDatabasesInput{NextToken: next})
		if err != nil {
			return l, fmt.Errorf("glue GetDatabases: %w", err)
		}
		for _, d := range page.DatabaseList {
			dbs = append(dbs, aws.ToString(d.Name))
		}
		if next = page.NextToken; aws.ToString(next) == "" {
			break
		}
	}
	for _, db := range dbs {
		next = nil
		for range maxPages {
			page, err := s.glue.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String(db), NextToken: next})
			if err != nil {
				return l, fmt.Errorf("glue GetTables %s: %w", db, err)
			}
			for _, t := range page.TableList {
				tb := Table{Database: db, Name: aws.ToString(t.Name)}
				if t.StorageDescriptor != nil {
					tb.Location = aws.ToString(t.StorageDescriptor.Location)
				}
				l.Tables = append(l.Tables, tb)
			}
			if next = page.NextToken; aws.ToString(next) == "" {
				break
			}
		}
	}
	next = nil
	for range maxPages {
		page, err := s.lf.ListPermissions(ctx, &lakeformation.ListPermissionsInput{
			Principal: &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(IAMAllowedPrincipals)}, NextToken: next})
		if err != nil {
			return l, fmt.Errorf("lakeformation ListPermissions: %w", err)
		}
		for _, p := range page.PrincipalResourcePermissions {
			if g, ok := fromSDKGrant(p); ok {
				l.Grants = append(l.Grants, g)
			}
		}
		if next = page.NextToken; aws.ToString(next) == "" {
			break
		}
	}
	return l, nil
}

func perms(ps []lftypes.Permission) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p))
	}
	return out
}

// fromSDKGrant keeps grants to IAM_ALLOWED_PRINCIPALS on table data.
func fromSDKGrant(p lftypes.PrincipalResourcePermissions) (Grant, bool) {
	if p.Principal == nil || aws.ToString(p.Principal.DataLakePrincipalIdentifier) != IAMAllowedPrincipals || p.Resource == nil {
		return Grant{}, false
	}
	g := Grant{Permissions: perms(p.Permissions), GrantOption: perms(p.PermissionsWithGrantOption)}
	switch r := p.Resource; {
	case r.Table != nil && r.Table.TableWildcard != nil:
		g.Kind, g.Database = WildcardGrant, aws.ToString(r.Table.DatabaseName)
	case r.Table != nil:
		g.Kind, g.Database, g.Table = TableGrant, aws.ToString(r.Table.DatabaseName), aws.ToString(r.Table.Name)
	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		g.Kind, g.Database, g.Table, g.Columns = ColumnsGrant, aws.ToString(t.DatabaseName), aws.ToString(t.Name), t.ColumnNames
		if t.ColumnWildcard != nil {
			g.AllColumns, g.Excluded = true, t.ColumnWildcard.ExcludedColumnNames
		}
	default:
		return Grant{}, false
	}
	return g, true
}

func principalIDs(ps []lftypes.DataLakePrincipal) []string {
	var out []string
	for _, p := range ps {
		out = append(out, aws.ToString(p.DataLakePrincipalIdentifier))
	}
	return out
}

func principalPerms(ps []lftypes.PrincipalPermissions) []PrincipalPermissions {
	var out []PrincipalPermissions
	for _, p := range ps {
		pp := PrincipalPermissions{Permissions: perms(p.Permissions)}
		if p.Principal != nil {
			pp.Principal = aws.ToString(p.Principal.DataLakePrincipalIdentifier)
		}
		out = append(out, pp)
	}
	return out
}

func fromSDKSettings(s *lftypes.DataLakeSettings) Settings {
	if s == nil {
		return Settings{}
	}
	return Settings{
		DataLakeAdmins:                   principalIDs(s.DataLakeAdmins),
		ReadOnlyAdmins:                   principalIDs(s.ReadOnlyAdmins),
		CreateDatabaseDefaultPermissions: principalPerms(s.CreateDatabaseDefaultPermissions),
		CreateTableDefaultPermissions:    principalPerms(s.CreateTableDefaultPermissions),
		Parameters:                       s.Parameters,
		TrustedResourceOwners:            s.TrustedResourceOwners,
		AllowExternalDataFiltering:       aws.ToBool(s.AllowExternalDataFiltering),
		AllowFullTableExternalDataAccess: aws.ToBool(s.AllowFullTableExternalDataAccess),
		ExternalDataFilteringAllowList:   principalIDs(s.ExternalDataFilteringAllowList),
		AuthorizedSessionTagValueList:    s.AuthorizedSessionTagValueList,
	}
}
