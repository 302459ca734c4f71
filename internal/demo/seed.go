package demo

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sluicehq/sluice/internal/secret"
	"github.com/sluicehq/sluice/internal/tpcgen"
)

// Names in the demo lake.
const (
	DataBucket    = "tpc-lake"
	ScratchBucket = "notebook-scratch"
	Database      = "tpc"
	// SalesRegion is the one state the sales role sees (its data cells filter).
	SalesRegion = "CA"
	// EngineTag and NotebookTag are the LakeFormationAuthorizedCaller values Lake Formation
	// trusts: the shared engine's (story S1) and the notebook's (story S0).
	EngineTag   = "Amazon EMR"
	NotebookTag = "sagemaker-notebook"
	tagKey      = "LakeFormationAuthorizedCaller"
)

// The tables, with the generator table behind each and its file.
var lakeTables = []struct {
	name   string
	gen    tpcgen.TableName
	key    string
	format string
}{
	{"dl_tpc_customer", tpcgen.Customer, "customer/part-0.csv", "CSV with a header line"},
	{"dl_tpc_customer_address", tpcgen.CustomerAddress, "customer_address/part-0.json", "JSON lines"},
	{"dl_tpc_item", tpcgen.Item, "item/part-0.csv.gz", "gzip CSV"},
	{"dl_tpc_web_sales", tpcgen.WebSales, "web_sales/part-0.parquet", "Parquet"},
}

// SensitiveColumns are the customer columns the marketing role may not see.
var SensitiveColumns = []string{"c_first_name", "c_last_name", "c_email_address"}

// Options tunes Seed; nil = defaults.
type Options struct {
	// Region is the region the clients sign for (default us-east-1).
	Region string
	// Rows is the number of web sales (default 5000); there are a tenth as many customers and
	// addresses and a twenty-fifth as many items.
	Rows int
	// Seed seeds the data generator.
	Seed uint64
	// HTTPClient makes the calls (default http.DefaultClient).
	HTTPClient *http.Client
	// Now is the signing clock (default time.Now).
	Now func() time.Time
}

// seeder holds the clients of one Seed call.
type seeder struct {
	ep, region, account string
	now                 func() time.Time
	hc                  *http.Client
	admin               aws.Credentials
	iam                 *iam.Client
	s3                  *s3.Client
	cat                 *jsonCaller
}

// Seed builds the demo lake in the Sluice at endpoint with the account's root (or another
// administrator's) credentials, through the public APIs only: IAM, STS and S3 with
// aws-sdk-go-v2, Glue and Lake Formation with signed JSON calls. It returns the lake with the
// personas' keys. Seed is not idempotent: run it once on an empty Sluice.
func Seed(ctx context.Context, endpoint string, admin aws.Credentials, opts *Options) (*Lake, error) {
	s := &seeder{ep: strings.TrimSuffix(endpoint, "/"), region: "us-east-1", now: time.Now, hc: http.DefaultClient, admin: admin}
	rows := 5000
	var seed uint64
	if opts != nil {
		if opts.Region != "" {
			s.region = opts.Region
		}
		if opts.Rows > 0 {
			rows = opts.Rows
		}
		seed = opts.Seed
		if opts.HTTPClient != nil {
			s.hc = opts.HTTPClient
		}
		if opts.Now != nil {
			s.now = opts.Now
		}
	}
	cfg := s.config(admin)
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("demo: who am I: %w", err)
	}
	s.account = aws.ToString(id.Account)
	s.iam = iam.NewFromConfig(cfg)
	s.s3 = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	s.cat = s.caller(admin)

	l := &Lake{Account: s.account, Region: s.region, Buckets: []string{DataBucket, ScratchBucket}, Database: Database, Rows: rows}
	if err := s.identities(ctx, l); err != nil {
		return nil, err
	}
	if err := s.data(ctx, l, tpcgen.New(&tpcgen.Options{Seed: seed, Sales: rows, Customers: max(rows/10, 10), Items: max(rows/25, 8)})); err != nil {
		return nil, err
	}
	if err := s.catalog(ctx); err != nil {
		return nil, err
	}
	if err := s.grants(ctx, l); err != nil {
		return nil, err
	}
	return l, nil
}

func (s *seeder) config(c aws.Credentials) aws.Config {
	return aws.Config{
		Region: s.region, BaseEndpoint: aws.String(s.ep), HTTPClient: s.hc, RetryMaxAttempts: 1,
		Credentials: credentials.StaticCredentialsProvider{Value: c},
	}
}

