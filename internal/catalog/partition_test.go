package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var exprKeys = []column{{Name: "year", Type: "int"}, {Name: "region", Type: "string"}, {Name: "price", Type: "double"}, {Name: "dt", Type: "date"}}

var exprRows = [][]string{
	{"2019", "eu", "1.5", "2019-12-31"},
	{"2020", "us", "10", "2020-01-01"},
	{"2021", "eu-west", "2.25", "2021-06-30"},
	{"2110", "o'hare", "-3", "2110-01-01"},
	{"x", "us", "nan?", "2020-05-05"}, // year does not convert: unknown for year comparisons
}

var exprCases = []struct {
	expr string
	want []int // indexes of exprRows selected
}{
	{"year = 2020", []int{1}},
	{"year = '2020'", []int{1}},
	{"year > 2019", []int{1, 2, 3}},
	{"year >= 2019 AND year <= 2020", []int{0, 1}},
	{"year != 2020", []int{0, 2, 3}},
	{"year <> 2020", []int{0, 2, 3}},
	{"year < 300", []int{}}, // numeric, not string, comparison
	{"region = 'eu'", []int{0}},
	{"region > 'eu'", []int{1, 2, 3, 4}},
	{"region LIKE 'eu%'", []int{0, 2}},
	{"region like 'u_'", []int{1, 4}},
	{"region NOT LIKE 'eu%'", []int{1, 3, 4}},
	{"region = 'o''hare'", []int{3}},
	{"year BETWEEN 2019 AND 2020", []int{0, 1}},
	{"year NOT BETWEEN 2019 AND 2020", []int{2, 3}},
	{"year IN (2019, 2021)", []int{0, 2}},
	{"region IN ('us')", []int{1, 4}},
	{"region NOT IN ('us', 'eu')", []int{2, 3}},
	{"NOT year = 2020", []int{0, 2, 3}},
	{"NOT (year = 2020 OR region = 'eu')", []int{2, 3}},
	{"year = 2020 OR region = 'us'", []int{1, 4}},
	{"(year = 2019 or year = 2021) and region like 'eu%'", []int{0, 2}},
	{"price > 2", []int{1, 2}},
	{"price < 2.0", []int{0, 3}},
	{"price >= -3", []int{0, 1, 2, 3}},
	{"dt >= '2020-01-01' AND dt < '2021-01-01'", []int{1, 4}},
	{"`year` = 2019", []int{0}},
	{"YEAR = 2019", []int{0}},
	{"", []int{0, 1, 2, 3, 4}},
}

