package iam

import (
	"context"
	"sort"
	"time"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

// Role is an IAM role as other packages (STS, Lake Formation) see it; it is also the stored record.
type Role struct {
	Name               string
	Path               string
	ID                 string // AROA…
	ARN                identity.ARN
	Created            time.Time
	TrustPolicy        string         // the trust policy JSON as given
	Trust              *policy.Policy `json:"-"` // compiled TrustPolicy
	MaxSessionDuration time.Duration
	Description        string         `json:",omitempty"`
	Tags               []identity.Tag `json:",omitempty"`
	BoundaryARN        identity.ARN   `json:",omitempty"`
	// Inline policies by name, and attached managed policy ARNs.
	Inline   map[string]string `json:",omitempty"`
	Attached []identity.ARN    `json:",omitempty"`
	// LastUsed is when a session of the role was last created (zero: never).
	LastUsed       time.Time `json:",omitzero"`
	LastUsedRegion string    `json:",omitempty"`
}

// userRec is a stored IAM user.
type userRec struct {
	Name     string
	Path     string
	ID       string
	ARN      identity.ARN
	Created  time.Time
	Tags     []identity.Tag         `json:",omitempty"`
	Boundary identity.ARN           `json:",omitempty"`
	Inline   map[string]string      `json:",omitempty"`
	Attached []identity.ARN         `json:",omitempty"`
	Groups   []string               `json:",omitempty"` // group names
	Keys     []identity.AccessKeyID `json:",omitempty"`
}

// groupRec is a stored IAM group.
type groupRec struct {
	Name     string
	Path     string
	ID       string
	ARN      identity.ARN
	Created  time.Time
	Inline   map[string]string `json:",omitempty"`
	Attached []identity.ARN    `json:",omitempty"`
	Members  []string          `json:",omitempty"` // user names
}

// policyRec is a stored customer-managed policy with its versions.
type policyRec struct {
	Name        string
	Path        string
	ID          string
	ARN         identity.ARN
	Description string `json:",omitempty"`
	Created     time.Time
	Updated     time.Time
	Default     string // "v1"…
	NextVersion int
	Versions    []versionRec
	Tags        []identity.Tag `json:",omitempty"`
	// Attachments and uses as a permissions boundary: "user/<name>", "group/<name>", "role/<name>".
	Attachments []string `json:",omitempty"`
	BoundaryOf  []string `json:",omitempty"`
}

type versionRec struct {
	ID      string
	Doc     string
	Created time.Time
}

func (p *policyRec) version(id string) *versionRec {
	for i := range p.Versions {
		if p.Versions[i].ID == id {
			return &p.Versions[i]
		}
	}
	return nil
}

func (p *policyRec) defaultDoc() string {
	if v := p.version(p.Default); v != nil {
		return v.Doc
	}
	return ""
}

// keyRec is a stored access key. The secret is sealed with the key ring.
type keyRec struct {
	ID      identity.AccessKeyID
	User    string // user name
	Status  string // Active | Inactive
	Created time.Time
	Sealed  []byte
}

// oidcRec is a stored OpenID Connect provider.
type oidcRec struct {
	URL         string // without scheme: host[/path]
	ARN         identity.ARN
	ClientIDs   []string `json:",omitempty"`
	Thumbprints []string `json:",omitempty"`
	Created     time.Time
	Tags        []identity.Tag `json:",omitempty"`
}

// Entity kinds that hold policies.
const (
	kindUser  = "user"
	kindGroup = "group"
	kindRole  = "role"
)

// holder is a user, group or role seen through what policies need: its inline map and attached
// list, and how to save it.
type holder struct {
	kind     string
	name     string
	arn      identity.ARN
	path     string
	id       string
	inline   *map[string]string
	attached *[]identity.ARN
	boundary *identity.ARN // nil for groups
	rec      any
}

func holderNS(kind string) string {
	switch kind {
	case kindUser:
		return nsUser
	case kindGroup:
		return nsGroup
	}
	return nsRole
}

func entityWord(kind string) string {
	switch kind {
	case kindUser:
		return "user"
	case kindGroup:
		return "group"
	}
	return "role"
}

// loadHolder reads a user, group or role. A missing one is NoSuchEntity.
func loadHolder(ctx context.Context, r store.Reader, kind, name string) (*holder, error) {
	switch kind {
	case kindUser:
		u, err := storejson.Get[userRec](ctx, r, nsUser, keyOf(name))
		if err != nil {
			return nil, notFound(err, "The user with name %s cannot be found.", name)
		}
		return &holder{kind: kind, name: u.Name, arn: u.ARN, path: u.Path, id: u.ID, inline: &u.Inline, attached: &u.Attached, boundary: &u.Boundary, rec: u}, nil
	case kindGroup:
		g, err := storejson.Get[groupRec](ctx, r, nsGroup, keyOf(name))
		if err != nil {
			return nil, notFound(err, "The group with name %s cannot be found.", name)
		}
		return &holder{kind: kind, name: g.Name, arn: g.ARN, path: g.Path, id: g.ID, inline: &g.Inline, attached: &g.Attached, rec: g}, nil
	default:
		ro, err := storejson.Get[Role](ctx, r, nsRole, keyOf(name))
		if err != nil {
			return nil, notFound(err, "The role with name %s cannot be found.", name)
		}
		return &holder{kind: kind, name: ro.Name, arn: ro.ARN, path: ro.Path, id: ro.ID, inline: &ro.Inline, attached: &ro.Attached, boundary: &ro.BoundaryARN, rec: ro}, nil
	}
}

func (h *holder) save(ctx context.Context, tx store.Tx) error {
	return storejson.Put(ctx, tx, holderNS(h.kind), keyOf(h.name), h.rec)
}

// notFound turns a store NotFound into NoSuchEntity and passes other errors on.
func notFound(err error, format string, args ...any) error {
	if isNotFound(err) {
		return noSuchEntity(format, args...)
	}
	return err
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func removeString(list []string, v string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func removeARN(list []identity.ARN, v identity.ARN) []identity.ARN {
	out := list[:0:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if equalFold(x, v) {
			return true
		}
	}
	return false
}
