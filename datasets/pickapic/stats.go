package pickapic

import (
	"fmt"
	"strings"

	"github.com/pal-harness/pal/datasets"
)

// Stats describes what Load or Convert read from an archive, for `pal data info` and logs.
type Stats struct {
	Archive     string
	Entries     int // zip entries
	Comparisons int // .joblib entries
	Read        int // comparisons decoded and used
	Unlisted    int // comparisons in no split list (skipped)
	// Missing counts ids of the split lists with no .joblib entry; MissingExamples shows a few.
	Missing         int
	MissingExamples []string
	// SplitSource says where the splits came from; Lists names the list of each split.
	SplitSource string
	Lists       map[datasets.Split]string
	// Labels is the label convention found ({-1,+1}, {-1,3} or {0,1}); LeftPreferred counts
	// the pairs whose left image won.
	Labels         string
	LeftPreferred  int
	Items, Prompts int // distinct image and prompt embeddings
	Dim, PromptDim int
	SeenUsers      int
	UnseenUsers    int
	Pairs          map[datasets.Split]int
}

func newStats(archive string, info *archiveInfo, b *builder, s *settled) *Stats {
	st := &Stats{
		Archive: archive, Entries: info.entries, Comparisons: info.samples, Read: info.read,
		Unlisted: info.unlisted, Missing: len(info.missing), Lists: info.lists,
		Labels: s.convention, LeftPreferred: s.left,
		Items: b.images.n, Prompts: b.prompts.n, Dim: b.images.dim, PromptDim: b.prompts.dim,
		Pairs: map[datasets.Split]int{},
	}
	st.MissingExamples = info.missing[:min(5, len(info.missing))]
	switch info.listSource {
	case "":
		st.SplitSource = "no split lists found: each user's pairs split at random (seeded by the archive)"
	case "archive":
		st.SplitSource = "the split lists inside the archive"
	default:
		st.SplitSource = "the split lists in " + info.listSource
	}
	for _, u := range s.users {
		if u.Seen {
			st.SeenUsers++
		} else {
			st.UnseenUsers++
		}
	}
	for sp, p := range s.splits {
		st.Pairs[sp] = len(p)
	}
	return st
}

// String renders the statistics as indented lines.
func (s *Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "archive: %s (%d entries, %d comparisons)\n", s.Archive, s.Entries, s.Comparisons)
	fmt.Fprintf(&b, "splits: %s\n", s.SplitSource)
	for _, sp := range datasets.AllSplits {
		if name, ok := s.Lists[sp]; ok {
			fmt.Fprintf(&b, "  %-12s %8d pairs  (%s)\n", sp, s.Pairs[sp], name)
		} else if s.Pairs[sp] > 0 {
			fmt.Fprintf(&b, "  %-12s %8d pairs\n", sp, s.Pairs[sp])
		}
	}
	if s.Unlisted > 0 {
		fmt.Fprintf(&b, "skipped: %d comparisons in no split list\n", s.Unlisted)
	}
	if s.Missing > 0 {
		fmt.Fprintf(&b, "missing: %d listed ids have no entry (e.g. %s)\n", s.Missing, strings.Join(s.MissingExamples, ", "))
	}
	fmt.Fprintf(&b, "users: %d seen, %d unseen\n", s.SeenUsers, s.UnseenUsers)
	fmt.Fprintf(&b, "items: %d distinct images (dim %d), %d distinct prompts (dim %d)\n", s.Items, s.Dim, s.Prompts, s.PromptDim)
	fmt.Fprintf(&b, "labels: %s convention; left preferred in %d of %d pairs\n", s.Labels, s.LeftPreferred, s.Read)
	return b.String()
}
