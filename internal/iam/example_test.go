package iam_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/iam"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

// A user without policies is denied with AWS's message; a policy that allows changes that.
func ExampleService_Authorize() {
	ctx := context.Background()
	ring, _ := keyring.New(nil)
	svc := iam.New(memstore.New(nil), ring, "123456789012", nil)
	root := identity.NewRoot("123456789012", "AKIAROOTROOTROOTROOT")

	svc.CreateUser(ctx, root, &iam.CreateUserInput{UserName: "bob"})
	key, _ := svc.CreateAccessKey(ctx, root, &iam.CreateAccessKeyInput{UserName: "bob"})
	cred, _ := svc.Lookup(ctx, key.AccessKey.AccessKeyId, "")

	req := iam.AuthzRequest{Action: "s3:GetObject", Resource: "arn:aws:s3:::data/report.csv"}
	fmt.Println(svc.Authorize(ctx, cred.Principal, req))

	// What `aws iam put-user-policy` sends, through the query adapter.
	put := svc.Routes().Ops["PutUserPolicy"]
	_, err := put(ctx, &awsproto.Call{Principal: root}, url.Values{"UserName": {"bob"}, "PolicyName": {"read"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`}})
	fmt.Println(err, svc.Authorize(ctx, cred.Principal, req))
	// Output:
	// AccessDenied: User: arn:aws:iam::123456789012:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::data/report.csv because no identity-based policy allows the s3:GetObject action
	// <nil> <nil>
}
