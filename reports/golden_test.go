package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// checkGolden compares got with the golden file testdata/name, or rewrites it under -update.
// Review the diff of a rewritten golden before committing it.
func checkGolden(t *testing.T, got []byte, name string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		must(t, os.MkdirAll(filepath.Dir(path), 0o755))
		must(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./reports -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run `go test ./reports -update` and review the diff", path)
	}
}

// cellsOf builds the cells of secs for the store in dir, as render does.
func cellsOf(t *testing.T, dir string, secs []section) []cell {
	t.Helper()
	o, err := Options{}.withDefaults()
	must(t, err)
	s, err := loadStore(dir)
	must(t, err)
	cells, err := buildCells(analyse(s, o), secs)
	must(t, err)
	return cells
}

// checkSectionGoldens compares the files that secs wrote into the report folder out with their
// golden files: testdata/NAME for figures/NAME and tables/NAME. A figure or table without a
// golden file is not compared, but every section that writes files must have at least one:
// under -update a section without one gets its first figure's SVG (or its first table) as its
// golden file, so adding a section needs no change to this test.
func checkSectionGoldens(t *testing.T, store, out string, secs []section) {
	t.Helper()
	for _, c := range cellsOf(t, store, secs) {
		var files []string // folder/name in the report
		for _, cs := range c.Charts {
			files = append(files, "figures/"+cs.File+".svg")
		}
		for _, tb := range c.Tables {
			switch {
			case tb.Name == "":
			case tb.Display != nil:
				files = append(files, "tables/"+tb.Name+".md")
			default:
				files = append(files, "tables/"+tb.Name+".csv")
			}
		}
		compared := 0
		for _, f := range files {
			name := filepath.Base(f)
			if _, err := os.Stat(filepath.Join("testdata", name)); err != nil {
				continue
			}
			checkGolden(t, []byte(readFile(t, filepath.Join(out, f))), name)
			compared++
		}
		if compared == 0 && len(files) > 0 {
			if *update {
				checkGolden(t, []byte(readFile(t, filepath.Join(out, files[0]))), filepath.Base(files[0]))
				continue
			}
			t.Errorf("section %q writes %v but none has a golden file in testdata/: run `go test ./reports -update` to create one and review it", c.ID, files)
		}
	}
}

// Golden files of the report of the fake store: at least one figure or table per section.
func TestGolden(t *testing.T) {
	store, out := renderFake(t, true, Options{})
	checkSectionGoldens(t, store, out, sections)
}