func TestExpression(t *testing.T) {
	for _, tc := range exprCases {
		t.Run(tc.expr, func(t *testing.T) {
			p, err := compileExpr(tc.expr, exprKeys)
			if err != nil {
				t.Fatal(err)
			}
			got := []int{}
			for i, row := range exprRows {
				if p.match(row) {
					got = append(got, i)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

var badExprs = []struct{ expr, want string }{
	{"year =", "Expected a literal at position 6"},
	{"year = 'x'", `Literal "x" at position 7 does not match the partition key's type`},
	{"year = 1.5", `Literal "1.5" at position 7 does not match the partition key's type`},
	{"month = 1", "Unknown partition key month at position 0"},
	{"year = 1 AND", "Unexpected end of expression"},
	{"(year = 1", "Missing ')' for '(' at position 0"},
	{"year = 1)", "Unexpected input at position 8"},
	{"region = 'open", "Unterminated string literal at position 9"},
	{"year ! 1", "Unexpected character '!' at position 5"},
	{"year BETWEEN 1 2", "Expected AND in BETWEEN at position 15"},
	{"year IN 1", "Expected '(' after IN at position 8"},
	{"year IN (1 2)", "Expected ',' or ')' in IN list at position 11"},
	{"region LIKE 1", "LIKE needs a string pattern at position 12"},
	{"year", "Expected a comparison at position 4"},
	{"= 1", "Expected a partition key at position 0"},
	{"year = 1 ; drop", "Unexpected character ';' at position 9"},
	{strings.Repeat("(", 100) + "year = 1" + strings.Repeat(")", 100), "Expression is nested too deeply"},
	{strings.Repeat("NOT ", 100) + "year = 1", "Expression is nested too deeply"},
	{"year = " + strings.Repeat("1", 2048), "Expression is longer than 2048 characters"},
}

func TestExpressionErrors(t *testing.T) {
	for _, tc := range badExprs {
		t.Run(tc.expr[:min(len(tc.expr), 40)], func(t *testing.T) {
			_, err := compileExpr(tc.expr, exprKeys)
			if got := errText(err); got != "InvalidInputException: "+tc.want {
				t.Errorf("got  %s\nwant InvalidInputException: %s", got, tc.want)
			}
		})
	}
}

// FuzzExpression checks that any input either fails with InvalidInputException or compiles
// into a predicate for which NOT (e) selects exactly the rows where e is false.
func FuzzExpression(f *testing.F) {
	for _, tc := range exprCases {
		f.Add(tc.expr)
	}
	for _, tc := range badExprs {
		f.Add(tc.expr)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := compileExpr(src, exprKeys)
		if err != nil {
			if errCode(err) != "InvalidInputException" {
				t.Fatalf("%q: %v", src, err)
			}
			return
		}
		if p == nil {
			return
		}
		neg, err := compileExpr("NOT ("+src+")", exprKeys)
		if err != nil {
			if strings.Contains(err.Error(), "nested too deeply") || strings.Contains(err.Error(), "longer than") {
				return
			}
			t.Fatalf("%q compiles but its negation does not: %v", src, err)
		}
		for _, row := range exprRows {
			v, nv := p.root.eval(row), neg.root.eval(row)
			if nv != v.not() {
				t.Fatalf("%q on %v: %v, negation %v", src, row, v, nv)
			}
		}
	})
}

func TestPartitions(t *testing.T) {
	f := newFixture(t, false)
	f.createDB(t, alice, "db")
	f.createTable(t, alice, "db", parquetTable)
	f.createTable(t, alice, "db", `{"Name":"flat"}`)
	var inputs []json.RawMessage
	for _, y := range []int{2022, 2023, 2024} {
		for _, r := range []string{"eu", "us"} {
			inputs = append(inputs, json.RawMessage(fmt.Sprintf(
				`{"Values":["%d","%s"],"StorageDescriptor":{"Location":"s3://lake/web_sales/year=%d/region=%s/","Columns":[{"Name":"order_id","Type":"bigint"}]},"Parameters":{"n":"1"}}`, y, r, y, r)))
		}
	}
	inputs = append(inputs, json.RawMessage(`{"Values":["2022","eu"]}`), json.RawMessage(`{"Values":["2022"]}`))
	bc, err := f.svc.BatchCreatePartition(f.ctx, alice, &BatchCreatePartitionRequest{DatabaseName: str("db"), TableName: str("web_sales"), PartitionInputList: inputs})
	if err != nil {
		t.Fatal(err)
	}
	wantErrs := []PartitionError{
		{PartitionValues: []string{"2022"}, ErrorDetail: ErrorDetail{ErrorCode: "InvalidInputException", ErrorMessage: "PartitionInput.Values has 1 values; the table has 2 partition keys."}},
		{PartitionValues: []string{"2022", "eu"}, ErrorDetail: ErrorDetail{ErrorCode: "AlreadyExistsException", ErrorMessage: "Partition already exists."}},
	}
	if diff := cmp.Diff(wantErrs, bc.Errors); diff != "" {
		t.Errorf("BatchCreatePartition errors (-want +got):\n%s", diff)
	}

	values := func(list []json.RawMessage) []string {
		out := []string{}
		for _, r := range list {
			var p struct{ Values []string }
			json.Unmarshal(r, &p)
			out = append(out, strings.Join(p.Values, "/"))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		in   GetPartitionsRequest
		want []string
	}{
		{"all", GetPartitionsRequest{}, []string{"2022/eu", "2022/us", "2023/eu", "2023/us", "2024/eu", "2024/us"}},
		{"expression", GetPartitionsRequest{Expression: str("year >= 2023 AND region = 'eu'")}, []string{"2023/eu", "2024/eu"}},
		{"in", GetPartitionsRequest{Expression: str("year IN (2022, 2024) and not region = 'us'")}, []string{"2022/eu", "2024/eu"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.DatabaseName, tc.in.TableName = str("db"), str("web_sales")
			out, err := f.svc.GetPartitions(f.ctx, alice, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, values(out.Partitions)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// Pages of 4 and segments cover everything exactly once.
	var paged []string
	var tok *string
	for {
		out, err := f.svc.GetPartitions(f.ctx, alice, &GetPartitionsRequest{DatabaseName: str("db"), TableName: str("web_sales"), MaxResults: i32(4), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, values(out.Partitions)...)
		if tok = out.NextToken; tok == nil {
			break
		}
	}
	var segs []string
	for n := range int32(3) {
		out, err := f.svc.GetPartitions(f.ctx, alice, &GetPartitionsRequest{DatabaseName: str("db"), TableName: str("web_sales"), Segment: &Segment{SegmentNumber: n, TotalSegments: 3}})
		if err != nil {
			t.Fatal(err)
		}
		segs = append(segs, values(out.Partitions)...)
	}
	slices.Sort(segs)
	all := []string{"2022/eu", "2022/us", "2023/eu", "2023/us", "2024/eu", "2024/us"}
	if diff := cmp.Diff(all, paged); diff != "" {
		t.Errorf("paged (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all, segs); diff != "" {
		t.Errorf("segments (-want +got):\n%s", diff)
	}

	// One partition, exactly as stored, with server fields.
	gp, err := f.svc.GetPartition(f.ctx, alice, &GetPartitionRequest{DatabaseName: str("db"), TableName: str("WEB_SALES"), PartitionValues: []string{"2023", "us"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Values": []any{"2023", "us"}, "DatabaseName": "db", "TableName": "web_sales", "CatalogId": "123456789012",
		"CreationTime": float64(clock.Unix()), "Parameters": map[string]any{"n": "1"},
		"StorageDescriptor": map[string]any{"Location": "s3://lake/web_sales/year=2023/region=us/", "Columns": []any{map[string]any{"Name": "order_id", "Type": "bigint"}}}}
	if diff := cmp.Diff(want, decodeMap(t, gp.Partition)); diff != "" {
		t.Errorf("GetPartition (-want +got):\n%s", diff)
	}
	ex, _ := f.svc.GetPartitions(f.ctx, alice, &GetPartitionsRequest{DatabaseName: str("db"), TableName: str("web_sales"), Expression: str("year=2023 and region='us'"), ExcludeColumnSchema: new(true)})
	if sd := decodeMap(t, ex.Partitions[0])["StorageDescriptor"].(map[string]any); sd["Columns"] != nil || sd["Location"] == nil {
		t.Errorf("ExcludeColumnSchema: %v", sd)
	}

	bg, err := f.svc.BatchGetPartition(f.ctx, alice, &BatchGetPartitionRequest{DatabaseName: str("db"), TableName: str("web_sales"),
		PartitionsToGet: []PartitionValueList{{Values: []string{"2024", "eu"}}, {Values: []string{"1999", "eu"}}, {Values: []string{"2022", "us"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"2024/eu", "2022/us"}, values(bg.Partitions)); diff != "" || len(bg.UnprocessedKeys) != 0 {
		t.Errorf("BatchGetPartition (-want +got):\n%s %v", diff, bg.UnprocessedKeys)
	}

	// Update (with a change of values), delete, batch delete.
	if _, err := f.svc.UpdatePartition(f.ctx, alice, &UpdatePartitionRequest{DatabaseName: str("db"), TableName: str("web_sales"),
		PartitionValueList: []string{"2024", "us"}, PartitionInput: json.RawMessage(`{"Values":["2025","us"],"Parameters":{"n":"2"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdatePartition(f.ctx, alice, &UpdatePartitionRequest{DatabaseName: str("db"), TableName: str("web_sales"),
		PartitionValueList: []string{"2025", "us"}, PartitionInput: json.RawMessage(`{"Values":["2022","us"]}`)}); errCode(err) != "AlreadyExistsException" {
		t.Errorf("UpdatePartition onto an existing partition: %v", err)
	}
	if _, err := f.svc.DeletePartition(f.ctx, alice, &DeletePartitionRequest{DatabaseName: str("db"), TableName: str("web_sales"), PartitionValues: []string{"2022", "eu"}}); err != nil {
		t.Fatal(err)
	}
	bd, err := f.svc.BatchDeletePartition(f.ctx, alice, &BatchDeletePartitionRequest{DatabaseName: str("db"), TableName: str("web_sales"),
		PartitionsToDelete: []PartitionValueList{{Values: []string{"2022", "us"}}, {Values: []string{"2022", "eu"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]PartitionError{{PartitionValues: []string{"2022", "eu"}, ErrorDetail: ErrorDetail{ErrorCode: "EntityNotFoundException", ErrorMessage: "Cannot find partition."}}}, bd.Errors); diff != "" {
		t.Errorf("BatchDeletePartition (-want +got):\n%s", diff)
	}
	out, _ := f.svc.GetPartitions(f.ctx, alice, &GetPartitionsRequest{DatabaseName: str("db"), TableName: str("web_sales")})
	if diff := cmp.Diff([]string{"2023/eu", "2023/us", "2024/eu", "2025/us"}, values(out.Partitions)); diff != "" {
		t.Errorf("after updates and deletes (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"unpartitioned table", func() error {
			_, err := f.svc.CreatePartition(f.ctx, alice, &CreatePartitionRequest{DatabaseName: str("db"), TableName: str("flat"), PartitionInput: json.RawMessage(`{"Values":["1"]}`)})
			return err
		}, "InvalidInputException: The table has no partition keys."},
		{"missing partition", func() error {
			_, err := f.svc.GetPartition(f.ctx, alice, &GetPartitionRequest{DatabaseName: str("db"), TableName: str("web_sales"), PartitionValues: []string{"1", "2"}})
			return err
		}, "EntityNotFoundException: Cannot find partition."},
		{"missing table", func() error {
			_, err := f.svc.GetPartitions(f.ctx, alice, &GetPartitionsRequest{DatabaseName: str("db"), TableName: str("nope")})
			return err
		}, "EntityNotFoundException: Table nope not found."},
		{"bad expression", func() error {
			_, err := f.svc.GetPartitions(f.ctx, alice, &GetPartitionsRequest{DatabaseName: str("db"), TableName: str("web_sales"), Expression: str("year = 'x'")})
			return err
		}, `InvalidInputException: Literal "x" at position 7 does not match the partition key's type`},
		{"bad segment", func() error {
			_, err := f.svc.GetPartitions(f.ctx, alice, &GetPartitionsRequest{DatabaseName: str("db"), TableName: str("web_sales"), Segment: &Segment{SegmentNumber: 3, TotalSegments: 3}})
			return err
		}, "InvalidInputException: Segment.SegmentNumber must be between 0 and TotalSegments-1"},
		{"max results", func() error {
			_, err := f.svc.GetPartitions(f.ctx, alice, &GetPartitionsRequest{DatabaseName: str("db"), TableName: str("web_sales"), MaxResults: i32(1001)})
			return err
		}, "InvalidInputException: MaxResults must be between 1 and 1000"},
		{"duplicate", func() error {
			_, err := f.svc.CreatePartition(f.ctx, alice, &CreatePartitionRequest{DatabaseName: str("db"), TableName: str("web_sales"), PartitionInput: json.RawMessage(`{"Values":["2023","eu"]}`)})
			return err
		}, "AlreadyExistsException: Partition already exists."},
		{"batch too large", func() error {
			_, err := f.svc.BatchCreatePartition(f.ctx, alice, &BatchCreatePartitionRequest{DatabaseName: str("db"), TableName: str("web_sales"), PartitionInputList: make([]json.RawMessage, 101)})
			return err
		}, "InvalidInputException: PartitionInputList must hold 1 to 100 partitions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errText(tc.call()); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestPartitionKeyEscaping(t *testing.T) {
	long := strings.Repeat("v", 1000)
	for _, tc := range []struct {
		name   string
		values []string
		want   string
	}{
		{"plain", []string{"2024", "eu"}, "db/t/2024/eu"},
		{"slash and percent", []string{"a/b", "100%"}, "db/t/a%2Fb/100%25"},
		{"empty", []string{"", "x"}, "db/t/%00/x"},
		{"long", []string{long, long}, "db/t/%%" + digest([]string{long, long})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := partitionKey("db", "t", tc.values); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
