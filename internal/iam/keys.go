package iam

import (
	"context"
	"time"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/rootkeys"
	"github.com/sluicehq/sluice/internal/secret"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

// Access key statuses.
const (
	statusActive   = "Active"
	statusInactive = "Inactive"
)

func keyAAD(id identity.AccessKeyID) []byte { return []byte("iam-access-key:" + string(id)) }

// CreateAccessKeyInput is CreateAccessKey's request; an empty UserName means the caller.
type CreateAccessKeyInput struct {
	UserName string `query:"UserName"`
}

// CreateAccessKeyOutput carries the new key with its secret, shown only this once.
type CreateAccessKeyOutput struct {
	AccessKey *AccessKey
}

// CreateAccessKey issues an AKIA key for a user (at most two per user). The secret is stored only
// sealed with the key ring.
func (s *Service) CreateAccessKey(ctx context.Context, p *identity.Principal, in *CreateAccessKeyInput) (*CreateAccessKeyOutput, error) {
	u, err := s.userTarget(ctx, p, "CreateAccessKey", in.UserName)
	if err != nil {
		return nil, err
	}
	id, err := rootkeys.NewAccessKeyID("AKIA", s.rand)
	if err != nil {
		return nil, err
	}
	sec, err := rootkeys.NewSecretAccessKey(s.rand)
	if err != nil {
		return nil, err
	}
	sealed, err := s.ring.Seal([]byte(sec.Reveal()), keyAAD(id))
	if err != nil {
		return nil, err
	}
	k := &keyRec{ID: id, User: u.Name, Status: statusActive, Created: s.stamp(), Sealed: sealed}
	err = s.update(ctx, func(tx store.Tx) error {
		u, err := storejson.Get[userRec](ctx, tx, nsUser, keyOf(u.Name))
		if err != nil {
			return notFound(err, "The user with name %s cannot be found.", in.UserName)
		}
		if len(u.Keys) >= maxAccessKeys {
			return limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
		}
		k.User = u.Name
		u.Keys = append(u.Keys, id)
		if err := createJSON(ctx, tx, nsKey, string(id), k); err != nil {
			return err
		}
		return storejson.Put(ctx, tx, nsUser, keyOf(u.Name), u)
	})
	if err != nil {
		return nil, err
	}
	return &CreateAccessKeyOutput{AccessKey: &AccessKey{UserName: k.User, AccessKeyId: id, Status: k.Status,
		SecretAccessKey: sec.Reveal(), CreateDate: k.Created}}, nil
}

// ListAccessKeysInput is ListAccessKeys' request.
type ListAccessKeysInput struct {
	UserName string `query:"UserName"`
	Marker   string `query:"Marker"`
	MaxItems int    `query:"MaxItems"`
}

// ListAccessKeysOutput is ListAccessKeys' response.
type ListAccessKeysOutput struct {
	AccessKeyMetadata []*AccessKeyMetadata `xml:"AccessKeyMetadata>member"`
	Page
}

// ListAccessKeys lists a user's keys (never their secrets).
func (s *Service) ListAccessKeys(ctx context.Context, p *identity.Principal, in *ListAccessKeysInput) (*ListAccessKeysOutput, error) {
	u, err := s.userTarget(ctx, p, "ListAccessKeys", in.UserName)
	if err != nil {
		return nil, err
	}
	var keys []*keyRec
	for _, id := range u.Keys {
		k, err := storejson.Get[keyRec](ctx, s.st, nsKey, string(id))
		if err != nil {
			if isNotFound(err) {
				continue
			}
			return nil, err
		}
		keys = append(keys, k)
	}
	items, trunc, next, err := page(keys, func(k *keyRec) string { return string(k.ID) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &ListAccessKeysOutput{AccessKeyMetadata: []*AccessKeyMetadata{}, Page: Page{IsTruncated: trunc, Marker: next}}
	for _, k := range items {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, &AccessKeyMetadata{UserName: k.User, AccessKeyId: k.ID, Status: k.Status, CreateDate: k.Created})
	}
	return out, nil
}

// keyTarget authorizes action on the user that owns key id (or the named user) and returns the
// key. An unknown key, or one of another user, is NoSuchEntity after the authorization.
func (s *Service) keyTarget(ctx context.Context, p *identity.Principal, action, userName string, id identity.AccessKeyID) (*keyRec, error) {
	u, err := s.userTarget(ctx, p, action, userName)
	if err != nil {
		return nil, err
	}
	k, err := storejson.Get[keyRec](ctx, s.st, nsKey, string(id))
	if err != nil || !equalFold(k.User, u.Name) {
		if err == nil || isNotFound(err) {
			return nil, noSuchEntity("The Access Key with id %s cannot be found.", id)
		}
		return nil, err
	}
	return k, nil
}

// UpdateAccessKeyInput is UpdateAccessKey's request.
type UpdateAccessKeyInput struct {
	UserName    string               `query:"UserName"`
	AccessKeyId identity.AccessKeyID `query:"AccessKeyId,required"`
	Status      string               `query:"Status,required"`
}

// UpdateAccessKey activates or deactivates a key.
func (s *Service) UpdateAccessKey(ctx context.Context, p *identity.Principal, in *UpdateAccessKeyInput) (*Empty, error) {
	if in.Status != statusActive && in.Status != statusInactive {
		return nil, validationError("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", in.Status)
	}
	k, err := s.keyTarget(ctx, p, "UpdateAccessKey", in.UserName, in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		cur, err := storejson.Get[keyRec](ctx, tx, nsKey, string(k.ID))
		if err != nil {
			return notFound(err, "The Access Key with id %s cannot be found.", k.ID)
		}
		cur.Status = in.Status
		return storejson.Put(ctx, tx, nsKey, string(k.ID), cur)
	})
}

// DeleteAccessKeyInput is DeleteAccessKey's request.
type DeleteAccessKeyInput struct {
	UserName    string               `query:"UserName"`
	AccessKeyId identity.AccessKeyID `query:"AccessKeyId,required"`
}

// DeleteAccessKey deletes a key; requests signed with it fail at once on every replica.
func (s *Service) DeleteAccessKey(ctx context.Context, p *identity.Principal, in *DeleteAccessKeyInput) (*Empty, error) {
	k, err := s.keyTarget(ctx, p, "DeleteAccessKey", in.UserName, in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		u, err := storejson.Get[userRec](ctx, tx, nsUser, keyOf(k.User))
		if err == nil {
			var keep []identity.AccessKeyID
			for _, id := range u.Keys {
				if id != k.ID {
					keep = append(keep, id)
				}
			}
			u.Keys = keep
			if err := storejson.Put(ctx, tx, nsUser, keyOf(u.Name), u); err != nil {
				return err
			}
		} else if !isNotFound(err) {
			return err
		}
		if _, err := tx.DeletePrefix(ctx, nsKeyUsed, string(k.ID)); err != nil {
			return err
		}
		if err := tx.Delete(ctx, nsKey, string(k.ID)); err != nil {
			return notFound(err, "The Access Key with id %s cannot be found.", k.ID)
		}
		return nil
	})
}

