package rowfilter

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var parseCases = []struct {
	name, in, want string // want: canonical print, or "error@<pos>: <substring>"
}{
	{"eq string", "country = 'US'", "country = 'US'"},
	{"keywords any case", "a between 1 and 2 or b in ('x') and not c like 'a%'", "a BETWEEN 1 AND 2 OR b IN ('x') AND NOT c LIKE 'a%'"},
	{"doc example", "(year > 2010 and country = 'US') or (month < 8 and id > 23)", "year > 2010 AND country = 'US' OR month < 8 AND id > 23"},
	{"or inside and keeps parens", "a = 1 and (b = 2 or c = 3)", "a = 1 AND (b = 2 OR c = 3)"},
	{"nested and flattened", "a = 1 and (b = 2 and c = 3)", "a = 1 AND b = 2 AND c = 3"},
	{"not of or", "not (a = 1 or b = 2)", "NOT (a = 1 OR b = 2)"},
	{"not not", "not not a = 1", "NOT NOT a = 1"},
	{"bang equals", "a != 1", "a <> 1"},
	{"all ops", "a = 1 and a <> 1 and a < 1 and a <= 1 and a > 1 and a >= 1", "a = 1 AND a <> 1 AND a < 1 AND a <= 1 AND a > 1 AND a >= 1"},
	{"quote escape", "name = 'O''Brien'", "name = 'O''Brien'"},
	{"empty string", "name = ''", "name = ''"},
	{"negative decimal", "x > -1.5", "x > -1.5"},
	{"plus sign dropped", "x > +3", "x > 3"},
	{"exponent", "x < 1e3", "x < 1e3"},
	{"leading dot number", "x < .5", "x < .5"},
	{"booleans", "active = true or deleted = FALSE", "active = TRUE OR deleted = FALSE"},
	{"nested field", "address.city = 'Paris'", "address.city = 'Paris'"},
	{"deep nested", "a.b.c = 1", "a.b.c = 1"},
	{"quoted identifier", `"my col" = 1`, `"my col" = 1`},
	{"quoted keyword column", `"and" = 1`, `"and" = 1`},
	{"plain quoted identifier unquoted", `"abc" = 1`, `abc = 1`},
	{"not between", "a not between 1 and 5", "a NOT BETWEEN 1 AND 5"},
	{"not in", "a not in (1, 2,3)", "a NOT IN (1, 2, 3)"},
	{"not like", "a not like '_x%'", "a NOT LIKE '_x%'"},
	{"is null", "a is null", "a IS NULL"},
	{"is not null", "a IS NOT NULL", "a IS NOT NULL"},
	{"whitespace", " \t a\n=\r1 ", "a = 1"},
	{"redundant parens", "((a = 1))", "a = 1"},
	{"underscore ident", "_x1 = 1", "_x1 = 1"},
	{"unicode string", "city = 'Zürich'", "city = 'Zürich'"},

	{"empty", "", "error@1: empty expression"},
	{"blank", "   ", "error@1: empty expression"},
	{"missing literal", "a =", "error@4: expected a literal"},
	{"column vs column", "a = b", "error@5: column-to-column"},
	{"literal first", "1 = a", "error@1: expected a column name"},
	{"string first", "'x' = a", "error@1: expected a column name"},
	{"unterminated string", "a = 'abc", "error@5: unterminated string"},
	{"unterminated quoted ident", `"abc = 1`, "error@1: unterminated quoted identifier"},
	{"bad char", "a = 1 ; drop", "error@7: unexpected character"},
	{"single bang", "a ! 1", "error@3: unexpected character '!'"},
	{"function call", "lower(a) = 'x'", "error@6: expected a comparison"},
	{"trailing garbage", "a = 1 b", "error@7: unexpected"},
	{"unclosed paren", "(a = 1", "error@7: expected ')'"},
	{"extra close paren", "a = 1)", "error@6: unexpected"},
	{"between missing and", "a between 1 or 2", "error@13: expected AND in BETWEEN"},
	{"in without paren", "a in 1", "error@6: expected '(' after IN"},
	{"in empty", "a in ()", "error@7: expected a literal"},
	{"in trailing comma", "a in (1,)", "error@9: expected a literal"},
	{"in missing comma", "a in (1 2)", "error@9: expected ',' or ')'"},
	{"like number", "a like 5", "error@8: LIKE needs a string pattern"},
	{"is without null", "a is 1", "error@6: expected NULL"},
	{"null literal", "a = null", "error@5: expected a literal"},
	{"keyword as column", "and = 1", "error@1: expected a column name"},
	{"dangling and", "a = 1 and", "error@10: expected a column name"},
	{"dangling dot", "a. = 1", "error@4: expected a column name"},
	{"malformed number", "a = 1x", "error@6: malformed number"},
	{"malformed exponent", "a = 1e", "error@6: malformed number exponent"},
	{"lone minus", "a = -", "error@5: malformed number"},
	{"double dot number", "a = 1.2.3", "error@8: malformed number"},
	{"empty quoted ident", `"" = 1`, "error@1: empty quoted identifier"},
	{"too long", "a = '" + strings.Repeat("x", MaxLen) + "'", "error@2049: longer than"},
	{"too deep", strings.Repeat("(", 200) + "a = 1" + strings.Repeat(")", 200), "error@102: nested too deeply"},
}

