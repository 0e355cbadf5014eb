package persona

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// statement is one line of a trait file.
type statement struct {
	Text       string
	Matching   bool    // a holder of the trait would say it (answer_matching_behavior " Yes")
	Confidence float64 // label_confidence
	Line       int
}

// trait is one statement file.
type trait struct {
	Name string // file name without .jsonl
	Yes  []statement
	No   []statement
}

// parseTrait reads the JSON lines of one trait file. Lines must hold "statement" (non-empty),
// "answer_matching_behavior" (" Yes" or " No") and, optionally, "label_confidence" (in [0,1];
// absent means 1). Other fields are ignored. Blank lines are skipped.
func parseTrait(file string, raw []byte) (*trait, error) {
	t := &trait{Name: strings.TrimSuffix(file, ".jsonl")}
	for i, line := range bytes.Split(raw, []byte("\n")) {
		ln := i + 1
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var rec struct {
			Statement  *string  `json:"statement"`
			Answer     *string  `json:"answer_matching_behavior"`
			Confidence *float64 `json:"label_confidence"`
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("%s line %d: not a JSON object (%v): each line of a persona file is {\"statement\": ..., \"answer_matching_behavior\": \" Yes\"|\" No\", \"label_confidence\": ...}", file, ln, err)
		}
		if rec.Statement == nil || strings.TrimSpace(*rec.Statement) == "" {
			return nil, fmt.Errorf("%s line %d: field \"statement\" is missing or empty", file, ln)
		}
		if rec.Answer == nil {
			return nil, fmt.Errorf("%s line %d: field \"answer_matching_behavior\" is missing: want \" Yes\" or \" No\"", file, ln)
		}
		s := statement{Text: strings.TrimSpace(*rec.Statement), Confidence: 1, Line: ln}
		switch strings.TrimSpace(*rec.Answer) {
		case "Yes":
			s.Matching = true
		case "No":
		default:
			return nil, fmt.Errorf("%s line %d: field \"answer_matching_behavior\" is %q: want \" Yes\" or \" No\"", file, ln, *rec.Answer)
		}
		if rec.Confidence != nil {
			c := *rec.Confidence
			if !(c >= 0 && c <= 1) {
				return nil, fmt.Errorf("%s line %d: field \"label_confidence\" is %v: want a number in [0, 1]", file, ln, c)
			}
			s.Confidence = c
		}
		if s.Matching {
			t.Yes = append(t.Yes, s)
		} else {
			t.No = append(t.No, s)
		}
	}
	return t, nil
}