func (s *seeder) caller(c aws.Credentials) *jsonCaller {
	return &jsonCaller{endpoint: s.ep, region: s.region, creds: c, client: s.hc, now: s.now}
}

func (s *seeder) arn(kind, name string) string {
	return "arn:aws:iam::" + s.account + ":" + kind + "/" + name
}

// policy builds a policy document from statements written as JSON objects.
func policy(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

func quoteAll(vs ...string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = `"` + v + `"`
	}
	return "[" + strings.Join(q, ",") + "]"
}

const catalogReads = `"glue:GetDatabase","glue:GetDatabases","glue:GetTable","glue:GetTables","glue:GetPartition","glue:GetPartitions"`

func (s *seeder) role(ctx context.Context, name, trust string, policies map[string]string) error {
	if _, err := s.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		return fmt.Errorf("demo: create role %s: %w", name, err)
	}
	for pn, doc := range policies {
		if _, err := s.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(pn), PolicyDocument: aws.String(doc)}); err != nil {
			return fmt.Errorf("demo: policy %s of role %s: %w", pn, name, err)
		}
	}
	return nil
}

func (s *seeder) user(ctx context.Context, name, doc string) (string, secret.Value, error) {
	if _, err := s.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		return "", secret.Value{}, fmt.Errorf("demo: create user %s: %w", name, err)
	}
	if _, err := s.iam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("demo"), PolicyDocument: aws.String(doc)}); err != nil {
		return "", secret.Value{}, fmt.Errorf("demo: policy of user %s: %w", name, err)
	}
	k, err := s.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		return "", secret.Value{}, fmt.Errorf("demo: access key of user %s: %w", name, err)
	}
	return aws.ToString(k.AccessKey.AccessKeyId), secret.New(aws.ToString(k.AccessKey.SecretAccessKey)), nil
}

