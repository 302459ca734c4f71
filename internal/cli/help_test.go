package cli

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExample walks the whole command tree and fails for a command whose --help
// shows no example: every command a user can type gets at least one.
func TestEveryCommandHasExample(t *testing.T) {
	root := newRoot(strings.NewReader(""), io.Discard, io.Discard)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%q has no Example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if n < 10 {
		t.Errorf("walked only %d commands", n)
	}
}

// TestDocsUseRealFlags reads every `sluice …` command line in the operator and user docs and
// the README (shell and config blocks) and fails when it names a subcommand or a flag that does
// not exist.
func TestDocsUseRealFlags(t *testing.T) {
	for _, doc := range []string{"../../docs/operators.md", "../../docs/users.md", "../../README.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		lines := docCommands(string(data))
		if len(lines) == 0 && !strings.HasSuffix(doc, "README.md") {
			t.Errorf("%s: no sluice commands found", doc)
		}
		for _, args := range lines {
			checkCommand(t, doc, args)
		}
	}
}

// docCommands returns the argument lists of the sluice commands in the fenced blocks of a
// Markdown text: lines (joined over trailing backslashes) whose command, after VAR=value
// assignments or "credential_process =", is sluice.
func docCommands(md string) [][]string {
	var out [][]string
	in := false
	var cont string
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			in = !in
			continue
		}
		if !in {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cont += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		line, cont = cont+line, ""
		if _, v, ok := strings.Cut(line, "credential_process ="); ok {
			line = v
		}
		words := shellWords(line)
		for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
			words = words[1:]
		}
		if len(words) > 0 && words[0] == "sluice" {
			out = append(out, words[1:])
		}
	}
	return out
}

// shellWords splits a command line like a shell would for our purposes: quotes group, an
// unquoted # starts a comment.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '#' && !inWord:
			return words
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

func checkCommand(t *testing.T, doc string, args []string) {
	t.Helper()
	root := newRoot(strings.NewReader(""), io.Discard, io.Discard)
	cmd, rest, err := root.Find(args)
	if err != nil {
		t.Errorf("%s: sluice %s: %v", doc, strings.Join(args, " "), err)
		return
	}
	if cmd.HasSubCommands() && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		t.Errorf("%s: sluice %s: no such command", doc, strings.Join(args, " "))
		return
	}
	for _, a := range rest {
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var ok bool
		if strings.HasPrefix(a, "--") {
			ok = cmd.Flags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil || name == "help"
		} else {
			ok = cmd.Flags().ShorthandLookup(name[:1]) != nil || name == "h"
		}
		if !ok {
			t.Errorf("%s: sluice %s: %s has no flag %s", doc, strings.Join(args, " "), cmd.CommandPath(), a)
		}
	}
}
