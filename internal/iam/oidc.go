package iam

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

var thumbprintRE = regexp.MustCompile(`^[0-9A-Fa-f]{40}$`)

// oidcKey turns a provider URL ("https://issuer.example.com/path") into its ARN suffix.
func oidcKey(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || len(raw) > 255 {
		return "", validationError("Invalid OpenID Connect provider URL %q: it must begin with https:// and name a host.", raw)
	}
	return strings.ToLower(u.Host) + strings.TrimSuffix(u.Path, "/"), nil
}

func (s *Service) oidcARN(key string) identity.ARN {
	return identity.ARN("arn:aws:iam::" + string(s.account) + ":oidc-provider/" + key)
}

// oidcTarget authorizes action on a provider ARN, then reads the provider.
func (s *Service) oidcTarget(ctx context.Context, p *identity.Principal, action string, arn identity.ARN) (*oidcRec, error) {
	if err := s.authorize(ctx, p, action, arn, nil); err != nil {
		return nil, err
	}
	key, ok := strings.CutPrefix(string(arn), "arn:aws:iam::"+string(s.account)+":oidc-provider/")
	if !ok || key == "" {
		return nil, invalidInput("Invalid ARN %s.", arn)
	}
	o, err := storejson.Get[oidcRec](ctx, s.st, nsOIDC, key)
	if err != nil {
		return nil, notFound(err, "OpenIDConnect Provider not found for arn %s", arn)
	}
	return o, nil
}

// OIDCProvider is how other packages (STS web identity) see a provider.
type OIDCProvider struct {
	URL       string // issuer without scheme
	ARN       identity.ARN
	ClientIDs []string
}

// OIDCProviderFor returns the provider registered for an issuer URL (with or without https://),
// or a NoSuchEntity *awsproto.Error.
func (s *Service) OIDCProviderFor(ctx context.Context, issuer string) (*OIDCProvider, error) {
	if !strings.HasPrefix(issuer, "https://") {
		issuer = "https://" + issuer
	}
	key, err := oidcKey(issuer)
	if err != nil {
		return nil, noSuchEntity("OpenIDConnect Provider not found for %s", issuer)
	}
	o, err := storejson.Get[oidcRec](ctx, s.st, nsOIDC, key)
	if err != nil {
		return nil, notFound(err, "OpenIDConnect Provider not found for %s", issuer)
	}
	return &OIDCProvider{URL: o.URL, ARN: o.ARN, ClientIDs: o.ClientIDs}, nil
}

// CreateOpenIDConnectProviderInput is CreateOpenIDConnectProvider's request.
type CreateOpenIDConnectProviderInput struct {
	Url            string         `query:"Url,required"`
	ClientIDList   []string       `query:"ClientIDList"`
	ThumbprintList []string       `query:"ThumbprintList"`
	Tags           []identity.Tag `query:"Tags"`
}

// CreateOpenIDConnectProviderOutput is CreateOpenIDConnectProvider's response.
type CreateOpenIDConnectProviderOutput struct {
	OpenIDConnectProviderArn identity.ARN
	Tags                     []identity.Tag `xml:"Tags>member,omitempty"`
}