func render(e Expr, err error) string {
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			return "non-positioned error: " + err.Error()
		}
		return "error@" + itoa(pe.Pos) + ": " + pe.Msg
	}
	return Print(e)
}

func itoa(n int) string {
	s := ""
	if n == 0 {
		return "0"
	}
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			got := render(Parse(tc.in))
			if strings.HasPrefix(tc.want, "error@") {
				pos, msg, _ := strings.Cut(tc.want, ": ")
				if !strings.HasPrefix(got, pos+": ") || !strings.Contains(got, msg) {
					t.Fatalf("Parse(%q) = %q, want %q…", tc.in, got, tc.want)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("Parse(%q) print (-want +got):\n%s", tc.in, diff)
			}
			again := render(Parse(got))
			if again != got {
				t.Fatalf("print not stable: %q → %q", got, again)
			}
		})
	}
}

var table = []ColumnType{
	{Name: "country", Type: "string"},
	{Name: "code", Type: "varchar(3)"},
	{Name: "year", Type: "int", Partition: true},
	{Name: "amount", Type: "decimal(10,2)"},
	{Name: "active", Type: "boolean"},
	{Name: "day", Type: "date"},
	{Name: "address", Type: "struct<city:string,geo:struct<lat:double>>"},
	{Name: "tags", Type: "array<string>"},
	{Name: "props", Type: "map<string,string>"},
	{Name: "blob", Type: "binary"},
}

