package sweeps

import (
	"strings"
	"testing"
)

func TestDescribeSchema(t *testing.T) {
	md := DescribeSchema(toySchema())
	for _, want := range []string{
		"| `seeds` | list of integers | [1] |",
		"#### [dataset] kind = \"toy\"\n",
		"| `n` | integer, sweepable | 10 | ≥ 1, ≤ 100 | number of points |\n",
		"| `noise` | number, sweepable | 0.1 | ≥ 0, < 1 | label noise |\n",
		"| `shape` | string, sweepable | \"ring\" | \"ring\", \"grid\" | how points are laid out |\n",
		"| `dense` | boolean, sweepable | false |  | dense layout |\n",
		"| `lr` | number, sweepable | 0.01 | > 0 | learning rate |\n",
		"### [train]\n",
		"| `sizes` | list of integers | [1, 2] |  | pairs per user |\n",
		"| `tags` | list of strings | [] | \"a\", \"b\" | tags |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("schema description lacks %q:\n%s", want, md)
		}
	}
	// Kinds in sorted order, and every key of every kind listed (embedded structs flattened).
	if i, j := strings.Index(md, `kind = "btl"`), strings.Index(md, `kind = "pal"`); i < 0 || j < i {
		t.Errorf("model kinds not in sorted order")
	}
	for kind, ctor := range toySchema().Models {
		st, err := schemaOf(ctor)
		if err != nil {
			t.Fatal(err)
		}
		section := md[strings.Index(md, "kind = \""+kind+"\"\n"):]
		section = section[:strings.Index(section[1:], "###")+1]
		for _, k := range st.keys() {
			if !strings.Contains(section, "| `"+k+"` |") {
				t.Errorf("kind %s: key %s not described", kind, k)
			}
		}
	}
	if strings.HasSuffix(md, "\n\n") {
		t.Error("trailing blank line")
	}
}
