// Package golden compares rendered output with golden files kept in a
// package's testdata/golden folder. The files are rewritten only when the
// tests run with -update (go test ./feed -update), so that every change to
// an output is a reviewed diff.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Check compares got with testdata/golden/name, or rewrites the file under
// -update.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (create it with go test -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file (review, then go test -update):\n%s", name, Diff(string(want), string(got)))
	}
}

// Diff lists the lines that differ between two texts ("-" want, "+"
// got, with line numbers), using a longest-common-subsequence alignment so
// that one changed entry shows as one change: enough to review a golden
// update without a diff tool.
func Diff(want, got string) string {
	w, g := strings.SplitAfter(want, "\n"), strings.SplitAfter(got, "\n")
	// lcs[i][j] is the LCS length of w[i:] and g[j:].
	lcs := make([][]int, len(w)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(g)+1)
	}
	for i := len(w) - 1; i >= 0; i-- {
		for j := len(g) - 1; j >= 0; j-- {
			if w[i] == g[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	shown := 0
	emit := func(sign string, n int, line string) {
		if shown++; shown <= 40 {
			fmt.Fprintf(&b, "%s%4d %q\n", sign, n, line)
		}
	}
	i, j := 0, 0
	for i < len(w) || j < len(g) {
		switch {
		case i < len(w) && j < len(g) && w[i] == g[j]:
			i, j = i+1, j+1
		case i < len(w) && (j == len(g) || lcs[i+1][j] >= lcs[i][j+1]):
			emit("-", i+1, w[i])
			i++
		default:
			emit("+", j+1, g[j])
			j++
		}
	}
	if shown > 40 {
		fmt.Fprintf(&b, "… %d more changed lines\n", shown-40)
	}
	return b.String()
}
