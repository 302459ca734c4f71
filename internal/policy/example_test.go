package policy_test

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/policy"
)

func Example() {
	doc := []byte(`{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Effect": "Allow",
	    "Action": "s3:GetObject",
	    "Resource": "arn:aws:s3:::home/${aws:username}/*"
	  }]
	}`)
	p, err := policy.Parse(doc, policy.Identity)
	if err != nil {
		panic(err)
	}
	p.Name = "arn:aws:iam::123456789012:policy/home"

	ctx := policy.NewContext()
	ctx.Set("aws:username", "bob")
	set := &policy.Set{Identity: []*policy.Policy{p}}
	bob := policy.Principal{ARN: "arn:aws:iam::123456789012:user/bob", Account: "123456789012"}

	for _, res := range []string{"arn:aws:s3:::home/bob/notes.txt", "arn:aws:s3:::home/alice/notes.txt"} {
		r := policy.Evaluate(set, &policy.Request{Action: "s3:GetObject", Resource: res, Principal: bob, Context: ctx})
		fmt.Println(r.Decision, r.Statements)
		if r.Decision != policy.Allow {
			fmt.Println(r.Message(bob.ARN, "s3:GetObject", res))
		}
	}
	// Output:
	// Allow [{arn:aws:iam::123456789012:policy/home 0 }]
	// ImplicitDeny []
	// User: arn:aws:iam::123456789012:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::home/alice/notes.txt because no identity-based policy allows the s3:GetObject action
}

func ExampleParse_error() {
	_, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqual":{"aws:username":"bob"}}}]}`), policy.Identity)
	fmt.Println(err)
	// Output:
	// MalformedPolicyDocument: Statement[0].Condition: unknown operator "StringEqual"
}
