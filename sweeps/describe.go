package sweeps

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// DescribeSchema renders the keys a spec may use as Markdown: per section and kind, each key's
// type, default, allowed values and meaning. It is generated from the same struct tags the
// parser enforces, so `pal run -h` and the docs cannot drift from what is accepted. Headings
// start at level 3 (###) so the text can sit under a document's own "## Spec schema".
func DescribeSchema(schema Schema) string {
	var b strings.Builder
	b.WriteString("### Top level\n\n")
	b.WriteString("| key | type | default | allowed | description |\n|---|---|---|---|---|\n")
	b.WriteString("| `name` | string | file name without extension | one line, no slashes | name of the experiment, recorded in every result |\n")
	b.WriteString("| `description` | string | \"\" | | free text |\n")
	b.WriteString("| `seeds` | list of integers | [1] | ≥ 0, distinct | replicate seeds: every configuration runs once per seed (a single integer means one seed) |\n\n")
	b.WriteString("Any key marked *sweepable* may be given as a list (`k = [1, 2, 3]`): the runs are the product of all such lists.\n\n")

	describeKinds(&b, "[dataset]", schema.Datasets, "`kind` (required) selects the generator or loader.")
	describeKinds(&b, "[[model]]", schema.Models, "One table per model. `kind` (required) selects the model; `name` (optional, default the kind, made unique with -2, -3, ...) labels it in results.")
	if schema.Train != nil {
		describeTable(&b, "### [train]\n\n", schema.Train)
	}
	if schema.FewShot != nil {
		describeTable(&b, "### [fewshot]\n\n", schema.FewShot)
	}
	if schema.Report != nil {
		describeFields(&b, "### [report]\n\nHow `pal report` names, orders and draws the results; not part of any run's identity (changing it re-renders, never re-runs) and not sweepable. `pal report` flags override it.\n\n", schema.Report, false)
	}
	if schema.Slurm != nil {
		describeFields(&b, "### [slurm]\n\nUsed by `pal run SPEC --slurm` only (its flags win); never part of a run, never swept.\n\n", schema.Slurm, false)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func describeKinds(b *strings.Builder, section string, ctors map[string]func() any, intro string) {
	fmt.Fprintf(b, "### %s\n\n%s\n\n", section, intro)
	for _, kind := range mapKeys(ctors) {
		describeTable(b, fmt.Sprintf("#### %s kind = %q\n\n", section, kind), ctors[kind])
	}
}

func describeTable(b *strings.Builder, heading string, ctor func() any) {
	describeFields(b, heading, ctor, true)
}

// describeFields is describeTable; sweepable says whether the table's scalars may be lists.
func describeFields(b *strings.Builder, heading string, ctor func() any, sweepable bool) {
	b.WriteString(heading)
	st, err := schemaOf(ctor)
	if err != nil {
		fmt.Fprintf(b, "(schema error: %v)\n\n", err)
		return
	}
	def := reflect.ValueOf(ctor()).Elem()
	b.WriteString("| key | type | default | allowed | description |\n|---|---|---|---|---|\n")
	for i := range st.Fields {
		f := &st.Fields[i]
		typ := f.Kind.name()
		if sweepable && !f.Kind.isList() {
			typ += ", sweepable"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", f.Key, typ,
			mdEscape(defaultLiteral(def.FieldByIndex(f.Index), f.Kind)), mdEscape(allowed(f)), mdEscape(f.Help))
	}
	b.WriteString("\n")
}

// defaultLiteral writes a default as TOML.
func defaultLiteral(v reflect.Value, k fieldKind) string {
	pv := plainValue(v, k)
	switch x := pv.(type) {
	case []int:
		parts := make([]string, len(x))
		for i, n := range x {
			parts[i] = strconv.Itoa(n)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []float64:
		parts := make([]string, len(x))
		for i, n := range x {
			parts[i] = formatTOMLFloat(n)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return tomlLiteral(pv)
}

// allowed describes a field's bounds or enum: "≥ 1, ≤ 1000", "> 0", "relu | gelu".
func allowed(f *fieldInfo) string {
	if len(f.Enum) > 0 {
		q := make([]string, len(f.Enum))
		for i, e := range f.Enum {
			q[i] = strconv.Quote(e)
		}
		return strings.Join(q, ", ")
	}
	var parts []string
	if f.Min != nil {
		parts = append(parts, "≥ "+fmtBound(*f.Min))
	}
	if f.Gt != nil {
		parts = append(parts, "> "+fmtBound(*f.Gt))
	}
	if f.Max != nil {
		parts = append(parts, "≤ "+fmtBound(*f.Max))
	}
	if f.Lt != nil {
		parts = append(parts, "< "+fmtBound(*f.Lt))
	}
	return strings.Join(parts, ", ")
}

// mdEscape keeps a cell inside its Markdown table column.
func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
