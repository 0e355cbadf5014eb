package reports

import (
	"bytes"
	"strings"
	"testing"
)

// The blocks of a document are rewritten from a run store (here the fake store, written by the
// test), prose around them and blocks the store does not offer stay byte for byte, and a second
// update changes nothing. The result is compared with a golden document.
func TestUpdateMarkdownFromStore(t *testing.T) {
	store := t.TempDir()
	writeFakeStore(t, store, fakeStore(), true)
	blocks, err := MarkdownBlocks(store, Options{})
	must(t, err)
	for _, name := range []string{"synthetic-test-accuracy", "synthetic-test-few-shot", "synthetic-test-models", "synthetic-test-per-group", "synthetic-test-recovery", "synthetic-test-paired"} {
		if len(blocks[name]) == 0 {
			t.Errorf("no block %s (have %v)", name, sortedKeys(blocks))
		}
	}
	wantIn(t, "per-group block", string(blocks["synthetic-test-per-group"]),
		"| K_true | model | g0 | g1 | g2 |", "| 3 | BTL | 78.0 ± 2.0 | 66.0 ± 2.0 | 63.3 ± 2.0 |")
	doc := []byte("# Reproducing\n\nProse someone wrote.\n\n<!-- pal:begin synthetic-test-accuracy -->\nold numbers typed by hand\n<!-- pal:end -->\n\nMore prose.\n\n" +
		"<!-- pal:begin synthetic-test-few-shot --><!-- pal:end -->\n\n<!-- pal:begin synthetic-test-models --><!-- pal:end -->\n\n<!-- pal:begin persona-accuracy -->\nkept: no persona store given\n<!-- pal:end -->\n")
	got, done, err := UpdateMarkdown(doc, blocks)
	must(t, err)
	if strings.Join(done, ",") != "synthetic-test-accuracy,synthetic-test-few-shot,synthetic-test-models" {
		t.Errorf("rewrote %v", done)
	}
	wantIn(t, "updated document", string(got), "Prose someone wrote.", "More prose.", "kept: no persona store given",
		"| K_true | BTL | PAL-A, K = 1 | PAL-A, K = 2 | PAL-A, K = 3 | Bayes-optimal |",
		"| 3 | 72.00 ± 2.00 | 72.00 ± 1.00 | 81.00 ± 1.00 | 91.50 ± 2.12 | 95.00 ± 0.00 |",
		"| 3 | PAL-A, K = 3 | 63.0 | 81.0 | 88.5 | 91.5 |",
		"| 3 | PAL-A, K = 3 | 91.5 ± 2.1 | 88.5 ± 0.7 | 81.0 ± 1.4 | 130 | 0 | 0 | 0 |")
	if bytes.Contains(got, []byte("old numbers typed by hand")) {
		t.Error("the old block survived")
	}
	again, _, err := UpdateMarkdown(got, blocks)
	must(t, err)
	if !bytes.Equal(again, got) {
		t.Error("a second update changed the document")
	}
	checkGolden(t, got, "reproduce_blocks.md")

	for bad, want := range map[string]string{
		"a\n<!-- pal:begin x -->\nb\n": "line 2: <!-- pal:begin x --> has no <!-- pal:end -->",
		"<!-- pal:end -->":             "line 1: <!-- pal:end --> without a pal:begin",
		"<!-- pal:begin x -->\n<!-- pal:begin y -->\n<!-- pal:end -->": "line 2: pal:begin y inside the block x",
	} {
		if _, _, err := UpdateMarkdown([]byte(bad), blocks); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", bad, err, want)
		}
	}
}
