package lakeformation

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/audit"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
	"github.com/sluicehq/sluice/internal/sts"
)

// Credential vending (spec §8.5).
//
// Revocation: revoking a grant stops new vending at once, but credentials already vended are
// self-contained session tokens and keep working until they expire (at most DurationSeconds,
// 12 h). RevokeVendedSessions cuts them off immediately by denying every session of the
// location's role issued before now (IAM's AWSRevokeOlderSessions mechanism).

// AuthorizedCallerTag is the session tag an authorized engine carries (spec §8.5 step 4).
const AuthorizedCallerTag = "LakeFormationAuthorizedCaller"

// Permission types an engine declares it can enforce.
const (
	ColumnPermission     = "COLUMN_PERMISSION"
	CellFilterPermission = "CELL_FILTER_PERMISSION"
)

type AuditContext struct {
	AdditionalAuditContext string `json:",omitempty"`
}

type PartitionValueList struct {
	Values []string
}

type VendInput struct {
	TableArn                 string
	Partition                *PartitionValueList `json:",omitempty"`
	Permissions              []Permission        `json:",omitempty"`
	DurationSeconds          int                 `json:",omitempty"`
	AuditContext             *AuditContext       `json:",omitempty"`
	SupportedPermissionTypes []string            `json:",omitempty"`
	S3Path                   string              `json:",omitempty"`
	QuerySessionContext      json.RawMessage     `json:",omitempty"`
}

type VendOutput struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      awsproto.Timestamp
	VendedS3Path    []string `json:",omitempty"`
}

// GetTemporaryGlueTableCredentials vends credentials scoped to a table's location.
func (s *Service) GetTemporaryGlueTableCredentials(ctx context.Context, p *identity.Principal, in *VendInput) (*VendOutput, error) {
	in.Partition = nil
	return s.vendLogged(ctx, p, in)
}

// GetTemporaryGluePartitionCredentials vends credentials scoped to one partition's location.
// The partition's location is taken as the Hive layout under the table location
// (<table>/<key>=<value>/…), because the catalog contract exposes no partition lookup.
func (s *Service) GetTemporaryGluePartitionCredentials(ctx context.Context, p *identity.Principal, in *VendInput) (*VendOutput, error) {
	if in.Partition == nil || len(in.Partition.Values) == 0 {
		return nil, invalidInput("Partition.Values is required")
	}
	out, err := s.vendLogged(ctx, p, in)
	if out != nil {
		out.VendedS3Path = nil
	}
	return out, err
}

// vendLogged runs vend and records the GetDataAccess event, refusals included.
func (s *Service) vendLogged(ctx context.Context, p *identity.Principal, in *VendInput) (*VendOutput, error) {
	extra := map[string]any{"requesterService": "UNKNOWN", "lakeFormationPrincipal": principalOf(p)}
	out, err := s.vend(ctx, p, in, extra)
	if s.auditor != nil {
		x := &audit.Extra{EventName: "GetDataAccess", ReadOnly: true, Input: vendParams(in), Data: extra}
		if db, t, ok := parseTableARN(in.TableArn); ok {
			x.Resources = []awsproto.Resource{{ARN: s.tableARN(db, t), Type: "AWS::Glue::Table"}}
		}
		if err != nil {
			x.Err = awsproto.As(err)
			if x.Err == nil {
				x.Err = awsproto.Errorf(500, "InternalServiceException", "internal error")
			}
		}
		if aerr := s.auditor.Add(ctx, x); aerr != nil {
			s.log.Error("GetDataAccess audit record", "err", aerr)
		}
	}
	if c := awsproto.CallFrom(ctx); c != nil {
		c.Extra = extra
	}
	return out, err
}

