package tldr

import (
	"fmt"
	"strings"

	"github.com/pal-harness/pal/datasets"
)

// Stats describes a construction: what was read, what was kept, and the sizes the paper
// reports (20,969 / 2,330 / 4,921 pairs; 31 unseen users, 22 of them majority) beside ours.
type Stats struct {
	Dir             string
	FilesRead       []string
	FilesMissing    []string
	Lines           int // comparisons read
	TrainLines      int // split "train"
	ValidationLines int // split "valid1" or "valid2"
	KeptTrain       int // supervised-only pairs of the train split
	KeptValidation  int // supervised-only pairs of the validation split
	DroppedNull     int // pairs of selected users dropped for a null post or summary
	Ties            int // pairs whose summaries have equal lengths (labelled right-preferred)
	// IdenticalSummaries counts pairs whose two summaries are the same text. They are kept (the
	// authors keep them); the right one gets its own item row so that left != right.
	IdenticalSummaries int
	CutoffTie          string // non-empty when equal counts straddle the seen-user cut-off

	Pairs          map[datasets.Split]int
	SeenUsers      int
	SeenMinority   int
	UnseenUsers    int
	UnseenMajority int
	// Users lists every user with their rank, group and kept pairs.
	Users []User
}

func (s *Stats) fill(c *Construction) {
	s.Pairs = map[datasets.Split]int{}
	for sp, p := range c.Splits {
		s.Pairs[sp] = len(p)
	}
	s.Users = c.Users
	for _, u := range c.Users {
		switch {
		case u.Seen:
			s.SeenUsers++
			if u.Minority {
				s.SeenMinority++
			}
		default:
			s.UnseenUsers++
			if !u.Minority {
				s.UnseenMajority++
			}
		}
	}
}

// String renders the statistics beside the paper's counts.
func (s *Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "files: %d of %d read from %s", len(s.FilesRead), len(ComparisonFiles), s.Dir)
	if len(s.FilesMissing) > 0 {
		fmt.Fprintf(&b, " (missing: %s)", strings.Join(s.FilesMissing, ", "))
	}
	fmt.Fprintf(&b, "\ncomparisons: %d (train split %d, validation split %d); supervised-only kept: train %d, validation %d\n",
		s.Lines, s.TrainLines, s.ValidationLines, s.KeptTrain, s.KeptValidation)
	paper := map[datasets.Split]int{datasets.Train: PaperTrain, datasets.Val: PaperVal, datasets.Test: PaperTest}
	for _, sp := range datasets.AllSplits {
		line := fmt.Sprintf("  %-12s %7d pairs", sp, s.Pairs[sp])
		if p, ok := paper[sp]; ok {
			line += fmt.Sprintf("   (paper: %d)", p)
		}
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "seen users: %d (%d minority: prefer shorter)\n", s.SeenUsers, s.SeenMinority)
	fmt.Fprintf(&b, "unseen users: %d, %d majority   (paper: %d, %d majority)\n", s.UnseenUsers, s.UnseenMajority, PaperUnseenUsers, PaperUnseenMajority)
	fmt.Fprintf(&b, "equal lengths (labelled right-preferred): %d; identical summaries: %d; dropped for null text: %d\n",
		s.Ties, s.IdenticalSummaries, s.DroppedNull)
	if s.CutoffTie != "" {
		b.WriteString("note: " + s.CutoffTie + "\n")
	}
	return b.String()
}
