package policy

import (
	"sort"
	"strings"
)

// Context holds a request's condition keys. Key names are case-insensitive;
// every key holds one or more values (multi-valued keys such as
// aws:TagKeys hold several). A key set with no values counts as absent for
// every operator. Build one Context per request; it is not safe for
// concurrent mutation, but concurrent evaluations may share it read-only.
// The nil *Context is an empty context.
type Context struct {
	m map[string][]string
}

// NewContext returns an empty Context.
func NewContext() *Context { return &Context{m: make(map[string][]string, 8)} }

// Set replaces key's values with the single value v.
func (c *Context) Set(key, v string) { c.SetMulti(key, v) }

// SetMulti replaces key's values with vs (a multi-valued key). With no
// values the key becomes absent.
func (c *Context) SetMulti(key string, vs ...string) {
	if c.m == nil {
		c.m = make(map[string][]string, 8)
	}
	k := strings.ToLower(key)
	if len(vs) == 0 {
		delete(c.m, k)
		return
	}
	c.m[k] = append([]string(nil), vs...)
}

// Add appends v to key's values.
func (c *Context) Add(key, v string) {
	if c.m == nil {
		c.m = make(map[string][]string, 8)
	}
	k := strings.ToLower(key)
	c.m[k] = append(c.m[k], v)
}

// Get returns key's values and whether it is present.
func (c *Context) Get(key string) ([]string, bool) {
	vs := c.values(strings.ToLower(key))
	return vs, len(vs) > 0
}

// values looks up an already lower-cased key.
func (c *Context) values(lower string) []string {
	if c == nil || c.m == nil {
		return nil
	}
	return c.m[lower]
}

// first returns the first value of a lower-cased key: the value a policy
// variable takes (a multi-valued key substitutes its first value).
func (c *Context) first(lower string) (string, bool) {
	vs := c.values(lower)
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// Keys returns the (lower-cased) names of the keys present, sorted: for reports such as the
// encoded authorization message of a denial.
func (c *Context) Keys() []string {
	if c == nil {
		return nil
	}
	keys := make([]string, 0, len(c.m))
	for k, vs := range c.m {
		if len(vs) > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
