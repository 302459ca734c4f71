package policy

import (
	"os"
	"strings"
	"testing"
)

// archive is a txtar archive: a comment, then files introduced by lines
// "-- NAME --". (golang.org/x/tools/txtar is not a dependency of this
// module, and the format is a dozen lines to read.)
type archive struct {
	Comment string
	Files   []archiveFile
}

type archiveFile struct {
	Name string
	Data []byte
}

func readArchive(t testing.TB, file string) *archive {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return parseArchive(string(data))
}

func parseArchive(s string) *archive {
	a := &archive{}
	var cur *archiveFile
	var b strings.Builder
	flush := func() {
		if cur == nil {
			a.Comment = b.String()
		} else {
			cur.Data = []byte(b.String())
			a.Files = append(a.Files, *cur)
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		l := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") && len(l) > 6 {
			flush()
			cur = &archiveFile{Name: strings.TrimSpace(l[3 : len(l)-3])}
			continue
		}
		b.WriteString(line)
	}
	flush()
	return a
}