func vendParams(in *VendInput) map[string]any {
	m := map[string]any{"tableArn": in.TableArn}
	if len(in.Permissions) > 0 {
		m["permissions"] = in.Permissions
	}
	if len(in.SupportedPermissionTypes) > 0 {
		m["supportedPermissionTypes"] = in.SupportedPermissionTypes
	}
	if in.DurationSeconds != 0 {
		m["durationSeconds"] = in.DurationSeconds
	}
	if in.AuditContext != nil {
		m["auditContext"] = in.AuditContext
	}
	if in.Partition != nil {
		m["partition"] = in.Partition
	}
	if len(in.QuerySessionContext) > 0 {
		var q any
		if json.Unmarshal(in.QuerySessionContext, &q) == nil {
			m["querySessionContext"] = q
		}
	}
	return m
}

func parseTableARN(arn string) (db, table string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "glue" {
		return "", "", false
	}
	rest, ok := strings.CutPrefix(parts[5], "table/")
	if !ok {
		return "", "", false
	}
	db, table, ok = strings.Cut(rest, "/")
	return db, table, ok && db != "" && table != "" && !strings.Contains(table, "/")
}

func (s *Service) vend(ctx context.Context, p *identity.Principal, in *VendInput, extra map[string]any) (*VendOutput, error) {
	// 1. IAM.
	if err := s.iam(ctx, p, "GetDataAccess"); err != nil {
		return nil, err
	}
	dur := 3600 * time.Second
	if in.DurationSeconds != 0 {
		if in.DurationSeconds < 900 || in.DurationSeconds > 43200 {
			return nil, invalidInput("DurationSeconds must be between 900 and 43200")
		}
		dur = time.Duration(in.DurationSeconds) * time.Second
	}
	for _, t := range in.SupportedPermissionTypes {
		if t != ColumnPermission && t != CellFilterPermission && t != "NESTED_PERMISSION" && t != "NESTED_CELL_PERMISSION" {
			return nil, invalidInput("unknown SupportedPermissionTypes value %s", t)
		}
	}
	// 2. The table and its registered location.
	db, tn, ok := parseTableARN(in.TableArn)
	if !ok {
		return nil, invalidInput("TableArn must be arn:aws:glue:<region>:<account>:table/<database>/<table>")
	}
	t, err := s.cat.LookupTable(ctx, db, tn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, entityNotFound("Table %s not found.", in.TableArn)
	} else if err != nil {
		return nil, internal(err)
	}
	path := t.Location
	if in.Partition != nil {
		if len(in.Partition.Values) != len(t.PartitionKeys) {
			return nil, invalidInput("Partition has %d values, the table %d partition keys", len(in.Partition.Values), len(t.PartitionKeys))
		}
		path = strings.TrimSuffix(path, "/")
		for i, k := range t.PartitionKeys {
			path += "/" + k.Name + "=" + url.PathEscape(in.Partition.Values[i])
		}
	}
	loc, err := s.locationFor(ctx, path)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		// AWS's code is unconfirmed; Sluice refuses as InvalidInputException: the request names a
		// table Lake Formation does not govern (its engine should use its own credentials).
		return nil, invalidInput("The location %s of table %s is not registered with Lake Formation", path, tn)
	}
	// 3. Access.
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return nil, err
	}
	a, err := s.access(ctx, p, st, t)
	if err != nil {
		return nil, err
	}
	tableARN := s.tableARN(db, tn)
	if !a.Has(Select) || len(a.Columns) == 0 {
		return nil, s.deny(p, refusal{action: "lakeformation:SELECT", resource: tableARN, reason: reasonNoPermission, grants: a.grants},
			"Insufficient Lake Formation permission(s) on %s", tn)
	}
	write := false
	for _, perm := range in.Permissions {
		n, ok := knownPerms[string(perm)]
		if !ok {
			return nil, invalidInput("unknown permission %s", perm)
		}
		if !a.Has(n) {
			return nil, s.deny(p, refusal{action: "lakeformation:" + string(n), resource: tableARN, reason: reasonNoPermission, grants: a.grants},
				"Insufficient Lake Formation permission(s): %s on %s", n, tn)
		}
		write = write || n == Insert || n == Delete
	}
	// 4./5. Path A (authorized engine) or path B (full table access).
	tagValue, tagged := authorizedTag(p, st)
	allowListed := false
	for _, e := range st.ExternalDataFilteringAllowList {
		if id := e.DataLakePrincipalIdentifier; id == string(p.Account) || id == principalOf(p) {
			allowListed = true
		}
	}
	switch {
	case st.AllowExternalDataFiltering != nil && *st.AllowExternalDataFiltering && tagged && allowListed:
		if !a.Full {
			if (len(a.CellFilters) > 0 || a.RowFilter != "") && !slices.Contains(in.SupportedPermissionTypes, CellFilterPermission) {
				return nil, permissionTypeMismatch("The table has row or cell filters for this principal; the caller must support CELL_FILTER_PERMISSION")
			}
			if len(a.Columns) < len(t.Columns)+len(t.PartitionKeys) && !slices.Contains(in.SupportedPermissionTypes, ColumnPermission) { // spec §8.5: a column restriction needs COLUMN_PERMISSION
				return nil, permissionTypeMismatch("The principal has column-level permissions; the caller must support COLUMN_PERMISSION")
			}
		}
		extra["LakeFormationTrustedCallerInvocation"] = "true"
		extra["LakeFormationAuthorizedSessionTag"] = AuthorizedCallerTag + ":" + tagValue
	case st.AllowFullTableExternalDataAccess != nil && *st.AllowFullTableExternalDataAccess && a.Full:
	default:
		keys := map[string]string{"lakeformation:authorizedsessiontag": tagValue, "lakeformation:fulltableaccess": strconv.FormatBool(a.Full),
			"lakeformation:supportedpermissiontypes": strings.Join(in.SupportedPermissionTypes, ",")}
		if !a.Full {
			return nil, s.deny(p, refusal{action: "lakeformation:GetDataAccess", resource: tableARN, reason: reasonNotEngine, grants: a.grants, keys: keys},
				"Insufficient Lake Formation permission(s): the caller is not an authorized engine (session tag %s) and does not have full table access", AuthorizedCallerTag)
		}
		return nil, s.deny(p, refusal{action: "lakeformation:GetDataAccess", resource: tableARN, reason: reasonNoFullAccess, grants: a.grants, keys: keys},
			"Full table access is not enabled (AllowFullTableExternalDataAccess) and the caller is not an authorized engine")
	}
	// 6. Mint the session.
	if s.vendor == nil || s.roles == nil {
		return nil, internal(errors.New("vending is not configured (no STS vendor or role lookup)"))
	}
	role, err := s.roles(ctx, loc.RoleArn)
	if err != nil {
		return nil, internal(err)
	}
	bucket, prefix, err := splitS3(path)
	if err != nil {
		return nil, invalidInput("%s", err.Error())
	}
	pol := ScopePolicy(bucket, prefix, write && slices.Contains(in.Permissions, Insert), write && slices.Contains(in.Permissions, Delete))
	name, err := s.sessionName()
	if err != nil {
		return nil, internal(err)
	}
	extra["lakeFormationRoleSessionName"] = name
	src := ""
	if st.Parameters["SET_SOURCE_IDENTITY"] == "TRUE" && p.Session != nil {
		src = "V2." + string(s.account) + "." + p.Session.RoleID
	}
	creds, _, err := s.vendor.Vend(ctx, sts.VendRequest{Role: role, SessionName: name, InlinePolicy: pol, Duration: dur, SourceIdentity: src, Caller: p})
	if err != nil {
		return nil, internal(err)
	}
	out := &VendOutput{AccessKeyId: string(creds.AccessKeyID), SecretAccessKey: creds.SecretAccessKey.Reveal(),
		SessionToken: creds.SessionToken.Reveal(), Expiration: awsproto.Timestamp(creds.Expiration)}
	if in.Partition == nil {
		out.VendedS3Path = []string{"s3://" + bucket + "/" + prefix}
	}
	return out, nil
}