// identities creates the roles and users of stories S0 and S1, and the personas.
func (s *seeder) identities(ctx context.Context, l *Lake) error {
	root := "arn:aws:iam::" + s.account + ":root"
	appARN, execARN := s.arn("role", "sagemaker-app-role"), s.arn("role", "sagemaker-exec-role")
	engineARN := s.arn("role", "emr-instance-profile-role")
	dataRole := func(r string) string { return s.arn("role", r+"-data-access-role") }
	tagLike := func(v string) string {
		return `"Condition":{"StringLike":{"aws:RequestTag/` + tagKey + `":"` + v + `"}}`
	}

	// Lake Formation's location role: the sessions it vends read the data bucket.
	if err := s.role(ctx, "lf-data-access", policy(`{"Effect":"Allow","Principal":{"Service":"lakeformation.amazonaws.com"},"Action":"sts:AssumeRole"}`),
		map[string]string{"s3": policy(`{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::` + DataBucket + `","arn:aws:s3:::` + DataBucket + `/*"]}`)}); err != nil {
		return err
	}
	// S0's application role: no S3 access of its own; the account may assume it and tag the
	// session, and (once it exists) the role itself may tag with the notebook's value.
	appTrust := `{"Effect":"Allow","Principal":{"AWS":"` + root + `"},"Action":["sts:AssumeRole","sts:TagSession"]}`
	if err := s.role(ctx, "sagemaker-app-role", policy(appTrust), map[string]string{
		"lf": policy(`{"Effect":"Allow","Action":["lakeformation:GetDataAccess",` + catalogReads + `,"glue:CreateDatabase","glue:GetUserDefinedFunction","glue:GetUserDefinedFunctions"],"Resource":"*"}`),
	}); err != nil {
		return err
	}
	if _, err := s.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("sagemaker-app-role"), PolicyDocument: aws.String(policy(appTrust,
		`{"Effect":"Allow","Principal":{"AWS":"`+appARN+`"},"Action":"sts:TagSession",`+tagLike(NotebookTag)+`}`))}); err != nil {
		return fmt.Errorf("demo: app role trust: %w", err)
	}
	// S0's execution role: a data-lake admin, assumable only with the notebook's tag.
	if err := s.role(ctx, "sagemaker-exec-role", policy(
		`{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}`,
		`{"Effect":"Allow","Principal":{"AWS":"`+root+`"},"Action":["sts:AssumeRole","sts:TagSession"],`+tagLike(NotebookTag)+`}`,
		`{"Effect":"Allow","Principal":{"AWS":"`+appARN+`"},"Action":"sts:TagSession",`+tagLike(NotebookTag)+`}`),
		map[string]string{
			"lf": policy(`{"Effect":"Allow","Action":["lakeformation:GetDataAccess","lakeformation:GetDataLakeSettings","lakeformation:GrantPermissions",` + catalogReads +
				`,"glue:CreateTable","glue:CreateDatabase","glue:GetUserDefinedFunction","glue:GetUserDefinedFunctions"],"Resource":"*"}`),
			"assume-app": policy(`{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"` + appARN + `"}`),
			"sagemaker-stand-in": policy(`{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::`+ScratchBucket+`","arn:aws:s3:::`+ScratchBucket+`/*"]}`,
				`{"Effect":"Allow","Action":"lakeformation:PutDataLakeSettings","Resource":"*"}`),
		}); err != nil {
		return err
	}
	// S1's engine (the instance-profile role) and the three roles it assumes for its users.
	if err := s.role(ctx, "emr-instance-profile-role", policy(
		`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`,
		`{"Effect":"Allow","Principal":{"AWS":"`+root+`"},"Action":"sts:AssumeRole"}`),
		map[string]string{"assume-data-roles": policy(`{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"` + s.arn("role", "*-data-access-role") + `"}`)}); err != nil {
		return err
	}
	for _, r := range []string{"marketing", "sales", "electronics"} {
		if err := s.role(ctx, r+"-data-access-role", policy(`{"Effect":"Allow","Principal":{"AWS":["`+engineARN+`","`+root+`"]},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}`),
			map[string]string{"data": policy(`{"Effect":"Allow","Action":[` + catalogReads + `,"lakeformation:GetDataAccess"],"Resource":"*"}`)}); err != nil {
			return err
		}
	}

	// The users. David may choose only the marketing role, Tina sales and electronics; their
	// policies carry the seed's AllowEMRRuntimeRole statement verbatim beside the sts:AssumeRole
	// statement that Sluice enforces.
	userPolicy := func(roles ...string) string {
		var arns []string
		for _, r := range roles {
			arns = append(arns, dataRole(r))
		}
		return policy(`{"Sid":"AllowEMRRuntimeRole","Effect":"Allow","Action":"elasticmapreduce:GetClusterSessionCredentials","Resource":"*",
		  "Condition":{"StringLike":{"elasticmapreduce:ExecutionRoleArn":`+quoteAll(arns...)+`}}}`,
			`{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":`+quoteAll(arns...)+`}`)
	}
	tags := func(v string) map[string]string { return map[string]string{tagKey: v} }
	personas := []struct {
		p   Persona
		doc string
	}{
		{Persona{Name: Admin, Description: "demo-admin, a data-lake admin with every IAM permission", User: "demo-admin"},
			policy(`{"Effect":"Allow","Action":"*","Resource":"*"}`)},
		{Persona{Name: Notebook, Description: "the notebook's execution role (story S0), a data-lake admin", User: "notebook-user",
			RoleARN: execARN, SessionName: "SageMaker", Tags: tags(NotebookTag)},
			policy(`{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":` + quoteAll(execARN, appARN) + `}`)},
		{Persona{Name: Engine, Description: "the shared engine (story S1): may assume the three data-access roles", User: "emr-engine",
			RoleARN: engineARN, SessionName: "emr-engine", Untagged: true},
			policy(`{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + engineARN + `"}`)},
		{Persona{Name: David, Description: "David as marketing: customers without names or emails, no addresses", User: "david-non-sensitive-customer",
			RoleARN: dataRole("marketing"), SessionName: "david-non-sensitive-customer", SourceIdentity: "david-non-sensitive-customer", Tags: tags(EngineTag), Untagged: true},
			userPolicy("marketing")},
		{Persona{Name: TinaSales, Description: "Tina as sales: web sales of " + SalesRegion + " only", User: "tina-sales-electronics",
			RoleARN: dataRole("sales"), SessionName: "tina-sales-electronics", SourceIdentity: "tina-sales-electronics", Tags: tags(EngineTag), Untagged: true},
			userPolicy("sales", "electronics")},
	}
	for _, x := range personas {
		p := x.p
		var err error
		if p.AccessKeyID, p.SecretAccessKey, err = s.user(ctx, p.User, x.doc); err != nil {
			return err
		}
		l.Personas = append(l.Personas, p)
		switch p.Name {
		case Notebook: // the application role, from the same user
			l.Personas = append(l.Personas, Persona{Name: NotebookApp, Description: "the notebook's application role (story S0): no S3 access of its own",
				User: p.User, AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey,
				RoleARN: appARN, SessionName: "notebook-app", Tags: tags(NotebookTag), Untagged: true})
		case TinaSales: // Tina switches roles with the same key
			l.Personas = append(l.Personas, Persona{Name: TinaElectronics, Description: "Tina as electronics: Electronics items only",
				User: p.User, AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey,
				RoleARN: dataRole("electronics"), SessionName: "tina-sales-electronics", SourceIdentity: "tina-sales-electronics", Tags: tags(EngineTag), Untagged: true})
		}
	}
	return nil
}

// data creates the buckets and uploads the generated tables.
func (s *seeder) data(ctx context.Context, l *Lake, g *tpcgen.Generator) error {
	for _, b := range l.Buckets {
		if _, err := s.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			return fmt.Errorf("demo: create bucket %s: %w", b, err)
		}
	}
	for _, t := range lakeTables {
		var buf bytes.Buffer
		var err error
		switch {
		case strings.HasSuffix(t.key, ".csv"):
			err = g.WriteCSV(&buf, t.gen, true)
		case strings.HasSuffix(t.key, ".csv.gz"):
			zw := gzip.NewWriter(&buf)
			if err = g.WriteCSV(zw, t.gen, false); err == nil {
				err = zw.Close()
			}
		case strings.HasSuffix(t.key, ".json"):
			err = g.WriteJSONL(&buf, t.gen)
		default:
			err = g.WriteParquet(&buf, t.gen, nil)
		}
		if err != nil {
			return fmt.Errorf("demo: generating %s: %w", t.name, err)
		}
		if _, err := s.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(DataBucket), Key: aws.String(t.key), Body: bytes.NewReader(buf.Bytes())}); err != nil {
			return fmt.Errorf("demo: upload %s: %w", t.key, err)
		}
		l.Tables = append(l.Tables, Table{Name: t.name, Location: "s3://" + DataBucket + "/" + t.key[:strings.IndexByte(t.key, '/')+1], Format: t.format})
	}
	return nil
}

