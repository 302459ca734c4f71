package catalog

import (
	"encoding/json"
	"fmt"
	"testing"
)

func BenchmarkGetTable(b *testing.B) {
	f := newFixture(b, true)
	f.createDB(b, root, "db")
	f.createTable(b, root, "db", csvTable)
	in := &GetTableRequest{DatabaseName: str("db"), Name: str("dummy_data")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.GetTable(f.ctx, root, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetPartitionsExpression(b *testing.B) {
	f := newFixture(b, false)
	f.createDB(b, root, "db")
	f.createTable(b, root, "db", parquetTable)
	for y := range 10 {
		var list []json.RawMessage
		for r := range 100 {
			list = append(list, json.RawMessage(fmt.Sprintf(`{"Values":["%d","r%d"],"StorageDescriptor":{"Location":"s3://lake/x/"}}`, 2000+y, r)))
		}
		if _, err := f.svc.BatchCreatePartition(f.ctx, root, &BatchCreatePartitionRequest{DatabaseName: str("db"), TableName: str("web_sales"), PartitionInputList: list}); err != nil {
			b.Fatal(err)
		}
	}
	in := &GetPartitionsRequest{DatabaseName: str("db"), TableName: str("web_sales"), Expression: str("year = 2005 AND region LIKE 'r1%'")}
	b.ReportAllocs()
	for b.Loop() {
		out, err := f.svc.GetPartitions(f.ctx, root, in)
		if err != nil || len(out.Partitions) != 11 {
			b.Fatal(err, len(out.Partitions))
		}
	}
}

func BenchmarkCompileExpression(b *testing.B) {
	src := "(year >= 2019 and year <= 2021) or (region in ('eu', 'us') and not price between 1 and 2) or dt like '2020-%'"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := compileExpr(src, exprKeys); err != nil {
			b.Fatal(err)
		}
	}
}