func TestCheck(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"ok string", "country = 'US'", ""},
		{"ok varchar", "code IN ('FR', 'DE')", ""},
		{"ok case-insensitive column", "COUNTRY = 'US'", ""},
		{"ok number", "year > 2010 AND amount BETWEEN 1 AND 9.99", ""},
		{"ok bool", "active = TRUE", ""},
		{"ok date as string", "day >= '2024-01-01'", ""},
		{"ok nested", "address.city LIKE 'P%' AND address.geo.lat > 1.5", ""},
		{"ok is null", "country IS NULL", ""},
		{"unknown column", "nope = 1", "error@1: unknown column nope"},
		{"string vs number", "year = '2010'", "error@8: type mismatch: column year is int, literal '2010' is a string"},
		{"number vs string", "country = 5", "error@11: type mismatch"},
		{"bool vs number", "active = 1", "error@10: type mismatch"},
		{"between hi mismatch", "year BETWEEN 1 AND 'x'", "error@20: type mismatch"},
		{"in mismatch", "code IN ('a', 2)", "error@15: type mismatch"},
		{"like on number", "year LIKE '2%'", "error@1: LIKE needs a string column"},
		{"partition is null", "year IS NOT NULL", "error@1: IS NULL is not supported on partition column"},
		{"array", "tags = 'x'", "error@1: array columns cannot"},
		{"map", "props IS NULL", "error@1: map columns cannot"},
		{"struct whole", "address = 'x'", "error@1: a struct is compared through its fields"},
		{"no such field", "address.zip = 'x'", "error@1: struct address has no field zip"},
		{"field of scalar", "country.x = 'x'", "error@1: country is not a struct"},
		{"unsupported type", "blob = 'x'", "error@1: column blob: unsupported type binary"},
		{"second term fails", "country = 'US' OR year = 'x'", "error@26: type mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if err := Check(e, table); err != nil {
				got = render(nil, err)
			}
			if tc.want == "" {
				if got != "" {
					t.Fatalf("Check(%q) = %s", tc.in, got)
				}
				return
			}
			pos, msg, _ := strings.Cut(tc.want, ": ")
			if !strings.HasPrefix(got, pos+": ") || !strings.Contains(got, msg) {
				t.Fatalf("Check(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEval(t *testing.T) {
	row := Map{
		"country": "US", "year": int64(2012), "month": 3, "id": 40, "amount": 9.5, "active": true,
		"name": "O'Brien", "empty": "", "nil": nil,
		"address": map[string]any{"city": "Paris", "geo": map[string]any{"lat": 48.8}},
	}
	cases := []struct {
		in   string
		want Truth
	}{
		{"country = 'US'", True},
		{"country = 'us'", False},
		{"country <> 'FR'", True},
		{"year > 2010 AND country = 'US'", True},
		{"(year > 2013 and country = 'US') or (month < 8 and id > 23)", True},
		{"year >= 2012 AND year <= 2012", True},
		{"amount BETWEEN 9 AND 10", True},
		{"amount NOT BETWEEN 9 AND 10", False},
		{"id IN (1, 40)", True},
		{"id NOT IN (1, 2)", True},
		{"name = 'O''Brien'", True},
		{"name LIKE 'O%'", True},
		{"name LIKE 'o%'", False},
		{"name LIKE '_''Bri_n'", True},
		{"name LIKE '%ie%'", True},
		{"name LIKE '%x%'", False},
		{"name NOT LIKE 'X%'", True},
		{"empty LIKE '%'", True},
		{"empty LIKE '_'", False},
		{"active = TRUE", True},
		{"active = FALSE", False},
		{"address.city = 'Paris'", True},
		{"address.geo.lat > 48", True},
		{"address.zip = 'x'", Unknown},
		{"missing = 1", Unknown},
		{"nil = 1", Unknown},
		{"nil IS NULL", True},
		{"missing IS NULL", True},
		{"country IS NULL", False},
		{"country IS NOT NULL", True},
		{"NOT missing = 1", Unknown},
		{"missing = 1 AND country = 'FR'", False},
		{"missing = 1 AND country = 'US'", Unknown},
		{"missing = 1 OR country = 'US'", True},
		{"missing = 1 OR country = 'FR'", Unknown},
		{"missing IN (1, 2)", Unknown},
		{"missing BETWEEN 1 AND 2", Unknown},
		{"missing LIKE 'x'", Unknown},
		{"country = 5", Unknown}, // type mismatch at run time reads as NULL
		{"NOT (country = 'US' OR year < 2000)", False},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			e, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := Eval(e, row); got != tc.want {
				t.Fatalf("Eval(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestLike(t *testing.T) {
	cases := []struct {
		s, p string
		want bool
	}{
		{"", "", true}, {"a", "", false}, {"", "%", true}, {"abc", "a%c", true}, {"abc", "a_c", true},
		{"abbbc", "a%b%c", true}, {"ac", "a_c", false}, {"é", "_", true}, {"aXbXc", "%X%X%", true},
		{"abc", "%%%", true}, {"abcd", "a%d%", true}, {"abc", "abcd", false}, {"a%c", "a%c", true},
	}
	for _, tc := range cases {
		if got := like(tc.s, tc.p); got != tc.want {
			t.Errorf("like(%q, %q) = %v", tc.s, tc.p, got)
		}
	}
}

func TestColumns(t *testing.T) {
	e, err := Parse("a = 1 OR (B.c = 'x' AND a > 2) OR NOT d IS NULL")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range Columns(e) {
		got = append(got, c.String())
	}
	if diff := cmp.Diff([]string{"a", "B.c", "d"}, got); diff != "" {
		t.Fatal(diff)
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Pos < 1 || pe.Pos > len(s)+1 && len(s) <= MaxLen {
				t.Fatalf("bad error for %q: %v", s, err)
			}
			return
		}
		p1 := Print(e)
		e2, err := Parse(p1)
		if err != nil {
			t.Fatalf("reparse of %q (from %q): %v", p1, s, err)
		}
		if p2 := Print(e2); p2 != p1 {
			t.Fatalf("print unstable: %q → %q", p1, p2)
		}
		_ = Check(e, table)
		_ = Eval(e, Map{"a": 1, "country": "US"})
	})
}

func BenchmarkParse(b *testing.B) {
	const s = "(year > 2010 and country = 'US') or (month < 8 and id > 23) or name like 'A%'"
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEval(b *testing.B) {
	e, _ := Parse("(year > 2010 and country = 'US') or (month < 8 and id > 23) or name like 'A%'")
	row := Map{"year": 2009, "country": "US", "month": 9, "id": 1, "name": "Bob"}
	for b.Loop() {
		Eval(e, row)
	}
}