type principal struct {
	DataLakePrincipalIdentifier string
}

// catalog puts Lake Formation in charge (settings, location) and creates the database and
// tables.
func (s *seeder) catalog(ctx context.Context) error {
	settings := map[string]any{"DataLakeSettings": map[string]any{
		"DataLakeAdmins":                   []principal{{s.arn("role", "sagemaker-exec-role")}, {s.arn("user", "demo-admin")}},
		"CreateDatabaseDefaultPermissions": []any{},
		"CreateTableDefaultPermissions":    []any{},
		"AllowExternalDataFiltering":       true,
		"ExternalDataFilteringAllowList":   []principal{{s.account}},
		"AuthorizedSessionTagValueList":    []string{EngineTag, NotebookTag},
	}}
	if err := s.cat.lf(ctx, "PutDataLakeSettings", settings, nil); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := s.cat.lf(ctx, "RegisterResource", map[string]any{"ResourceArn": "arn:aws:s3:::" + DataBucket, "RoleArn": s.arn("role", "lf-data-access")}, nil); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := s.cat.glue(ctx, "CreateDatabase", map[string]any{"DatabaseInput": map[string]any{
		"Name": Database, "Description": "TPC-like tables of story S1", "LocationUri": "s3://" + DataBucket + "/"}}, nil); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, t := range lakeTables {
		var cols []map[string]string
		for _, c := range tpcgen.Schema(t.gen) {
			cols = append(cols, map[string]string{"Name": c.Name, "Type": c.Type.Hive()})
		}
		loc := "s3://" + DataBucket + "/" + t.key[:strings.IndexByte(t.key, '/')+1]
		params := map[string]string{}
		sd := map[string]any{"Location": loc, "Columns": cols}
		switch {
		case strings.HasSuffix(t.key, ".csv"):
			params = map[string]string{"classification": "csv", "skip.header.line.count": "1"}
			sd["SerdeInfo"] = map[string]any{"SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde", "Parameters": map[string]string{"separatorChar": ",", "quoteChar": `"`}}
		case strings.HasSuffix(t.key, ".csv.gz"):
			params = map[string]string{"classification": "csv", "compressionType": "gzip"}
			sd["SerdeInfo"] = map[string]any{"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", "Parameters": map[string]string{"field.delim": ","}}
		case strings.HasSuffix(t.key, ".json"):
			params = map[string]string{"classification": "json"}
			sd["SerdeInfo"] = map[string]any{"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"}
		default:
			params = map[string]string{"classification": "parquet"}
			sd["SerdeInfo"] = map[string]any{"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}
		}
		in := map[string]any{"DatabaseName": Database, "TableInput": map[string]any{
			"Name": t.name, "TableType": "EXTERNAL_TABLE", "Parameters": params, "StorageDescriptor": sd}}
		if err := s.cat.glue(ctx, "CreateTable", in, nil); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// grants tags the tables and gives each role its slice of the lake.
func (s *seeder) grants(ctx context.Context, l *Lake) error {
	lf := func(op string, in map[string]any) error {
		if err := s.cat.lf(ctx, op, in, nil); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		return nil
	}
	table := func(name string) map[string]any {
		return map[string]any{"Table": map[string]any{"DatabaseName": Database, "Name": name}}
	}
	// LF-Tags: the domain of each table, and the sensitive customer columns.
	if err := lf("CreateLFTag", map[string]any{"TagKey": "domain", "TagValues": []string{"sales", "marketing", "electronics"}}); err != nil {
		return err
	}
	if err := lf("CreateLFTag", map[string]any{"TagKey": "sensitivity", "TagValues": []string{"pii", "public"}}); err != nil {
		return err
	}
	for name, domain := range map[string]string{"dl_tpc_customer": "marketing", "dl_tpc_customer_address": "marketing", "dl_tpc_web_sales": "sales", "dl_tpc_item": "electronics"} {
		if err := lf("AddLFTagsToResource", map[string]any{"Resource": table(name), "LFTags": []map[string]any{{"TagKey": "domain", "TagValues": []string{domain}}}}); err != nil {
			return err
		}
	}
	if err := lf("AddLFTagsToResource", map[string]any{
		"Resource": map[string]any{"TableWithColumns": map[string]any{"DatabaseName": Database, "Name": "dl_tpc_customer", "ColumnNames": SensitiveColumns}},
		"LFTags":   []map[string]any{{"TagKey": "sensitivity", "TagValues": []string{"pii"}}}}); err != nil {
		return err
	}

	grant := func(role string, resource map[string]any) error {
		return lf("GrantPermissions", map[string]any{"Principal": principal{s.arn("role", role)}, "Permissions": []string{"SELECT"}, "Resource": resource})
	}
	filter := func(tableName, name, expr string) error {
		return lf("CreateDataCellsFilter", map[string]any{"TableData": map[string]any{
			"TableCatalogId": s.account, "DatabaseName": Database, "TableName": tableName, "Name": name,
			"RowFilter": map[string]any{"FilterExpression": expr}, "ColumnWildcard": map[string]any{"ExcludedColumnNames": []string{}}}})
	}
	filterResource := func(tableName, name string) map[string]any {
		return map[string]any{"DataCellsFilter": map[string]any{"TableCatalogId": s.account, "DatabaseName": Database, "TableName": tableName, "Name": name}}
	}
	// marketing: customers without the sensitive columns; nothing on addresses.
	if err := grant("marketing-data-access-role", map[string]any{"TableWithColumns": map[string]any{
		"DatabaseName": Database, "Name": "dl_tpc_customer", "ColumnWildcard": map[string]any{"ExcludedColumnNames": SensitiveColumns}}}); err != nil {
		return err
	}
	// sales: web sales of one region.
	if err := filter("dl_tpc_web_sales", "sales_region", "ws_state = '"+SalesRegion+"'"); err != nil {
		return err
	}
	if err := grant("sales-data-access-role", filterResource("dl_tpc_web_sales", "sales_region")); err != nil {
		return err
	}
	// electronics: items of the electronics category.
	if err := filter("dl_tpc_item", "electronics_only", "i_category = 'Electronics'"); err != nil {
		return err
	}
	if err := grant("electronics-data-access-role", filterResource("dl_tpc_item", "electronics_only")); err != nil {
		return err
	}

	// Story S0: the notebook's execution role, a data-lake admin, grants its application role
	// SELECT on some columns — as itself, through its own tagged session.
	nb, _ := l.Persona(Notebook)
	exec, err := nb.Credentials(ctx, s.ep, s.region, 0)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := s.caller(exec).lf(ctx, "GrantPermissions", map[string]any{
		"Principal": principal{s.arn("role", "sagemaker-app-role")}, "Permissions": []string{"SELECT"},
		"Resource": map[string]any{"TableWithColumns": map[string]any{"DatabaseName": Database, "Name": "dl_tpc_customer", "ColumnNames": AppColumns}}}, nil); err != nil {
		return fmt.Errorf("demo: the execution role's grant: %w", err)
	}
	return nil
}

// AppColumns are the customer columns the notebook's application role may read.
var AppColumns = []string{"c_customer_sk", "c_birth_country"}
