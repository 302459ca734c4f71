package lakeformation

import (
	"fmt"
	"maps"
	"slices"

	"github.com/sluicehq/sluice/internal/authzmsg"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
)

// Lake Formation's own refusals carry the decision behind them, sealed with the key ring, as
// IAM's do (issue C): AccessDeniedException whose message ends with "Encoded authorization
// failure message: <blob>" and that also carries the blob as the EncodedAuthorizationMessage
// member. sts:DecodeAuthorizationMessage opens it into the action (lakeformation:<PERMISSION>
// or lakeformation:<Operation>), the resource ARN, the principal, the reason and the grants
// that were considered. The blob says nothing to the caller; refusals that must look like a
// missing entity (DESCRIBE) stay EntityNotFoundException and carry none.

// EncodedMessagePrefix introduces the sealed decision in a refusal's message.
const EncodedMessagePrefix = "Encoded authorization failure message: "

// Reasons of Lake Formation refusals, as decoded.
const (
	reasonNoPermission  = "no Lake Formation permission"
	reasonNoGrantOption = "no Lake Formation grant option"
	reasonNotAdmin      = "not a data lake administrator"
	reasonNotEngine     = "not an authorized engine and no full table access"
	reasonNoFullAccess  = "full table access is not enabled and the caller is not an authorized engine"
)

// refusal is one Lake Formation decision to deny.
type refusal struct {
	action   string // lakeformation:SELECT, lakeformation:RegisterResource
	resource string // an ARN
	reason   string
	grants   []Grant           // the grants the decision considered
	keys     map[string]string // extra context keys (lower-case names)
}

// deny renders a refusal as AccessDeniedException with the message built from format and args,
// followed by the sealed decision when the service has a key ring.
func (s *Service) deny(p *identity.Principal, r refusal, format string, args ...any) *awsproto.Error {
	msg := fmt.Sprintf(format, args...)
	blob := s.encodeRefusal(p, r)
	if blob == "" {
		return accessDenied("%s", msg)
	}
	return accessDenied("%s %s%s", msg, EncodedMessagePrefix, blob).With("EncodedAuthorizationMessage", blob)
}

// refusalMessage is the decoded form of a refusal.
func (s *Service) refusalMessage(p *identity.Principal, r refusal) *authzmsg.Message {
	m := &authzmsg.Message{Reason: r.reason, Context: authzmsg.Context{Action: r.action, Resource: r.resource}}
	if p != nil {
		m.Context.Principal = authzmsg.Principal{ID: p.ID, ARN: string(p.ARN)}
	}
	m.MatchedStatements.Items = []authzmsg.Statement{}
	for i, g := range r.grants {
		m.MatchedStatements.Items = append(m.MatchedStatements.Items, authzmsg.Statement{
			Policy: "Lake Formation grant to " + g.Principal.DataLakePrincipalIdentifier + " on " + s.resourceARN(&g.Resource) + ": " + grantText(&g),
			Index:  i, Sid: resourceType(&g.Resource)})
	}
	m.Context.Conditions.Items = []authzmsg.Condition{{Key: "lakeformation:principal", Values: []string{principalOf(p)}}}
	for _, k := range sortedKeys(r.keys) {
		m.Context.Conditions.Items = append(m.Context.Conditions.Items, authzmsg.Condition{Key: k, Values: []string{r.keys[k]}})
	}
	return m
}

func (s *Service) encodeRefusal(p *identity.Principal, r refusal) string {
	if s.ring == nil {
		return ""
	}
	blob, err := authzmsg.Encode(s.ring, s.refusalMessage(p, r))
	if err != nil {
		s.log.Warn("encoding a Lake Formation authorization message failed", "err", err)
		return ""
	}
	return blob
}

// grantText renders a grant's permissions: "SELECT,DESCRIBE" and " (grantable: SELECT)".
func grantText(g *Grant) string {
	t := joinPerms(g.Permissions)
	if len(g.PermissionsWithGrantOption) > 0 {
		t += " (grantable: " + joinPerms(g.PermissionsWithGrantOption) + ")"
	}
	return t
}

// resourceARN names a Lake Formation resource for decoded messages: Glue ARNs for catalog
// objects (column and filter grants by their table), the S3 ARN of a location, and Sluice's
// arn:aws:lakeformation:<region>:<account>:lf-tag/<key> and …:lf-tag-policy/<type>/<expression>
// for LF-tag resources (AWS gives these no ARN).
func (s *Service) resourceARN(r *Resource) string {
	glue := "arn:aws:glue:" + s.region + ":" + string(s.account) + ":"
	lf := "arn:aws:lakeformation:" + s.region + ":" + string(s.account) + ":"
	switch {
	case r.Catalog != nil:
		return glue + "catalog"
	case r.Database != nil:
		return glue + "database/" + r.Database.Name
	case r.Table != nil && r.Table.TableWildcard != nil:
		return glue + "table/" + r.Table.DatabaseName + "/*"
	case r.DataLocation != nil:
		return r.DataLocation.ResourceArn
	case r.LFTag != nil:
		return lf + "lf-tag/" + lower(r.LFTag.TagKey)
	case r.LFTagPolicy != nil:
		return lf + "lf-tag-policy/" + r.LFTagPolicy.ResourceType + "/" + exprKey(r.LFTagPolicy.Expression)
	}
	if db, t, ok := tableOf(r); ok {
		return s.tableARN(db, t)
	}
	return glue + "catalog"
}

func (s *Service) catalogARN() string {
	return "arn:aws:glue:" + s.region + ":" + string(s.account) + ":catalog"
}

func (s *Service) databaseARN(db string) string {
	return "arn:aws:glue:" + s.region + ":" + string(s.account) + ":database/" + db
}

// grantList is g as a list (none when nil).
func grantList(g *Grant) []Grant {
	if g == nil {
		return nil
	}
	return []Grant{*g}
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