// GetAccessKeyLastUsedInput is GetAccessKeyLastUsed's request.
type GetAccessKeyLastUsedInput struct {
	AccessKeyId identity.AccessKeyID `query:"AccessKeyId,required"`
}

// AccessKeyLastUsed is IAM's AccessKeyLastUsed shape ("N/A" when never used).
type AccessKeyLastUsed struct {
	LastUsedDate *time.Time `xml:",omitempty"`
	ServiceName  string
	Region       string
}

// GetAccessKeyLastUsedOutput is GetAccessKeyLastUsed's response.
type GetAccessKeyLastUsedOutput struct {
	UserName          string
	AccessKeyLastUsed AccessKeyLastUsed
}

// GetAccessKeyLastUsed reports when, where and for which service a key was last used. It is
// authorized on the key's user.
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, p *identity.Principal, in *GetAccessKeyLastUsedInput) (*GetAccessKeyLastUsedOutput, error) {
	k, err := storejson.Get[keyRec](ctx, s.st, nsKey, string(in.AccessKeyId))
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	arn := identity.ARN("arn:aws:iam::" + string(s.account) + ":user/*")
	if k != nil {
		if u, _ := getUser(ctx, s.st, k.User); u != nil {
			arn = u.ARN
		}
	}
	if err := s.authorize(ctx, p, "GetAccessKeyLastUsed", arn, nil); err != nil {
		return nil, err
	}
	if k == nil {
		return nil, noSuchEntity("The Access Key with id %s cannot be found.", in.AccessKeyId)
	}
	out := &GetAccessKeyLastUsedOutput{UserName: k.User, AccessKeyLastUsed: AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}}
	use, ok := s.lastUse(ctx, k.ID)
	if ok {
		t := use.Time
		out.AccessKeyLastUsed = AccessKeyLastUsed{LastUsedDate: &t, ServiceName: use.Service, Region: use.Region}
	}
	return out, nil
}

