package iam

import (
	"context"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

func getGroup(ctx context.Context, r store.Reader, name string) (*groupRec, error) {
	g, err := storejson.Get[groupRec](ctx, r, nsGroup, keyOf(name))
	if isNotFound(err) {
		return nil, nil
	}
	return g, err
}

// groupTarget authorizes action on a group (see userTarget) and returns it.
func (s *Service) groupTarget(ctx context.Context, p *identity.Principal, action, name string) (*groupRec, error) {
	if err := checkName("groupName", name, groupNameRE); err != nil {
		return nil, err
	}
	g, err := getGroup(ctx, s.st, name)
	if err != nil {
		return nil, err
	}
	arn := s.arn("group", "/", name)
	if g != nil {
		arn = g.ARN
	}
	if err := s.authorize(ctx, p, action, arn, nil); err != nil {
		return nil, err
	}
	if g == nil {
		return nil, noSuchEntity("The group with name %s cannot be found.", name)
	}
	return g, nil
}

// CreateGroupInput is CreateGroup's request.
type CreateGroupInput struct {
	GroupName string `query:"GroupName,required"`
	Path      string `query:"Path"`
}

// GroupOutput is CreateGroup's response.
type GroupOutput struct {
	Group *Group
}

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, p *identity.Principal, in *CreateGroupInput) (*GroupOutput, error) {
	if err := checkName("groupName", in.GroupName, groupNameRE); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	arn := s.arn("group", path, in.GroupName)
	if err := s.authorize(ctx, p, "CreateGroup", arn, nil); err != nil {
		return nil, err
	}
	id, err := s.newID("AGPA")
	if err != nil {
		return nil, err
	}
	g := &groupRec{Name: in.GroupName, Path: path, ID: id, ARN: arn, Created: s.stamp()}
	err = s.update(ctx, func(tx store.Tx) error {
		err := createJSON(ctx, tx, nsGroup, keyOf(g.Name), g)
		if store.KindOf(err) == store.Exists {
			return alreadyExists("Group with name %s already exists.", in.GroupName)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GroupOutput{Group: groupOut(g)}, nil
}

// GetGroupInput is GetGroup's request.
type GetGroupInput struct {
	GroupName string `query:"GroupName,required"`
	Marker    string `query:"Marker"`
	MaxItems  int    `query:"MaxItems"`
}

// GetGroupOutput is GetGroup's response: the group and its users.
type GetGroupOutput struct {
	Group *Group
	Users []*User `xml:"Users>member"`
	Page
}

// GetGroup returns a group and its members.
func (s *Service) GetGroup(ctx context.Context, p *identity.Principal, in *GetGroupInput) (*GetGroupOutput, error) {
	g, err := s.groupTarget(ctx, p, "GetGroup", in.GroupName)
	if err != nil {
		return nil, err
	}
	var users []*userRec
	for _, m := range g.Members {
		u, err := getUser(ctx, s.st, m)
		if err != nil {
			return nil, err
		}
		if u != nil {
			users = append(users, u)
		}
	}
	items, trunc, next, err := page(users, func(u *userRec) string { return keyOf(u.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &GetGroupOutput{Group: groupOut(g), Users: []*User{}, Page: Page{IsTruncated: trunc, Marker: next}}
	for _, u := range items {
		o := s.userOut(u)
		o.Tags, o.PermissionsBoundary = nil, nil
		out.Users = append(out.Users, o)
	}
	return out, nil
}

// ListGroupsInput is ListGroups' request.
type ListGroupsInput struct {
	PathPrefix string `query:"PathPrefix"`
	Marker     string `query:"Marker"`
	MaxItems   int    `query:"MaxItems"`
}

// ListGroupsOutput is the response of ListGroups and ListGroupsForUser.
type ListGroupsOutput struct {
	Groups []*Group `xml:"Groups>member"`
	Page
}

func groupsPage(gs []*groupRec, marker string, max int) (*ListGroupsOutput, error) {
	items, trunc, next, err := page(gs, func(g *groupRec) string { return keyOf(g.Name) }, marker, max)
	if err != nil {
		return nil, err
	}
	out := &ListGroupsOutput{Groups: []*Group{}, Page: Page{IsTruncated: trunc, Marker: next}}
	for _, g := range items {
		out.Groups = append(out.Groups, groupOut(g))
	}
	return out, nil
}

// ListGroups lists groups.
func (s *Service) ListGroups(ctx context.Context, p *identity.Principal, in *ListGroupsInput) (*ListGroupsOutput, error) {
	if err := s.authorize(ctx, p, "ListGroups", "*", nil); err != nil {
		return nil, err
	}
	all, err := listJSON[groupRec](ctx, s.st, nsGroup)
	if err != nil {
		return nil, err
	}
	return groupsPage(filterPath(all, in.PathPrefix, func(g *groupRec) string { return g.Path }), in.Marker, in.MaxItems)
}

// ListGroupsForUserInput is ListGroupsForUser's request.
type ListGroupsForUserInput struct {
	UserName string `query:"UserName,required"`
	Marker   string `query:"Marker"`
	MaxItems int    `query:"MaxItems"`
}

// ListGroupsForUser lists the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, p *identity.Principal, in *ListGroupsForUserInput) (*ListGroupsOutput, error) {
	u, err := s.userTarget(ctx, p, "ListGroupsForUser", in.UserName)
	if err != nil {
		return nil, err
	}
	var gs []*groupRec
	for _, name := range u.Groups {
		g, err := getGroup(ctx, s.st, name)
		if err != nil {
			return nil, err
		}
		if g != nil {
			gs = append(gs, g)
		}
	}
	return groupsPage(gs, in.Marker, in.MaxItems)
}

// DeleteGroupInput is DeleteGroup's request.
type DeleteGroupInput struct {
	GroupName string `query:"GroupName,required"`
}

// DeleteGroup deletes a group without members or policies.
func (s *Service) DeleteGroup(ctx context.Context, p *identity.Principal, in *DeleteGroupInput) (*Empty, error) {
	if _, err := s.groupTarget(ctx, p, "DeleteGroup", in.GroupName); err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		g, err := storejson.Get[groupRec](ctx, tx, nsGroup, keyOf(in.GroupName))
		if err != nil {
			return notFound(err, "The group with name %s cannot be found.", in.GroupName)
		}
		if len(g.Members) > 0 || len(g.Inline) > 0 || len(g.Attached) > 0 {
			return deleteConflict("Cannot delete entity, must remove users and policies from group first.")
		}
		return tx.Delete(ctx, nsGroup, keyOf(g.Name))
	})
}

// GroupMembershipInput is the request of AddUserToGroup and RemoveUserFromGroup.
type GroupMembershipInput struct {
	GroupName string `query:"GroupName,required"`
	UserName  string `query:"UserName,required"`
}

// AddUserToGroup adds a user to a group (idempotent).
func (s *Service) AddUserToGroup(ctx context.Context, p *identity.Principal, in *GroupMembershipInput) (*Empty, error) {
	return s.membership(ctx, p, "AddUserToGroup", in, true)
}

// RemoveUserFromGroup removes a user from a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, p *identity.Principal, in *GroupMembershipInput) (*Empty, error) {
	return s.membership(ctx, p, "RemoveUserFromGroup", in, false)
}

func (s *Service) membership(ctx context.Context, p *identity.Principal, action string, in *GroupMembershipInput, add bool) (*Empty, error) {
	if _, err := s.groupTarget(ctx, p, action, in.GroupName); err != nil {
		return nil, err
	}
	if err := checkName("userName", in.UserName, entityNameRE); err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		g, err := storejson.Get[groupRec](ctx, tx, nsGroup, keyOf(in.GroupName))
		if err != nil {
			return notFound(err, "The group with name %s cannot be found.", in.GroupName)
		}
		u, err := storejson.Get[userRec](ctx, tx, nsUser, keyOf(in.UserName))
		if err != nil {
			return notFound(err, "The user with name %s cannot be found.", in.UserName)
		}
		member := containsFold(u.Groups, g.Name)
		switch {
		case add && member:
			return nil
		case add:
			if len(u.Groups) >= maxGroupsPerUser {
				return limitExceeded("Cannot exceed quota for GroupsPerUser: %d", maxGroupsPerUser)
			}
			u.Groups = append(u.Groups, g.Name)
			g.Members = append(g.Members, u.Name)
		case !member:
			return noSuchEntity("The user with name %s cannot be found in group %s.", in.UserName, in.GroupName)
		default:
			u.Groups = removeFold(u.Groups, g.Name)
			g.Members = removeFold(g.Members, u.Name)
		}
		if err := storejson.Put(ctx, tx, nsGroup, keyOf(g.Name), g); err != nil {
			return err
		}
		return storejson.Put(ctx, tx, nsUser, keyOf(u.Name), u)
	})
}

func removeFold(list []string, v string) []string {
	var out []string
	for _, x := range list {
		if !equalFold(x, v) {
			out = append(out, x)
		}
	}
	return out
}
