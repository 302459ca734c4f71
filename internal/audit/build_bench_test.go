package audit

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/secret"
	"github.com/sluicehq/sluice/internal/sts"
)

// BenchmarkPrepareAssumeRole measures building and encoding one AssumeRole record (the part of
// Record that runs on the request's goroutine).
func BenchmarkPrepareAssumeRole(b *testing.B) {
	l := &Log{account: testAccount}
	c, info := call(sessP, awsproto.STS, "AssumeRole", time.Now())
	c.Input = &sts.AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/bench", RoleSessionName: "bench-session"}
	c.Output = &sts.AssumeRoleOutput{
		Credentials:     sts.Credentials{AccessKeyID: "ASIAEXAMPLEEXAMPLE00", SecretAccessKey: secret.New("x"), SessionToken: secret.New("y"), Expiration: time.Now()},
		AssumedRoleUser: sts.AssumedRoleUser{AssumedRoleID: "AROAEXAMPLE:bench-session", ARN: "arn:aws:sts::123456789012:assumed-role/bench/bench-session"},
	}
	c.Resources = []awsproto.Resource{{ARN: "arn:aws:iam::123456789012:role/bench", Type: "AWS::IAM::Role"}}
	const id = "00000000-0000-4000-8000-000000000000"
	b.ReportAllocs()
	for range b.N {
		if _, err := l.prepare(Build(c, 200, info, testAccount, id), info.Time); err != nil {
			b.Fatal(err)
		}
	}
}