// lastUse returns the newest known use of a key: pending in memory, else stored.
func (s *Service) lastUse(ctx context.Context, id identity.AccessKeyID) (keyUse, bool) {
	s.used.mu.Lock()
	u, ok := s.used.pending[id]
	s.used.mu.Unlock()
	if ok {
		return u, true
	}
	rec, err := storejson.Get[keyUse](ctx, s.st, nsKeyUsed, string(id))
	if err != nil {
		return keyUse{}, false
	}
	return *rec, true
}

// usedEvery is the longest a last-used stamp stays only in memory.
const usedEvery = time.Minute

// recordUse notes a use of a key in memory; at most once a minute per key it writes the stamp to
// the store (without bumping the IAM generation: last use is not policy).
func (s *Service) recordUse(ctx context.Context, id identity.AccessKeyID, service, region string) {
	now := s.now().UTC().Truncate(time.Second)
	use := keyUse{Time: now, Service: service, Region: region}
	s.used.mu.Lock()
	s.used.pending[id] = use
	last, seen := s.used.written[id]
	due := !seen || now.Sub(last) >= usedEvery
	if due {
		s.used.written[id] = now
		delete(s.used.pending, id)
	}
	s.used.mu.Unlock()
	if !due {
		return
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(ctx, nsKey, string(id)); err != nil {
			return err // deleted meanwhile: record nothing
		}
		return storejson.Put(ctx, tx, nsKeyUsed, string(id), use)
	})
	if err != nil && !isNotFound(err) {
		s.log.Warn("iam: recording access key use", "access_key_id", id, "err", err)
	}
}

// Flush writes every pending last-used stamp (call it at shutdown).
func (s *Service) Flush(ctx context.Context) error {
	s.used.mu.Lock()
	pending := s.used.pending
	s.used.pending = map[identity.AccessKeyID]keyUse{}
	s.used.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		for id, use := range pending {
			if _, err := tx.Get(ctx, nsKey, string(id)); err != nil {
				if isNotFound(err) {
					continue
				}
				return err
			}
			if err := storejson.Put(ctx, tx, nsKeyUsed, string(id), use); err != nil {
				return err
			}
		}
		return nil
	})
}

// Lookup resolves an IAM user's AKIA access key (server.CredentialResolver). An unknown key or a
// non-empty session token is identity.ErrUnknownAccessKey; an Inactive key
// identity.ErrInactiveKey. Resolved keys are cached per IAM generation, so a request costs one
// store Get (the generation). The key's last use (service, region, time) is noted by Decide,
// which knows the service of the action, and written at most once a minute per key.
func (s *Service) Lookup(ctx context.Context, id identity.AccessKeyID, sessionToken string) (*identity.Credential, error) {
	if sessionToken != "" || len(id) < 4 || id[:4] != "AKIA" {
		return nil, identity.ErrUnknownAccessKey
	}
	gen, err := s.sync(ctx)
	if err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	e := s.cache.creds[id]
	s.cache.mu.Unlock()
	if e == nil {
		e, err = s.loadCredential(ctx, id)
		if err != nil {
			return nil, err
		}
		s.cache.mu.Lock()
		if s.cache.gen == gen {
			s.cache.creds[id] = e
		}
		s.cache.mu.Unlock()
	}
	if e.cred == nil {
		return nil, identity.ErrUnknownAccessKey
	}
	if !e.active {
		return nil, identity.ErrInactiveKey
	}
	return e.cred, nil
}

// loadCredential reads and unseals a key; an unknown key (or one whose user is gone) is cached as
// absent.
func (s *Service) loadCredential(ctx context.Context, id identity.AccessKeyID) (*credEntry, error) {
	k, err := storejson.Get[keyRec](ctx, s.st, nsKey, string(id))
	if isNotFound(err) {
		return &credEntry{}, nil
	}
	if err != nil {
		return nil, err
	}
	u, err := getUser(ctx, s.st, k.User)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return &credEntry{}, nil
	}
	plain, err := s.ring.Open(k.Sealed, keyAAD(id))
	if err != nil {
		s.log.Error("iam: access key secret does not open with the key ring", "access_key_id", id, "err", err)
		return &credEntry{}, nil
	}
	p := &identity.Principal{Type: identity.IAMUser, Account: s.account, ARN: u.ARN, ID: u.ID, UserName: u.Name, AccessKeyID: id}
	return &credEntry{cred: &identity.Credential{Secret: secret.New(string(plain)), Principal: p}, active: k.Status == statusActive}, nil
}
