package interop

import (
	"strings"
	"testing"
)

// TestLakeFormationDenialDecodes: a Lake Formation refusal (GrantPermissions without the grant
// option) ends its message with "Encoded authorization failure message: …", which the aws CLI's
// sts decode-authorization-message turns back into the decision. Also through the CLI: LF-tags
// listed per the caller's DESCRIBE grants, and register-resource --use-service-linked-role
// creating the service-linked role.
func TestLakeFormationDenialDecodes(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	d := startSluice(t)
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	awsJSON(t, cli, root, ep, "glue", "create-database", "--database-input", `{"Name":"lfdeny"}`)
	awsJSON(t, cli, root, ep, "glue", "create-table", "--database-name", "lfdeny", "--table-input", glueFile(t, dir, "table.json", s0TableJSON))
	id, secret := newUser(t, cli, ep, dir, "analyst",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lakeformation:*","glue:*"],"Resource":"*"}]}`)
	analyst := keyEnv(ep, id, secret, "")

	// IAM_ALLOWED_PRINCIPALS holds ALL on the new table, but not the grant option, and the
	// analyst holds nothing of its own.
	r := run(t, analyst, cli, "--endpoint-url", ep, "lakeformation", "grant-permissions",
		"--principal", "DataLakePrincipalIdentifier=arn:aws:iam::"+account+":role/other",
		"--resource", `{"Table":{"DatabaseName":"lfdeny","Name":"dummy_data"}}`, "--permissions", "SELECT")
	const prefix = "Encoded authorization failure message: "
	i := strings.Index(r.stderr, prefix)
	if r.err == nil || !strings.Contains(r.stderr, "(AccessDeniedException)") || i < 0 {
		t.Fatalf("grant without grant option: err=%v stderr=%s", r.err, r.stderr)
	}
	blob := strings.Fields(r.stderr[i+len(prefix):])[0]

	awsFails(t, cli, analyst, ep, "AccessDenied", "sts", "decode-authorization-message", "--encoded-message", blob)
	msg := awsJSON(t, cli, root, ep, "sts", "decode-authorization-message", "--encoded-message", blob)["DecodedMessage"].(string)
	for _, want := range []string{`"action":"lakeformation:GrantPermissions"`, `"resource":"arn:aws:glue:us-east-1:` + account + `:table/lfdeny/dummy_data"`,
		`"arn":"arn:aws:iam::` + account + `:user/analyst"`, `"reason":"no Lake Formation grant option"`, `"lakeformation:grantee"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("decoded message lacks %s: %s", want, msg)
		}
	}

	// LF-tags: the analyst sees only the values it holds DESCRIBE on.
	awsJSON(t, cli, root, ep, "lakeformation", "create-lf-tag", "--tag-key", "level", "--tag-values", "public", "secret")
	awsJSON(t, cli, root, ep, "lakeformation", "create-lf-tag", "--tag-key", "team", "--tag-values", "hr")
	if n := len(awsJSON(t, cli, analyst, ep, "lakeformation", "list-lf-tags")["LFTags"].([]any)); n != 0 {
		t.Errorf("analyst sees %d tags before any grant", n)
	}
	awsJSON(t, cli, root, ep, "lakeformation", "grant-permissions", "--principal", "DataLakePrincipalIdentifier=arn:aws:iam::"+account+":user/analyst",
		"--resource", `{"LFTag":{"TagKey":"level","TagValues":["public"]}}`, "--permissions", "DESCRIBE")
	tags := awsJSON(t, cli, analyst, ep, "lakeformation", "list-lf-tags")["LFTags"].([]any)
	if got := mustJSON(tags); len(tags) != 1 || !strings.Contains(got, `"TagKey":"level"`) || !strings.Contains(got, `"TagValues":["public"]`) {
		t.Errorf("analyst's tags: %s", got)
	}
	awsFails(t, cli, analyst, ep, "EntityNotFoundException", "lakeformation", "get-lf-tag", "--tag-key", "team")

	// The service-linked role.
	awsJSON(t, cli, root, ep, "lakeformation", "register-resource", "--resource-arn", "arn:aws:s3:::sluice-lake", "--use-service-linked-role")
	role := awsJSON(t, cli, root, ep, "iam", "get-role", "--role-name", "AWSServiceRoleForLakeFormationDataAccess")["Role"].(map[string]any)
	if role["Path"] != "/aws-service-role/lakeformation.amazonaws.com/" {
		t.Errorf("service-linked role: %v", role)
	}
	pol := awsJSON(t, cli, root, ep, "iam", "get-role-policy", "--role-name", "AWSServiceRoleForLakeFormationDataAccess", "--policy-name", "LakeFormationDataAccessPolicyForS3")
	if !strings.Contains(mustJSON(pol["PolicyDocument"]), "arn:aws:s3:::sluice-lake/*") {
		t.Errorf("service-linked role policy: %v", pol)
	}

	// Deleting it: refused (the task fails, naming the location) while a location uses it.
	const slr = "AWSServiceRoleForLakeFormationDataAccess"
	task := awsJSON(t, cli, root, ep, "iam", "delete-service-linked-role", "--role-name", slr)["DeletionTaskId"].(string)
	st := awsJSON(t, cli, root, ep, "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", task)
	if got := mustJSON(st); st["Status"] != "FAILED" || !strings.Contains(got, `"Resources":["arn:aws:s3:::sluice-lake"]`) {
		t.Errorf("deletion of the role in use: %s", got)
	}
	awsJSON(t, cli, root, ep, "iam", "get-role", "--role-name", slr)
	awsFails(t, cli, analyst, ep, "AccessDenied", "iam", "delete-service-linked-role", "--role-name", slr)
	awsJSON(t, cli, root, ep, "lakeformation", "deregister-resource", "--resource-arn", "arn:aws:s3:::sluice-lake")
	task = awsJSON(t, cli, root, ep, "iam", "delete-service-linked-role", "--role-name", slr)["DeletionTaskId"].(string)
	if st := awsJSON(t, cli, root, ep, "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", task); st["Status"] != "SUCCEEDED" {
		t.Errorf("deletion of the unused role: %v", st)
	}
	awsFails(t, cli, root, ep, "NoSuchEntity", "iam", "get-role", "--role-name", slr)
}
