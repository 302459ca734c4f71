package catalog

import (
	"regexp"
	"strings"
)

// namePattern compiles GetTables' Expression: alternatives separated by "|", "*" matching any
// run of characters, otherwise a regular expression, matched against the whole name,
// case-insensitively.
func namePattern(expr string) (func(string) bool, error) {
	if len(expr) > 2048 {
		return nil, errInvalid("Expression is too long")
	}
	var b strings.Builder
	b.WriteString("(?is)^(?:")
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '*' && (i == 0 || expr[i-1] != '.'):
			b.WriteString(".*")
		case c == '\\' && i+1 < len(expr):
			b.WriteByte(c)
			b.WriteByte(expr[i+1])
			i++
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString(")$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, errInvalid("Expression %q is not a valid pattern", expr)
	}
	return re.MatchString, nil
}
