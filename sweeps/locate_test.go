package sweeps

import "testing"

func TestLocator(t *testing.T) {
	src := `# header comment with [brackets] and key = value
name = "x"   # trailing comment [not.a.table]
seeds = [
  1,   # first
  2,
]
"quoted key" = 1
'literal.key' = 2
desc = """
[not_a_table]
fake = 1
"""
site.owner = "me"

[dataset]
kind = "toy"
n = [1,
     2]
noise = 0.1

[[model]]
kind = "a"
[[model]]
  kind = "b"
  k    = 3
[model.sub]
z = 1
[[model]]
inline = {a = 1, b = [
  2]}
after = 1
[ "train" ]
epochs = 3
`
	l := locate([]byte(src))
	cases := []struct {
		path []string
		line int
	}{
		{[]string{"name"}, 2},
		{[]string{"seeds"}, 3},
		{[]string{"quoted key"}, 7},
		{[]string{"literal.key"}, 8},
		{[]string{"desc"}, 9},
		{[]string{"fake"}, 0}, // inside a multi-line string
		{[]string{"not_a_table"}, 0},
		{[]string{"site", "owner"}, 13},
		{[]string{"site"}, 13},
		{[]string{"dataset"}, 15},
		{[]string{"dataset", "kind"}, 16},
		{[]string{"dataset", "n"}, 17},
		{[]string{"dataset", "noise"}, 19}, // after a multi-line array
		{[]string{"dataset", "missing"}, 15},
		{[]string{"model"}, 21},
		{[]string{"model", idx(0)}, 21},
		{[]string{"model", idx(0), "kind"}, 22},
		{[]string{"model", idx(1)}, 23},
		{[]string{"model", idx(1), "kind"}, 24},
		{[]string{"model", idx(1), "k"}, 25},
		{[]string{"model", idx(1), "sub"}, 26},
		{[]string{"model", idx(1), "sub", "z"}, 27},
		{[]string{"model", idx(2)}, 28},
		{[]string{"model", idx(2), "inline", "b"}, 29}, // falls back to the inline table's key
		{[]string{"model", idx(2), "after"}, 31},
		{[]string{"train"}, 32},
		{[]string{"train", "epochs"}, 33},
		{[]string{"nowhere"}, 0},
	}
	for _, c := range cases {
		if got := l.line(c.path...); got != c.line {
			t.Errorf("line(%q) = %d, want %d", c.path, got, c.line)
		}
	}
}

func TestLocatorCRLF(t *testing.T) {
	l := locate([]byte("[dataset]\r\nkind = \"toy\"\r\n[[model]]\r\nk = 1\r\n"))
	if got := l.line("model", idx(0), "k"); got != 4 {
		t.Errorf("CRLF: line %d, want 4", got)
	}
}
