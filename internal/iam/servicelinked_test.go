package iam

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCreateServiceLinkedRole(t *testing.T) {
	s := newTestService(t)
	allowLF := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*",` +
		`"Condition":{"StringEquals":{"iam:AWSServiceName":"lakeformation.amazonaws.com"}}}]}`
	admin := userPrincipal(t, s, "admin", allowLF)
	nobody := userPrincipal(t, s, "nobody")
	lf := &CreateServiceLinkedRoleInput{AWSServiceName: "lakeformation.amazonaws.com"}
	for _, c := range []struct {
		name string
		run  func() error
		want string
	}{
		{"unknown service", func() error {
			_, err := s.CreateServiceLinkedRole(ctx, root, &CreateServiceLinkedRoleInput{AWSServiceName: "elasticmapreduce.amazonaws.com"})
			return err
		}, "InvalidInput"},
		{"custom suffix", func() error {
			_, err := s.CreateServiceLinkedRole(ctx, root, &CreateServiceLinkedRoleInput{AWSServiceName: "lakeformation.amazonaws.com", CustomSuffix: "x"})
			return err
		}, "InvalidInput"},
		{"no permission", func() error { _, err := s.CreateServiceLinkedRole(ctx, nobody, lf); return err }, "AccessDenied"},
		{"allowed by the service-name condition", func() error { _, err := s.CreateServiceLinkedRole(ctx, admin, lf); return err }, ""},
		{"taken", func() error { _, err := s.CreateServiceLinkedRole(ctx, root, lf); return err }, "InvalidInput"},
	} {
		if got := code(c.run()); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	r, err := s.Role(ctx, "arn:aws:iam::123456789012:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{r.Name, r.Path, string(r.ARN), r.TrustPolicy}
	want := []string{"AWSServiceRoleForLakeFormationDataAccess", "/aws-service-role/lakeformation.amazonaws.com/",
		"arn:aws:iam::123456789012:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lakeformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("role (-want +got):\n%s", d)
	}
}
