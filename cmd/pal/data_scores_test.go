package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pal data convert --scores writes scores.csv beside the converted folder, and refuses scores
// that do not match the release or are not known.
func TestDataConvertScores(t *testing.T) {
	src := filepath.Join("..", "..", "datasets", "pickapic", "testdata", "numpy.zip")
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runPal(t, "data", "convert", src, out, "--scores", "clip-h")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "scores.csv")); err != nil || !strings.Contains(stdout, "zero-shot margin 100 x") {
		t.Errorf("no scores.csv (%v) or no line saying so:\n%s", err, stdout)
	}
	cache := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"pickapic-v1", "--scores", "pickscore"}, "not PickScore's"},
		{[]string{"pickapic-v1-pickscore", "--scores", "clip-h"}, "ask for --scores pickscore"},
		{[]string{src, "--scores", "dino"}, "want pickscore or clip-h"},
		{[]string{src, "--scores", "clip-h", "--logit-scale", "0"}, "want a positive number"},
	} {
		args := append([]string{"data", "convert", c.args[0], filepath.Join(t.TempDir(), "o"), "--cache", cache}, c.args[1:]...)
		code, _, stderr := runPal(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