// authorizedTag reports the caller's LakeFormationAuthorizedCaller session tag value, when it
// is in AuthorizedSessionTagValueList.
func authorizedTag(p *identity.Principal, st *DataLakeSettings) (string, bool) {
	if p == nil || p.Session == nil {
		return "", false
	}
	for _, t := range p.Session.Tags {
		if strings.EqualFold(t.Key, AuthorizedCallerTag) && slices.Contains(st.AuthorizedSessionTagValueList, t.Value) {
			return t.Value, true
		}
	}
	return "", false
}

const sessionAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func (s *Service) sessionName() (string, error) {
	b := make([]byte, 12)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = sessionAlphabet[int(b[i])%len(sessionAlphabet)]
	}
	return "AWSLF-00-NA-" + string(s.account) + "-" + string(b), nil
}

// splitS3 splits s3://bucket/prefix into the bucket and a prefix that is empty or ends in '/'.
func splitS3(path string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(path, "s3://")
	if !ok {
		if rest, ok = strings.CutPrefix(path, "s3a://"); !ok {
			return "", "", errors.New("table location is not an s3:// path")
		}
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", errors.New("table location has no bucket")
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return bucket, prefix, nil
}

// escapePolicy escapes the characters IAM policy matching treats specially (Version
// 2012-10-17): '*' → ${*}, '?' → ${?}, '$' → ${$}.
func escapePolicy(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '$':
			b.WriteString("${" + string(r) + "}")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// policyStatement is one statement of the policies Lake Formation writes.
type policyStatement struct {
	Sid       string `json:",omitempty"`
	Effect    string
	Action    []string
	Resource  any
	Condition map[string]map[string][]string `json:",omitempty"`
}

func policyDoc(stmts ...policyStatement) string {
	doc := struct {
		Version   string
		Statement []policyStatement
	}{"2012-10-17", stmts}
	b, _ := json.Marshal(doc)
	return string(b)
}

// ScopePolicy builds the session policy of vended credentials: read objects under the prefix,
// list the bucket only for prefixes under it, and write/delete only when asked for.
// A prefix always ends in '/', so a/b/ never matches a/bc.
func ScopePolicy(bucket, prefix string, put, del bool) string {
	obj := "arn:aws:s3:::" + escapePolicy(bucket) + "/" + escapePolicy(prefix) + "*"
	actions := []string{"s3:GetObject", "s3:GetObjectVersion"}
	if put {
		actions = append(actions, "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
	}
	if del {
		actions = append(actions, "s3:DeleteObject")
	}
	list := policyStatement{Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: "arn:aws:s3:::" + escapePolicy(bucket)}
	if prefix != "" {
		ep := escapePolicy(prefix)
		list.Condition = map[string]map[string][]string{"StringLike": {"s3:prefix": {ep + "*", ep}}}
	}
	return policyDoc(policyStatement{Effect: "Allow", Action: actions, Resource: obj}, list)
}

type RevokeSessionsInput struct {
	ResourceArn string
}

// RevokeVendedSessions makes every credential vended for a registered location before now stop
// working, through IAM's deny-by-aws:TokenIssueTime mechanism on the location's role. Admins
// only. (Sluice extension; also reachable as `sluice sessions revoke --role <role>`.)
func (s *Service) RevokeVendedSessions(ctx context.Context, p *identity.Principal, in *RevokeSessionsInput) (*empty, error) {
	if err := s.iam(ctx, p, "RevokeVendedSessions"); err != nil {
		return nil, err
	}
	if err := s.adminOnly(ctx, p, "RevokeVendedSessions", in.ResourceArn); err != nil {
		return nil, err
	}
	arn, err := checkS3ARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	rec, err := storejson.Get[locationRecord](ctx, s.st, nsLocation, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, entityNotFound("Entity not found")
	} else if err != nil {
		return nil, internal(err)
	}
	if s.revoke == nil {
		return nil, internal(errors.New("session revocation is not configured"))
	}
	if err := s.revoke(ctx, rec.RoleArn, s.now()); err != nil {
		if awsproto.As(err) != nil {
			return nil, err
		}
		return nil, internal(err)
	}
	return &empty{}, nil
}

var _ = catalog.Target{}
