package lakeformation

import (
	"context"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/internal/identity"
)

// Who sees which LF-tags (AWS "Listing LF-Tags"; ListLFTags and GetLFTag):
//
//   - data-lake admins and read-only admins see every tag with every value;
//   - a tag's creator sees it with every value (holding CREATE_LF_TAG alone shows nothing of
//     other principals' tags);
//   - anyone else sees a tag only through DESCRIBE or ASSOCIATE on it, granted to them
//     (with or without the grant option) or to IAM_ALLOWED_PRINCIPALS, and only the values
//     those grants name ("*" = every value, present and future); a tag none of whose values
//     remain is not seen.
//
// A tag that is not seen answers exactly like a missing one.

// TagView is what decides a principal's view of LF-tags.
type TagView struct {
	All       bool   // data-lake admin or read-only admin
	Principal string // the Lake Formation principal (role ARN for sessions)
	// Grants are the LFTag grants of the principal and of IAM_ALLOWED_PRINCIPALS; others are
	// ignored.
	Grants []Grant
}

// Visible returns the part of tag t (created by creator, "" when unknown) that the view shows,
// and whether it shows anything. It is pure.
func (v *TagView) Visible(t LFTagPair, creator string) (LFTagPair, bool) {
	if v.All || (creator != "" && creator == v.Principal) {
		return t, true
	}
	key := lower(t.TagKey)
	every := false
	var named []string
	for _, g := range v.Grants {
		r := g.Resource.LFTag
		if r == nil || lower(r.TagKey) != key {
			continue
		}
		if pr := g.Principal.DataLakePrincipalIdentifier; pr != v.Principal && pr != IAMAllowedPrincipals {
			continue
		}
		ps := newPermSet(g.Permissions...).union(newPermSet(g.PermissionsWithGrantOption...))
		if !slices.Contains(ps, Describe) && !slices.Contains(ps, Associate) {
			continue
		}
		for _, val := range r.TagValues {
			if val == "*" {
				every = true
			}
			named = append(named, lower(val))
		}
	}
	out := t
	out.TagValues = []string{}
	for _, val := range t.TagValues {
		if every || slices.Contains(named, lower(val)) {
			out.TagValues = append(out.TagValues, val)
		}
	}
	return out, len(out.TagValues) > 0
}

// storedTag is an LF-tag as stored: the wire pair and who created it.
type storedTag struct {
	LFTagPair
	Creator string `json:",omitempty"`
}

// tagView reads what decides p's view of LF-tags: the settings, and unless p sees every tag,
// p's and IAM_ALLOWED_PRINCIPALS' LFTag grants — all of them (key == "") or those of one
// lower-case key.
func (s *Service) tagView(ctx context.Context, p *identity.Principal, key string) (*TagView, error) {
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return nil, err
	}
	v := &TagView{All: s.seesAll(st, p), Principal: principalOf(p)}
	if v.All {
		return v, nil
	}
	for _, pr := range []string{v.Principal, IAMAllowedPrincipals} {
		if pr == "" {
			continue
		}
		// The prefix may take in longer keys too; Visible compares keys exactly.
		gs, _, err := listJSON[Grant](ctx, s.st, nsGrantP, pr+psep+"K"+sep+key)
		if err != nil {
			return nil, internal(err)
		}
		for _, g := range gs {
			v.Grants = append(v.Grants, *g)
		}
	}
	return v, nil
}

// ownCatalog reports whether a request's CatalogId names this account's catalog (or none).
// Sluice holds one catalog and nothing is shared with it, so another catalog shows no tags.
func (s *Service) ownCatalog(id string) bool {
	return id == "" || strings.TrimSpace(id) == string(s.account)
}
