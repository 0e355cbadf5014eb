package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/internal/experiment"
	"github.com/pal-harness/pal/models"
)

// cmdScore is `pal score`: the reward API on the command line. It loads a model file written
// by `pal run --save-models` and prints one reward per item row for a known user or for the
// mixture weights of a new one, as CSV (item,reward), to stdout or --out.
func cmdScore(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("pal score", "pal score MODEL --items items.npy [--prompts prompts.npy [--prompt-index N]]\n"+
		"                 (--user ID | --weights w1,..,wK) [--out scores.csv]\n\n"+
		"Prints one reward per row of items.npy (N x D, the embeddings the model was trained on) as\n"+
		"CSV with header item,reward: for PAL-A minus the distance of f(x) to the user's ideal point,\n"+
		"for PAL-B the scaled cosine s*cos(f(x), u(c)) for the prompt c (with other scores, the\n"+
		"per-item score whose difference is the model's margin). A higher reward is preferred.\n"+
		"MODEL is a model.safetensors written by `pal run --save-models`.", stderr)
	itemsPath := fs.String("items", "", "items to score: .npy, N x D float32/float64")
	promptsPath := fs.String("prompts", "", "prompt embeddings .npy (PAL-B), one prompt per row")
	promptIndex := fs.Int("prompt-index", -1, "row of --prompts to score the items under (default 0 when it has one row)")
	user := fs.String("user", "", "a user the model knows (seen, or unseen and adapted few-shot)")
	weights := fs.String("weights", "", "mixture weights of a new user: K comma-separated numbers summing to 1")
	out := fs.String("out", "", "write the CSV here instead of stdout")
	pos, code, ok := parseArgs(fs, args, 1, "want exactly one model file, e.g. pal score results/my-sweep/<run id>/model.safetensors --items items.npy --user u0001")
	if !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "pal score: "+format+"\n", a...)
		return exitBadInput
	}
	if *itemsPath == "" {
		return fail("--items is required: the .npy of item embeddings to score")
	}
	m, err := models.LoadModel(pos[0], experiment.DecodeModelConfig)
	if err != nil {
		return fail("%v", err)
	}
	switch {
	case m.Info.K == 0 && (*user != "" || *weights != ""):
		return fail("this %s model gives every user the same reward: leave out --user and --weights", m.Info.Kind)
	case m.Info.K > 0 && (*user == "") == (*weights == ""):
		return fail("give exactly one of --user ID (a user the model knows) and --weights w1,..,wK (a new user)")
	}
	var w []float64
	if *user != "" {
		if w, err = m.UserWeights(*user); err != nil {
			return fail("--user: %v", err)
		}
	} else if *weights != "" {
		for i, f := range strings.Split(*weights, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return fail("--weights: entry %d %q is not a number", i+1, f)
			}
			w = append(w, v)
		}
		if err := m.CheckWeights(w); err != nil {
			return fail("--weights: %v", err)
		}
	}
	rows, cols, items, err := datasets.ReadMatrixNPY(*itemsPath)
	if err != nil {
		return fail("--items: %v", err)
	}
	if cols != m.Info.ItemDim {
		return fail("--items: %s has %d columns, the model's items have dimension %d: embed the items with the model its training data used", *itemsPath, cols, m.Info.ItemDim)
	}
	prompt, code := scorePrompt(m, *promptsPath, *promptIndex, fail)
	if code != exitOK {
		return code
	}
	r, err := m.Reward(items, prompt, w)
	if err != nil {
		return fail("%v", err)
	}
	var b bytes.Buffer
	b.WriteString("item,reward\n")
	for j := 0; j < rows; j++ {
		b.WriteString(strconv.Itoa(j))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(r[j], 'g', -1, 64))
		b.WriteByte('\n')
	}
	if *out == "" {
		_, err = stdout.Write(b.Bytes())
	} else {
		err = os.WriteFile(*out, b.Bytes(), 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "pal score: writing the scores: %v\n", err)
		return exitRunsFailed
	}
	return exitOK
}

// scorePrompt reads the prompt row a PAL-B model scores under; PAL-A takes none.
func scorePrompt(m *models.Model, path string, index int, fail func(string, ...any) int) ([]float64, int) {
	if m.Info.Kind != "pal-b" {
		if path != "" || index >= 0 {
			return nil, fail("--prompts: a %s model takes no prompt", m.Info.Kind)
		}
		return nil, exitOK
	}
	if path == "" {
		return nil, fail("--prompts is required for a pal-b model: the .npy of prompt embeddings (dimension %d), with --prompt-index choosing the row", m.Info.PromptDim)
	}
	rows, cols, data, err := datasets.ReadMatrixNPY(path)
	if err != nil {
		return nil, fail("--prompts: %v", err)
	}
	if cols != m.Info.PromptDim {
		return nil, fail("--prompts: %s has %d columns, the model's prompts have dimension %d", path, cols, m.Info.PromptDim)
	}
	if index < 0 {
		if rows != 1 {
			return nil, fail("--prompts: %s has %d prompts: choose one with --prompt-index (0..%d)", path, rows, rows-1)
		}
		index = 0
	}
	if index >= rows {
		return nil, fail("--prompt-index %d is out of range: %s has %d prompts (0..%d)", index, path, rows, rows-1)
	}
	return data[index*cols : (index+1)*cols], exitOK
}
