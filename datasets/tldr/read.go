package tldr

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/pal-harness/pal/internal/regular"
)

// ComparisonFiles are the files of openai/summarize_from_feedback's "comparisons" in the order
// the Hugging Face loading script (summarize_from_feedback.py) reads them. The order matters:
// workers with equal activity are ranked by first appearance (see Construct).
var ComparisonFiles = []string{
	"batch3.json", "batch4.json", "batch5.json", "batch10.json", "batch11.json", "batch12.json",
	"batch13.json", "batch14.json", "batch15.json", "batch16.json", "batch17.json", "batch18.json",
	"batch19.json", "batch20.json", "batch22.json", "batch6.json", "batch7.json", "batch8.json",
	"batch9.json", "batch0_cnndm.json", "cnndm0.json", "cnndm2.json", "edit_b2_eval_test.json",
}

// BaseURL is where the comparison files are published (Azure blob storage of OpenAI's
// summarize-from-feedback release); file f is at BaseURL + f.
const BaseURL = "https://openaipublic.blob.core.windows.net/summarize-from-feedback/dataset/comparisons/"

// line is one comparison as the release writes it (one JSON object per line). Only the fields
// the construction reads are decoded; pointers tell a JSON null or a missing key from "".
type line struct {
	Info struct {
		ID    *string `json:"id"`
		Post  *string `json:"post"`
		Title *string `json:"title"`
	} `json:"info"`
	Summaries []struct {
		Text   *string `json:"text"`
		Policy *string `json:"policy"`
	} `json:"summaries"`
	Choice *int    `json:"choice"`
	Worker *string `json:"worker"`
	Split  *string `json:"split"`
}

// comparison is a decoded line with where it came from.
type comparison struct {
	file   string
	lineNo int
	worker string // "" when null
	post   *string
	text   [2]*string
	policy [2]string
	valid  bool // split valid1/valid2 (the HF "validation" split); false: "train"
}

// maxLine bounds one JSON line (posts are a few KB; articles of the CNN/DM batches longer).
const maxLine = 64 << 20

// readFiles reads the comparison files present in dir, in the order of ComparisonFiles,
// hashing every byte into h. It returns the comparisons, the files read and those missing.
func readFiles(dir string, h hash.Hash) ([]comparison, []string, []string, error) {
	var out []comparison
	var read, missing []string
	for _, name := range ComparisonFiles {
		p := filepath.Join(dir, name)
		f, _, err := regular.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, name)
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		fmt.Fprintf(h, "%s\x00", name)
		cs, err := readFile(p, io.TeeReader(f, h))
		f.Close()
		if err != nil {
			return nil, nil, nil, err
		}
		out = append(out, cs...)
		read = append(read, name)
	}
	if len(read) == 0 {
		return nil, nil, missing, fmt.Errorf("%s holds none of the comparison files (batch3.json ... edit_b2_eval_test.json) of openai/summarize_from_feedback: fetch them with pal data fetch %s", dir, CatalogName)
	}
	return out, read, missing, nil
}

// readFile decodes one JSON-lines file. Errors name the file and the line.
func readFile(path string, r io.Reader) ([]comparison, error) {
	name := filepath.Base(path)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	var out []comparison
	n := 0
	for sc.Scan() {
		n++
		raw := sc.Bytes()
		if len(trimSpace(raw)) == 0 {
			continue
		}
		var l line
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, fmt.Errorf("%s line %d: not a JSON object (%v): the file is corrupt or not a summarize_from_feedback comparisons file; fetch it again", name, n, err)
		}
		if len(l.Summaries) != 2 {
			return nil, fmt.Errorf("%s line %d: %d summaries, want 2: not a summarize_from_feedback comparison", name, n, len(l.Summaries))
		}
		c := comparison{file: name, lineNo: n, post: l.Info.Post}
		if l.Worker != nil {
			c.worker = *l.Worker
		}
		for i, s := range l.Summaries {
			c.text[i] = s.Text
			if s.Policy != nil {
				c.policy[i] = *s.Policy
			}
		}
		switch {
		case l.Split == nil:
			return nil, fmt.Errorf("%s line %d: no \"split\" field: want train, valid1 or valid2", name, n)
		case *l.Split == "train":
		case *l.Split == "valid1" || *l.Split == "valid2":
			c.valid = true
		default:
			return nil, fmt.Errorf("%s line %d: split %q is not train, valid1 or valid2", name, n, *l.Split)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s line %d: a line longer than %d MB: the file is corrupt", name, n+1, maxLine>>20)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