// CreateOpenIDConnectProvider registers an OIDC identity provider (ThumbprintList is optional;
// Sluice verifies tokens against configured keys, not TLS thumbprints).
func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, p *identity.Principal, in *CreateOpenIDConnectProviderInput) (*CreateOpenIDConnectProviderOutput, error) {
	key, err := oidcKey(in.Url)
	if err != nil {
		return nil, err
	}
	for _, t := range in.ThumbprintList {
		if !thumbprintRE.MatchString(t) {
			return nil, validationError("1 validation error detected: Value '%s' at 'thumbprintList' failed to satisfy constraint: Member must have length 40", t)
		}
	}
	if len(in.ThumbprintList) > 5 || len(in.ClientIDList) > 100 {
		return nil, limitExceeded("Too many thumbprints or client ids.")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	arn := s.oidcARN(key)
	if err := s.authorize(ctx, p, "CreateOpenIDConnectProvider", arn, tagContext(in.Tags)); err != nil {
		return nil, err
	}
	o := &oidcRec{URL: key, ARN: arn, ClientIDs: in.ClientIDList, Thumbprints: in.ThumbprintList, Created: s.stamp(), Tags: in.Tags}
	err = s.update(ctx, func(tx store.Tx) error {
		err := createJSON(ctx, tx, nsOIDC, key, o)
		if store.KindOf(err) == store.Exists {
			return alreadyExists("Provider with url %s already exists.", in.Url)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &CreateOpenIDConnectProviderOutput{OpenIDConnectProviderArn: arn, Tags: in.Tags}, nil
}

// OIDCArnInput names a provider.
type OIDCArnInput struct {
	OpenIDConnectProviderArn identity.ARN `query:"OpenIDConnectProviderArn,required"`
}

// GetOpenIDConnectProviderOutput is GetOpenIDConnectProvider's response.
type GetOpenIDConnectProviderOutput struct {
	Url            string
	ClientIDList   []string `xml:"ClientIDList>member"`
	ThumbprintList []string `xml:"ThumbprintList>member"`
	CreateDate     string
	Tags           []identity.Tag `xml:"Tags>member,omitempty"`
}

// GetOpenIDConnectProvider returns a provider.
func (s *Service) GetOpenIDConnectProvider(ctx context.Context, p *identity.Principal, in *OIDCArnInput) (*GetOpenIDConnectProviderOutput, error) {
	o, err := s.oidcTarget(ctx, p, "GetOpenIDConnectProvider", in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	return &GetOpenIDConnectProviderOutput{Url: o.URL, ClientIDList: nonNil(o.ClientIDs), ThumbprintList: nonNil(o.Thumbprints),
		CreateDate: o.Created.Format("2006-01-02T15:04:05Z"), Tags: o.Tags}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DeleteOpenIDConnectProvider deletes a provider.
func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, p *identity.Principal, in *OIDCArnInput) (*Empty, error) {
	o, err := s.oidcTarget(ctx, p, "DeleteOpenIDConnectProvider", in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		return notFound(tx.Delete(ctx, nsOIDC, o.URL), "OpenIDConnect Provider not found for arn %s", in.OpenIDConnectProviderArn)
	})
}

// ListOpenIDConnectProvidersOutput is ListOpenIDConnectProviders' response.
type ListOpenIDConnectProvidersOutput struct {
	OpenIDConnectProviderList []struct{ Arn identity.ARN } `xml:"OpenIDConnectProviderList>member"`
}

// ListOpenIDConnectProviders lists provider ARNs.
func (s *Service) ListOpenIDConnectProviders(ctx context.Context, p *identity.Principal, _ *struct{}) (*ListOpenIDConnectProvidersOutput, error) {
	if err := s.authorize(ctx, p, "ListOpenIDConnectProviders", "*", nil); err != nil {
		return nil, err
	}
	all, err := listJSON[oidcRec](ctx, s.st, nsOIDC)
	if err != nil {
		return nil, err
	}
	out := &ListOpenIDConnectProvidersOutput{OpenIDConnectProviderList: []struct{ Arn identity.ARN }{}}
	for _, o := range all {
		out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, struct{ Arn identity.ARN }{o.ARN})
	}
	return out, nil
}

// ClientIDInput is the request of Add/RemoveClientIDToOpenIDConnectProvider.
type ClientIDInput struct {
	OpenIDConnectProviderArn identity.ARN `query:"OpenIDConnectProviderArn,required"`
	ClientID                 string       `query:"ClientID,required"`
}

// AddClientIDToOpenIDConnectProvider adds an audience (idempotent).
func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, p *identity.Principal, in *ClientIDInput) (*Empty, error) {
	return s.changeClientIDs(ctx, p, "AddClientIDToOpenIDConnectProvider", in, true)
}

// RemoveClientIDFromOpenIDConnectProvider removes an audience (idempotent).
func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, p *identity.Principal, in *ClientIDInput) (*Empty, error) {
	return s.changeClientIDs(ctx, p, "RemoveClientIDFromOpenIDConnectProvider", in, false)
}

func (s *Service) changeClientIDs(ctx context.Context, p *identity.Principal, action string, in *ClientIDInput, add bool) (*Empty, error) {
	if in.ClientID == "" || len(in.ClientID) > 255 {
		return nil, validationError("1 validation error detected: Value at 'clientID' failed to satisfy constraint: Member must have length between 1 and 255")
	}
	o, err := s.oidcTarget(ctx, p, action, in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		cur, err := storejson.Get[oidcRec](ctx, tx, nsOIDC, o.URL)
		if err != nil {
			return notFound(err, "OpenIDConnect Provider not found for arn %s", in.OpenIDConnectProviderArn)
		}
		cur.ClientIDs = removeString(cur.ClientIDs, in.ClientID)
		if add {
			if len(cur.ClientIDs) >= 100 {
				return limitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
			}
			cur.ClientIDs = append(cur.ClientIDs, in.ClientID)
		}
		return storejson.Put(ctx, tx, nsOIDC, o.URL, cur)
	})
}
