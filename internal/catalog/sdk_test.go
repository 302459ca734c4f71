package catalog

// These tests parse every answer with the real aws-sdk-go-v2 Glue client.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/awsproto"
)

func sdkClient(t *testing.T, f *fixture) *glue.Client {
	t.Helper()
	router := f.svc.Routes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &awsproto.Call{RequestID: "req-1", Service: awsproto.Glue, Body: r.Body, Principal: alice}
		router.ServeAWS(w, r, c)
	}))
	t.Cleanup(srv.Close)
	return glue.New(glue.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "x"}, nil
		}),
		RetryMaxAttempts: 1,
	})
}

func TestGoSDK(t *testing.T) {
	f := newFixture(t, false)
	c := sdkClient(t, f)
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("Lake"), LocationUri: aws.String("s3://lake/")}}))
	sd := &types.StorageDescriptor{
		Columns:      []types.Column{{Name: aws.String("id"), Type: aws.String("int"), Comment: aws.String("c")}, {Name: aws.String("name"), Type: aws.String("string")}},
		Location:     aws.String("s3://lake/t/"),
		InputFormat:  aws.String("org.apache.hadoop.mapred.TextInputFormat"),
		OutputFormat: aws.String("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"),
		SerdeInfo: &types.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
			Parameters: map[string]string{"field.delim": ","}},
		Compressed: false, NumberOfBuckets: -1,
	}
	must(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("lake"), TableInput: &types.TableInput{
		Name: aws.String("T"), TableType: aws.String("EXTERNAL_TABLE"), StorageDescriptor: sd,
		PartitionKeys: []types.Column{{Name: aws.String("year"), Type: aws.String("int")}},
		Parameters:    map[string]string{"classification": "csv", "skip.header.line.count": "1"},
	}}))

	db, err := c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("LAKE")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(db.Database.Name) != "lake" || !db.Database.CreateTime.Equal(clock) || aws.ToString(db.Database.CatalogId) != "123456789012" {
		t.Errorf("GetDatabase = %+v", db.Database)
	}
	got, err := c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("lake"), Name: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	tb := got.Table
	if aws.ToString(tb.Name) != "t" || aws.ToString(tb.DatabaseName) != "lake" || !tb.CreateTime.Equal(clock) || !tb.UpdateTime.Equal(clock) ||
		aws.ToString(tb.CreatedBy) != string(alice.ARN) || aws.ToString(tb.VersionId) != "0" || tb.IsRegisteredWithLakeFormation {
		t.Errorf("GetTable server fields = %+v", tb)
	}
	if diff := cmp.Diff(sd.Columns[0], tb.StorageDescriptor.Columns[0], cmp.AllowUnexported(types.Column{})); diff != "" {
		t.Errorf("column (-want +got):\n%s", diff)
	}
	if aws.ToString(tb.StorageDescriptor.SerdeInfo.SerializationLibrary) != "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe" ||
		tb.StorageDescriptor.NumberOfBuckets != -1 || tb.Parameters["skip.header.line.count"] != "1" {
		t.Errorf("StorageDescriptor = %+v", tb.StorageDescriptor)
	}

	bc, err := c.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String("lake"), TableName: aws.String("t"),
		PartitionInputList: []types.PartitionInput{{Values: []string{"2023"}}, {Values: []string{"2024"}}, {Values: []string{"2024"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bc.Errors) != 1 || aws.ToString(bc.Errors[0].ErrorDetail.ErrorCode) != "AlreadyExistsException" {
		t.Errorf("BatchCreatePartition errors = %+v", bc.Errors)
	}
	parts, err := c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("lake"), TableName: aws.String("t"), Expression: aws.String("year > 2023")})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts.Partitions) != 1 || parts.Partitions[0].Values[0] != "2024" || !parts.Partitions[0].CreationTime.Equal(clock) {
		t.Errorf("GetPartitions = %+v", parts.Partitions)
	}
	tables, err := c.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("lake"), Expression: aws.String("t*")})
	if err != nil || len(tables.TableList) != 1 {
		t.Fatalf("GetTables = %+v, %v", tables, err)
	}
	dbs, err := c.GetDatabases(ctx, &glue.GetDatabasesInput{})
	if err != nil || len(dbs.DatabaseList) != 1 {
		t.Fatalf("GetDatabases = %+v, %v", dbs, err)
	}
	unf, err := c.GetUnfilteredTableMetadata(ctx, &glue.GetUnfilteredTableMetadataInput{CatalogId: aws.String("123456789012"),
		DatabaseName: aws.String("lake"), Name: aws.String("t"), SupportedPermissionTypes: []types.PermissionType{types.PermissionTypeColumnPermission}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"id", "name", "year"}, unf.AuthorizedColumns); diff != "" || aws.ToString(unf.QueryAuthorizationId) == "" {
		t.Errorf("GetUnfilteredTableMetadata (-want +got):\n%s %+v", diff, unf)
	}
	fns, err := c.GetUserDefinedFunctions(ctx, &glue.GetUserDefinedFunctionsInput{DatabaseName: aws.String("lake"), Pattern: aws.String("*")})
	if err != nil || len(fns.UserDefinedFunctions) != 0 {
		t.Errorf("GetUserDefinedFunctions = %+v, %v", fns, err)
	}
	must(c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("lake"), TableInput: &types.TableInput{Name: aws.String("t"), Description: aws.String("d")}}))
	vers, err := c.GetTableVersions(ctx, &glue.GetTableVersionsInput{DatabaseName: aws.String("lake"), TableName: aws.String("t")})
	if err != nil || len(vers.TableVersions) != 2 || aws.ToString(vers.TableVersions[0].VersionId) != "1" {
		t.Errorf("GetTableVersions = %+v, %v", vers, err)
	}
	must(c.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String("lake"), Name: aws.String("t")}))

	// Errors arrive as the modeled exception types.
	_, err = c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("lake"), Name: aws.String("t")})
	var nf *types.EntityNotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Table t not found." {
		t.Errorf("GetTable of deleted table: %v", err)
	}
	_, err = c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("lake")}})
	var ae *types.AlreadyExistsException
	if !errors.As(err, &ae) {
		t.Errorf("CreateDatabase duplicate: %v", err)
	}
	_, err = c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("lake"), TableName: aws.String("t")})
	if !errors.As(err, &nf) {
		t.Errorf("GetPartitions of missing table: %v", err)
	}
	_, err = c.GetDatabase(ctx, &glue.GetDatabaseInput{CatalogId: aws.String("111111111111"), Name: aws.String("lake")})
	var ad *types.AccessDeniedException
	if !errors.As(err, &ad) {
		t.Errorf("other catalog: %v", err)
	}
}
