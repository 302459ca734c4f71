package audit_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/internal/audit"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

// A request's record is durable when Record returns; Verify proves the log intact offline with
// the key ring's public keys; Lookup finds records newest first.
func Example() {
	ctx := context.Background()
	st := memstore.New(nil)
	ring, _ := keyring.New(nil)
	log, _ := audit.Open(ctx, st, ring, "123456789012", &audit.Options{Chain: "c-example"})

	c := &awsproto.Call{RequestID: "req-1", Service: awsproto.STS, Operation: "GetCallerIdentity",
		Principal: identity.NewRoot("123456789012", "AKIAEXAMPLE")}
	info := &identity.RequestInfo{SourceIP: "192.0.2.1", UserAgent: "aws-cli/2", Time: time.Now(), Region: "us-east-1"}
	if err := log.Record(ctx, c, 200, info); err != nil {
		fmt.Println("fail the request closed:", err)
	}
	log.Close()

	rep, _ := audit.Verify(ctx, st, ring, nil)
	fmt.Println("ok:", rep.OK(), "records:", rep.Records)
	found, _, _ := audit.Lookup(ctx, st, audit.Query{Attr: audit.Username, Value: "root"})
	fmt.Println(found[0].Event.EventSource, found[0].Event.EventName, found[0].Event.UserIdentity.ARN)
	// Output:
	// ok: true records: 1
	// sts.amazonaws.com GetCallerIdentity arn:aws:iam::123456789012:root
}
