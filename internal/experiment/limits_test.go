package experiment

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pal-harness/pal/sweeps"
)

// TestSizeKeysHaveMaxima: sizes no experiment reaches are refused when the spec is parsed,
// with the usual file:line error, instead of ending in a Go "fatal error: out of memory" (or a
// loop over 9e18 pairs) once a run starts.
func TestSizeKeysHaveMaxima(t *testing.T) {
	for _, c := range []struct {
		table, kind, key, value string
	}{
		{"dataset", "synthetic", "items", "1000000000000"},
		{"dataset", "synthetic", "seen_users", "2000000000"},
		{"dataset", "synthetic", "unseen_users", "2000000000"},
		{"dataset", "synthetic", "pairs_per_user", "9000000000000000000"},
		{"dataset", "synthetic", "unseen_train_pairs", "9000000000000000000"},
		{"dataset", "synthetic", "unseen_val_pairs", "9000000000000000000"},
		{"dataset", "synthetic", "unseen_test_pairs", "9000000000000000000"},
		{"dataset", "synthetic", "prompts", "1000000000000"},
		{"dataset", "persona", "seen_users", "2000000000"},
		{"dataset", "persona", "unseen_users", "2000000000"},
		{"dataset", "persona", "pairs_per_user", "9000000000000000000"},
		{"dataset", "persona", "unseen_test_pairs", "9000000000000000000"},
		{"dataset", "reddit-tldr", "unseen_train_pairs", "9000000000000000000"},
		{"model", "pal-a", "layers", "1000"},
		{"model", "pal-b", "width", "1000000"},
		{"model", "btl", "embedding_params", "9000000000000000000"},
		{"model", "imported", "trainable_params", "9000000000000000000"},
		{"train", "", "batch_size", "1000000000000"},
		{"train", "", "patience", "1000000000000"},
		{"fewshot", "", "epochs", "1000000000000"},
		{"fewshot", "", "batch_size", "1000000000000"},
		{"fewshot", "", "pairs_per_user", "[1, 100000000000]"},
	} {
		t.Run(c.kind+"/"+c.key, func(t *testing.T) {
			ds, model, extra := `kind = "synthetic"`, `kind = "btl"`, ""
			set := fmt.Sprintf("%s = %s", c.key, c.value)
			switch c.table {
			case "dataset":
				ds = fmt.Sprintf("kind = %q\n%s", c.kind, set)
			case "model":
				model = fmt.Sprintf("kind = %q\n%s", c.kind, set)
				if c.kind == "imported" {
					model += "\npath = \"s.csv\""
				}
			default:
				extra = fmt.Sprintf("[%s]\n%s\n", c.table, set)
			}
			src := fmt.Sprintf("[dataset]\n%s\n[[model]]\n%s\n%s", ds, model, extra)
			line := 1 + strings.Count(src[:strings.Index(src, set)], "\n")
			_, err := sweeps.ParseBytes("spec.toml", []byte(src), Schema())
			errs := sweeps.Errors(err)
			if len(errs) != 1 || errs[0].Line != line || !strings.Contains(errs[0].Error(), "is above the maximum") || !strings.Contains(errs[0].Error(), c.key) {
				t.Fatalf("spec:\n%s\ngot %v, want one error on line %d: key %q ... is above the maximum", src, err, line, c.key)
			}
		})
	}
}
