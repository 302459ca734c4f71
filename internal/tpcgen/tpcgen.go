// Package tpcgen generates the small TPC-like data lake of story S1: customers (with the
// sensitive name and email columns), their addresses, items (with a category) and web sales
// (with a state), as CSV, JSON lines or Parquet.
//
// # Model
//
// A Generator is pure: row i of a table is a function of the seed, the table and i alone, so the
// same Options always give the same bytes, any row can be computed on its own, and the writers
// stream (memory is bounded by one Parquet row group, never by the table).
//
// The columns that grants and filters select on are assigned round robin, so their counts are
// exact and need no generator to predict:
//
//	customer          c_birth_country = Countries[i % len(Countries)]
//	customer_address  ca_state        = States[i % len(States)]
//	item              i_category      = Categories[i % len(Categories)]
//	web_sales         ws_state        = States[i % len(States)]
//
// (i counts from 0; surrogate keys count from 1). Everything else — names, streets, products,
// the item a sale refers to, amounts — is drawn from a hash of (seed, table, i). Some last names
// hold a comma, so CSV readers must honour quoting.
package tpcgen

import (
	"fmt"
	"strconv"
)

// TableName names one generated table.
type TableName string

// The four tables, in the order Tables returns them.
const (
	Customer        TableName = "customer"
	CustomerAddress TableName = "customer_address"
	Item            TableName = "item"
	WebSales        TableName = "web_sales"
)

// Tables lists every table.
func Tables() []TableName { return []TableName{Customer, CustomerAddress, Item, WebSales} }

// Type is a column's type.
type Type int

// Column types.
const (
	Int64 Type = iota + 1
	String
	Float64
)

// Hive returns the Glue (Hive) type name: bigint, string or double.
func (t Type) Hive() string {
	switch t {
	case Int64:
		return "bigint"
	case String:
		return "string"
	case Float64:
		return "double"
	}
	return "unknown"
}

// Column is one column of a table.
type Column struct {
	Name string
	Type Type
}

// The round-robin domains (see the package comment).
var (
	Countries  = []string{"US", "FR", "JP"}
	States     = []string{"CA", "TX", "NY", "WA", "FL"}
	Categories = []string{"Electronics", "Books", "Home", "Sports"}
)

var (
	firstNames = []string{"Ann", "Bob", "Chen", "Dana", "Emeka", "Farah", "Goro", "Hana", "Ivan", "Jo", "Kai", "Lena", "Mo", "Nia", "Omar", "Pia"}
	lastNames  = []string{"Smith", "Garcia", "Tanaka", "Okafor", "Dubois", "Nguyen", "Smith, Jr.", "Kowalski", "O'Brien", "Rossi", "Lee, III", "Haddad"}
	streets    = []string{"Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Lake", "Hill"}
	adjectives = []string{"Compact", "Deluxe", "Smart", "Classic", "Portable", "Solid"}
	nouns      = []string{"Speaker", "Lamp", "Novel", "Racket", "Kettle", "Camera", "Atlas", "Helmet"}
)

var schemas = map[TableName][]Column{
	Customer: {
		{"c_customer_sk", Int64}, {"c_first_name", String}, {"c_last_name", String},
		{"c_email_address", String}, {"c_birth_country", String},
	},
	CustomerAddress: {{"ca_address_sk", Int64}, {"ca_street", String}, {"ca_state", String}},
	Item:            {{"i_item_sk", Int64}, {"i_product_name", String}, {"i_category", String}},
	WebSales: {
		{"ws_order_number", Int64}, {"ws_item_sk", Int64}, {"ws_state", String}, {"ws_net_paid", Float64},
	},
}

// Schema returns the columns of t (nil for an unknown table).
func Schema(t TableName) []Column { return schemas[t] }

// Options sizes the lake; nil or zero fields take the defaults (the sizes of story S1's test).
type Options struct {
	Seed      uint64
	Customers int // rows of customer and of customer_address (default 500)
	Items     int // default 200
	Sales     int // default 100,000
}

// Generator produces the tables. It holds no mutable state and is safe for concurrent use.
type Generator struct {
	seed                    uint64
	customers, items, sales int
}

// New returns a generator for opts (nil = defaults).
func New(opts *Options) *Generator {
	g := &Generator{customers: 500, items: 200, sales: 100_000}
	if opts != nil {
		g.seed = opts.Seed
		if opts.Customers > 0 {
			g.customers = opts.Customers
		}
		if opts.Items > 0 {
			g.items = opts.Items
		}
		if opts.Sales > 0 {
			g.sales = opts.Sales
		}
	}
	return g
}

// Rows returns the number of rows of t.
func (g *Generator) Rows(t TableName) int {
	switch t {
	case Customer, CustomerAddress:
		return g.customers
	case Item:
		return g.items
	case WebSales:
		return g.sales
	}
	return 0
}

// salt separates the tables' random streams.
var salt = map[TableName]uint64{Customer: 0x1, CustomerAddress: 0x2, Item: 0x3, WebSales: 0x4}

// rand returns the k-th pseudo-random number of row i of t (splitmix64 of the mixed inputs).
func (g *Generator) rand(t TableName, i, k int) uint64 {
	x := g.seed ^ salt[t]<<56 ^ uint64(i)*0x9e3779b97f4a7c15 ^ uint64(k)*0xd1b54a32d192ed03
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (g *Generator) pick(list []string, t TableName, i, k int) string {
	return list[g.rand(t, i, k)%uint64(len(list))]
}

// Row returns row i (0 ≤ i < Rows(t)) of t: one value per column of Schema(t), an int64, a
// string or a float64 as the column's type says. It panics on an unknown table.
func (g *Generator) Row(t TableName, i int) []any {
	sk := int64(i + 1)
	switch t {
	case Customer:
		first, last := g.pick(firstNames, t, i, 0), g.pick(lastNames, t, i, 1)
		return []any{sk, first, last, emailLocal(first) + "." + emailLocal(last) + strconv.Itoa(i+1) + "@example.com", Countries[i%len(Countries)]}
	case CustomerAddress:
		return []any{sk, fmt.Sprintf("%d %s St", 1+g.rand(t, i, 0)%999, g.pick(streets, t, i, 1)), States[i%len(States)]}
	case Item:
		return []any{sk, g.pick(adjectives, t, i, 0) + " " + g.pick(nouns, t, i, 1), Categories[i%len(Categories)]}
	case WebSales:
		return []any{sk, int64(1 + g.rand(t, i, 0)%uint64(g.items)), States[i%len(States)], float64(g.rand(t, i, 1)%10_000) / 100}
	}
	panic("tpcgen: unknown table " + string(t))
}

// emailLocal lower-cases s and keeps its letters.
func emailLocal(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}
