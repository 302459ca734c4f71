package iam

import (
	"context"
	"strings"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

// getUser reads a user; (nil, nil) when absent.
func getUser(ctx context.Context, r store.Reader, name string) (*userRec, error) {
	if name == "" {
		return nil, nil
	}
	u, err := storejson.Get[userRec](ctx, r, nsUser, keyOf(name))
	if isNotFound(err) {
		return nil, nil
	}
	return u, err
}

// userTarget resolves the user an operation names (the caller when name is empty and the caller
// is a user), authorizes action on it, and returns it. The authorization comes first, on the
// user's ARN (path "/" when the user does not exist), so a denied caller learns nothing.
func (s *Service) userTarget(ctx context.Context, p *identity.Principal, action, name string) (*userRec, error) {
	if name == "" {
		if p == nil || p.Type != identity.IAMUser {
			return nil, validationError("Must specify userName when calling with non-User credentials")
		}
		name = p.UserName
	}
	if err := checkName("userName", name, entityNameRE); err != nil {
		return nil, err
	}
	u, err := getUser(ctx, s.st, name)
	if err != nil {
		return nil, err
	}
	arn := s.arn("user", "/", name)
	if u != nil {
		arn = u.ARN
	}
	if err := s.authorize(ctx, p, action, arn, nil); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

// CreateUserInput is CreateUser's request.
type CreateUserInput struct {
	UserName            string         `query:"UserName,required"`
	Path                string         `query:"Path"`
	PermissionsBoundary identity.ARN   `query:"PermissionsBoundary"`
	Tags                []identity.Tag `query:"Tags"`
}

// UserOutput is the output of CreateUser and GetUser.
type UserOutput struct {
	User *User
}

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, p *identity.Principal, in *CreateUserInput) (*UserOutput, error) {
	if err := checkName("userName", in.UserName, entityNameRE); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	arn := s.arn("user", path, in.UserName)
	keys := tagContext(in.Tags)
	if in.PermissionsBoundary != "" {
		keys = withBoundaryKey(keys, in.PermissionsBoundary)
	}
	if err := s.authorize(ctx, p, "CreateUser", arn, keys); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.authorize(ctx, p, "TagUser", arn, tagContext(in.Tags)); err != nil {
			return nil, err
		}
	}
	id, err := s.newID("AIDA")
	if err != nil {
		return nil, err
	}
	u := &userRec{Name: in.UserName, Path: path, ID: id, ARN: arn, Created: s.stamp(), Tags: in.Tags, Boundary: in.PermissionsBoundary}
	err = s.update(ctx, func(tx store.Tx) error {
		if u.Boundary != "" {
			if err := s.useBoundary(ctx, tx, u.Boundary, "user/"+u.Name, true); err != nil {
				return err
			}
		}
		err := createJSON(ctx, tx, nsUser, keyOf(u.Name), u)
		if store.KindOf(err) == store.Exists {
			return alreadyExists("User with name %s already exists.", in.UserName)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &UserOutput{User: s.userOut(u)}, nil
}

// GetUserInput is GetUser's request; an empty UserName means the caller.
type GetUserInput struct {
	UserName string `query:"UserName"`
}

// GetUser returns a user, or the calling user. Like AWS it needs iam:GetUser, also on oneself;
// root calling without a name gets the root user.
func (s *Service) GetUser(ctx context.Context, p *identity.Principal, in *GetUserInput) (*UserOutput, error) {
	if in.UserName == "" && p != nil && p.Type == identity.Root {
		return &UserOutput{User: &User{UserId: string(p.Account), Arn: p.ARN, CreateDate: s.stamp()}}, nil
	}
	u, err := s.userTarget(ctx, p, "GetUser", in.UserName)
	if err != nil {
		return nil, err
	}
	return &UserOutput{User: s.userOut(u)}, nil
}

// ListUsersInput is ListUsers' request.
type ListUsersInput struct {
	PathPrefix string `query:"PathPrefix"`
	Marker     string `query:"Marker"`
	MaxItems   int    `query:"MaxItems"`
}

// ListUsersOutput is ListUsers' response.
type ListUsersOutput struct {
	Users []*User `xml:"Users>member"`
	Page
}

// ListUsers lists users in name order.
func (s *Service) ListUsers(ctx context.Context, p *identity.Principal, in *ListUsersInput) (*ListUsersOutput, error) {
	if err := s.authorize(ctx, p, "ListUsers", "*", nil); err != nil {
		return nil, err
	}
	all, err := listJSON[userRec](ctx, s.st, nsUser)
	if err != nil {
		return nil, err
	}
	all = filterPath(all, in.PathPrefix, func(u *userRec) string { return u.Path })
	items, trunc, next, err := page(all, func(u *userRec) string { return keyOf(u.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &ListUsersOutput{Users: []*User{}, Page: Page{IsTruncated: trunc, Marker: next}}
	for _, u := range items {
		o := s.userOut(u)
		o.Tags, o.PermissionsBoundary = nil, nil
		out.Users = append(out.Users, o)
	}
	return out, nil
}

func filterPath[T any](items []*T, prefix string, path func(*T) string) []*T {
	if prefix == "" || prefix == "/" {
		return items
	}
	out := items[:0]
	for _, it := range items {
		if strings.HasPrefix(path(it), prefix) {
			out = append(out, it)
		}
	}
	return out
}

// UpdateUserInput is UpdateUser's request.
type UpdateUserInput struct {
	UserName    string `query:"UserName,required"`
	NewPath     string `query:"NewPath"`
	NewUserName string `query:"NewUserName"`
}

// UpdateUser renames a user or changes its path. References to the user (groups, access keys,
// policy attachments) follow in the same transaction.
func (s *Service) UpdateUser(ctx context.Context, p *identity.Principal, in *UpdateUserInput) (*Empty, error) {
	u, err := s.userTarget(ctx, p, "UpdateUser", in.UserName)
	if err != nil {
		return nil, err
	}
	newName, newPath := u.Name, u.Path
	if in.NewUserName != "" {
		if err := checkName("newUserName", in.NewUserName, entityNameRE); err != nil {
			return nil, err
		}
		newName = in.NewUserName
	}
	if in.NewPath != "" {
		if newPath, err = checkPath(in.NewPath); err != nil {
			return nil, err
		}
	}
	newARN := s.arn("user", newPath, newName)
	if newARN != u.ARN {
		if err := s.authorize(ctx, p, "UpdateUser", newARN, nil); err != nil {
			return nil, err
		}
	}
	err = s.update(ctx, func(tx store.Tx) error {
		u, err := storejson.Get[userRec](ctx, tx, nsUser, keyOf(in.UserName))
		if err != nil {
			return notFound(err, "The user with name %s cannot be found.", in.UserName)
		}
		oldName := u.Name
		if keyOf(newName) != keyOf(oldName) {
			if _, err := tx.Get(ctx, nsUser, keyOf(newName)); err == nil {
				return alreadyExists("User with name %s already exists.", newName)
			} else if !isNotFound(err) {
				return err
			}
		}
		if err := tx.Delete(ctx, nsUser, keyOf(oldName)); err != nil {
			return err
		}
		u.Name, u.Path, u.ARN = newName, newPath, newARN
		if err := storejson.Put(ctx, tx, nsUser, keyOf(newName), u); err != nil {
			return err
		}
		for _, g := range u.Groups {
			gr, err := storejson.Get[groupRec](ctx, tx, nsGroup, keyOf(g))
			if err != nil {
				return err
			}
			for i, m := range gr.Members {
				if equalFold(m, oldName) {
					gr.Members[i] = newName
				}
			}
			if err := storejson.Put(ctx, tx, nsGroup, keyOf(g), gr); err != nil {
				return err
			}
		}
		for _, id := range u.Keys {
			k, err := storejson.Get[keyRec](ctx, tx, nsKey, string(id))
			if err != nil {
				return err
			}
			k.User = newName
			if err := storejson.Put(ctx, tx, nsKey, string(id), k); err != nil {
				return err
			}
		}
		refs := append([]identity.ARN(nil), u.Attached...)
		if u.Boundary != "" {
			refs = append(refs, u.Boundary)
		}
		for _, arn := range refs {
			if err := s.renameReference(ctx, tx, arn, "user/"+oldName, "user/"+newName); err != nil {
				return err
			}
		}
		return nil
	})
	return nil, err
}

// DeleteUserInput is DeleteUser's request.
type DeleteUserInput struct {
	UserName string `query:"UserName,required"`
}

// DeleteUser deletes a user that has no access keys, policies or group memberships.
func (s *Service) DeleteUser(ctx context.Context, p *identity.Principal, in *DeleteUserInput) (*Empty, error) {
	if _, err := s.userTarget(ctx, p, "DeleteUser", in.UserName); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx store.Tx) error {
		u, err := storejson.Get[userRec](ctx, tx, nsUser, keyOf(in.UserName))
		if err != nil {
			return notFound(err, "The user with name %s cannot be found.", in.UserName)
		}
		if len(u.Keys) > 0 || len(u.Inline) > 0 || len(u.Attached) > 0 || len(u.Groups) > 0 {
			return deleteConflict("Cannot delete entity, must delete access keys, policies and group memberships first.")
		}
		if u.Boundary != "" {
			if err := s.useBoundary(ctx, tx, u.Boundary, "user/"+u.Name, false); err != nil {
				return err
			}
		}
		return tx.Delete(ctx, nsUser, keyOf(u.Name))
	})
	return nil, err
}

// Tags on users.

// TagUserInput is TagUser's request.
type TagUserInput struct {
	UserName string         `query:"UserName,required"`
	Tags     []identity.Tag `query:"Tags,required"`
}

// TagUser adds or replaces tags on a user.
func (s *Service) TagUser(ctx context.Context, p *identity.Principal, in *TagUserInput) (*Empty, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	return s.changeUserTags(ctx, p, "TagUser", in.UserName, tagContext(in.Tags), func(u *userRec) error {
		tags := mergeTags(u.Tags, in.Tags)
		if len(tags) > maxTags {
			return limitExceeded("Cannot exceed quota for TagsPerEntity: %d.", maxTags)
		}
		u.Tags = tags
		return nil
	})
}

// UntagUserInput is UntagUser's request.
type UntagUserInput struct {
	UserName string   `query:"UserName,required"`
	TagKeys  []string `query:"TagKeys,required"`
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, p *identity.Principal, in *UntagUserInput) (*Empty, error) {
	return s.changeUserTags(ctx, p, "UntagUser", in.UserName, tagKeysContext(in.TagKeys), func(u *userRec) error {
		u.Tags = removeTags(u.Tags, in.TagKeys)
		return nil
	})
}

func (s *Service) changeUserTags(ctx context.Context, p *identity.Principal, action, name string, keys *policy.Context, fn func(*userRec) error) (*Empty, error) {
	u, err := getUser(ctx, s.st, name)
	if err != nil {
		return nil, err
	}
	arn := s.arn("user", "/", name)
	if u != nil {
		arn = u.ARN
	}
	if err := s.authorize(ctx, p, action, arn, keys); err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		u, err := storejson.Get[userRec](ctx, tx, nsUser, keyOf(name))
		if err != nil {
			return notFound(err, "The user with name %s cannot be found.", name)
		}
		if err := fn(u); err != nil {
			return err
		}
		return storejson.Put(ctx, tx, nsUser, keyOf(u.Name), u)
	})
}

// ListUserTagsInput is ListUserTags' request.
type ListUserTagsInput struct {
	UserName string `query:"UserName,required"`
	Marker   string `query:"Marker"`
	MaxItems int    `query:"MaxItems"`
}

// TagsOutput lists tags.
type TagsOutput struct {
	Tags []identity.Tag `xml:"Tags>member"`
	Page
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, p *identity.Principal, in *ListUserTagsInput) (*TagsOutput, error) {
	u, err := s.userTarget(ctx, p, "ListUserTags", in.UserName)
	if err != nil {
		return nil, err
	}
	return tagsPage(u.Tags, in.Marker, in.MaxItems)
}

func tagsPage(tags []identity.Tag, marker string, max int) (*TagsOutput, error) {
	items, trunc, next, err := page(append([]identity.Tag(nil), tags...), func(t identity.Tag) string { return t.Key }, marker, max)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []identity.Tag{}
	}
	return &TagsOutput{Tags: items, Page: Page{IsTruncated: trunc, Marker: next}}, nil
}
