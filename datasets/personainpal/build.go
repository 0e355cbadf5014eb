package personainpal

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/datasets/embed"
	"github.com/pal-harness/pal/internal/seeds"
)

// BuilderVersion is part of every fingerprint: bump it when the same files and options start
// giving different data.
const BuilderVersion = 2 // 2: embeddings stored as float32

// CatalogName is the `pal data fetch` name of the release with k groups.
func CatalogName(k int) string { return fmt.Sprintf("persona-in-pal-k%d", k) }

// Options are the reader's knobs.
type Options struct {
	K               int     // the release's number of groups: folders k-<K>_seen, k-<K>_unseen
	Columns         Columns // column names; "" = detect, "-" = the release has no such column
	ValFraction     float64 // when k-<K>_seen has no validation split: fraction of each user's train pairs moved to val
	MaxPairsPerUser int     // per user and split, the first ones in file order; 0 = all
	SplitSeed       uint64  // the val draw and the order of each split
}

// Release is the comparisons read from the parquet files, before embedding.
type Release struct {
	Users      []datasets.User
	GroupNames []string
	Pairs      map[datasets.Split][]TextPair
	Stats      Stats
	sum        []byte
}

// TextPair is one comparison of two statements.
type TextPair struct {
	User          int
	Prompt        string // "" when the release has no prompt column
	Left, Right   string
	LeftPreferred bool
}

// Stats describes what Read found.
type Stats struct {
	Dir          string
	Files        int
	Rows         int
	Capped       int    // rows beyond MaxPairsPerUser, skipped
	Labels       string // {-1,+1}, {-1,3} or {0,1}
	ValCarved    bool   // val was drawn from train (the seen folder has no validation split)
	RenamedUsers int    // unseen ids that also name a seen user, renamed "unseen-<id>"
	SeenUsers    int
	UnseenUsers  int
	Groups       int
	Pairs        map[datasets.Split]int
}

// String renders the statistics.
func (s *Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "files: %d parquet files under %s, %d rows", s.Files, s.Dir, s.Rows)
	if s.Capped > 0 {
		fmt.Fprintf(&b, " (%d beyond max_pairs_per_user skipped)", s.Capped)
	}
	b.WriteString("\n")
	for _, sp := range datasets.AllSplits {
		if n := s.Pairs[sp]; n > 0 {
			fmt.Fprintf(&b, "  %-12s %9d pairs\n", sp, n)
		}
	}
	if s.ValCarved {
		b.WriteString("val: drawn from each seen user's train pairs (the release has no validation split)\n")
	}
	fmt.Fprintf(&b, "users: %d seen, %d unseen; groups: %d; labels: %s convention\n", s.SeenUsers, s.UnseenUsers, s.Groups, s.Labels)
	if s.RenamedUsers > 0 {
		fmt.Fprintf(&b, "note: %d unseen user ids also name seen users; they were renamed unseen-<id>\n", s.RenamedUsers)
	}
	return b.String()
}

// Read reads the release's parquet files for opt.K from dir (see the package documentation for
// the layout and the column mapping).
func Read(dir string, opt Options) (*Release, error) {
	if opt.K < 1 {
		return nil, fmt.Errorf("k = %d: want the number of groups of the release (2 to 6)", opt.K)
	}
	shards, err := findShards(dir, opt.K)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "persona-in-pal builder v%d\nk=%d %+v %g %d %d\n", BuilderVersion, opt.K, opt.Columns, opt.ValFraction, opt.MaxPairsPerUser, opt.SplitSeed)
	st := Stats{Dir: dir, Files: len(shards), Pairs: map[datasets.Split]int{}}
	type key struct {
		unseen bool
		id     string
	}
	userIndex := map[key]int{}
	var users []datasets.User
	groupIndex := map[string]int{}
	var groupNames []string
	perUser := map[[2]int]int{} // (user, split index) -> pairs kept
	type labelled struct {
		TextPair
		y     float64
		split datasets.Split
		where string
	}
	var rows []labelled
	for _, s := range shards {
		err := readShard(s, opt.Columns, h, func(r row) error {
			st.Rows++
			unseen := r.split == datasets.UnseenTrain || r.split == datasets.UnseenVal || r.split == datasets.UnseenTest
			k := key{unseen, r.user}
			u, ok := userIndex[k]
			if !ok {
				u = len(users)
				userIndex[k] = u
				users = append(users, datasets.User{ID: r.user, Seen: !unseen, Group: -1})
			}
			if r.group != "" {
				g, ok := groupIndex[r.group]
				if !ok {
					g = len(groupNames)
					groupIndex[r.group] = g
					groupNames = append(groupNames, r.group)
				}
				switch users[u].Group {
				case -1:
					users[u].Group = g
				case g:
				default:
					return fmt.Errorf("user %s is in group %q here but in group %q before: a user belongs to one group", r.user, r.group, groupNames[users[u].Group])
				}
			}
			if r.left == r.right {
				return fmt.Errorf("both statements are %q: a pair compares two different statements", r.left)
			}
			pk := [2]int{u, slices.Index(datasets.AllSplits, r.split)}
			if opt.MaxPairsPerUser > 0 && perUser[pk] >= opt.MaxPairsPerUser {
				st.Capped++
				return nil
			}
			perUser[pk]++
			rows = append(rows, labelled{TextPair{User: u, Prompt: r.prompt, Left: r.left, Right: r.right}, r.y, r.split, r.where})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: the parquet files of k-%d hold no rows", dir, opt.K)
	}
	// Labels.
	seenY := map[float64]string{}
	for _, r := range rows {
		if _, ok := seenY[r.y]; !ok {
			seenY[r.y] = r.where
		}
	}
	var ok bool
	if st.Labels, ok = datasets.LabelConvention(seenY); !ok {
		var ex []string
		for y, w := range seenY {
			ex = append(ex, fmt.Sprintf("%g (%s)", y, w))
		}
		slices.Sort(ex)
		return nil, fmt.Errorf("labels %s fit no PAL convention: want y in {-1,+1}, {-1,3} or {0,1}, where -1 (or 0) means the left statement was preferred; if the label column is another one, set label_column", strings.Join(ex, ", "))
	}
	// Unseen ids that clash with seen ones are renamed so that each user is one of the two.
	seenIDs := map[string]bool{}
	for _, u := range users {
		if u.Seen {
			seenIDs[u.ID] = true
		}
	}
	for i := range users {
		if !users[i].Seen && seenIDs[users[i].ID] {
			users[i].ID = "unseen-" + users[i].ID
			st.RenamedUsers++
		}
	}

	rel := &Release{Users: users, GroupNames: groupNames, Pairs: map[datasets.Split][]TextPair{}}
	hasVal := false
	for _, r := range rows {
		r.LeftPreferred = r.y <= 0
		rel.Pairs[r.split] = append(rel.Pairs[r.split], r.TextPair)
		hasVal = hasVal || r.split == datasets.Val
	}
	if !hasVal && opt.ValFraction > 0 {
		st.ValCarved = true
		byUser := map[int][]TextPair{}
		var order []int
		for _, p := range rel.Pairs[datasets.Train] {
			if _, ok := byUser[p.User]; !ok {
				order = append(order, p.User)
			}
			byUser[p.User] = append(byUser[p.User], p)
		}
		rel.Pairs[datasets.Train] = nil
		for _, u := range order {
			ps := byUser[u]
			// Users 900..905 share streams with the split shuffles below (seeds.SplitSeenUser,
			// streams.go); kept, as moving them would change the data.
			r := seeds.SplitSeenUser.Rand(opt.SplitSeed, u)
			r.Shuffle(len(ps), func(a, b int) { ps[a], ps[b] = ps[b], ps[a] })
			nVal := int(math.Round(opt.ValFraction * float64(len(ps))))
			rel.Pairs[datasets.Val] = append(rel.Pairs[datasets.Val], ps[:nVal]...)
			rel.Pairs[datasets.Train] = append(rel.Pairs[datasets.Train], ps[nVal:]...)
		}
	}
	datasets.ShuffleSplits(rel.Pairs, opt.SplitSeed)
	for sp, ps := range rel.Pairs {
		st.Pairs[sp] = len(ps)
	}
	for _, u := range users {
		if u.Seen {
			st.SeenUsers++
		} else {
			st.UnseenUsers++
		}
	}
	st.Groups = len(groupNames)
	rel.Stats = st
	rel.sum = h.Sum(nil)
	return rel, nil
}

// Build embeds the statements (items) and prompts of a release into Data, in one call of emb
// (statements first, then prompts), each distinct text once. A pair's right statement equal to
// its left one cannot occur (Read refuses it).
func Build(ctx context.Context, rel *Release, emb embed.Embedder) (*datasets.Data, error) {
	if emb == nil {
		return nil, fmt.Errorf("persona-in-pal needs a text embedder")
	}
	var texts datasets.Texts
	d := &datasets.Data{Name: "persona-in-pal", Splits: map[datasets.Split][]datasets.Pair{}}
	for _, sp := range datasets.AllSplits {
		for _, p := range rel.Pairs[sp] {
			d.Splits[sp] = append(d.Splits[sp], datasets.Pair{User: p.User, Left: texts.Item(p.Left), Right: texts.Item(p.Right), Prompt: -1, LeftPreferred: p.LeftPreferred})
		}
	}
	hasPrompts := false
	for _, ps := range rel.Pairs {
		for _, p := range ps {
			hasPrompts = hasPrompts || p.Prompt != ""
		}
	}
	if hasPrompts {
		for _, sp := range datasets.AllSplits {
			for i, p := range rel.Pairs[sp] {
				d.Splits[sp][i].Prompt = texts.Prompt(p.Prompt)
			}
		}
	}
	vecs, dim, err := texts.Embed(ctx, emb, "persona-in-pal")
	if err != nil {
		return nil, err
	}
	nItems := texts.Items()
	d.Dim, d.Items = dim, datasets.Float32s(vecs[:nItems*dim]) // stored as float32
	if hasPrompts {
		d.PromptDim, d.Prompts = dim, datasets.Float32s(vecs[nItems*dim:])
	}
	d.Users = append([]datasets.User(nil), rel.Users...)
	if len(rel.GroupNames) > 0 {
		d.NumGroups, d.GroupNames = len(rel.GroupNames), append([]string(nil), rel.GroupNames...)
	}
	d.Fingerprint = datasets.TextFingerprint(rel.sum, emb, dim)
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("persona-in-pal: %w", err)
	}
	return d, nil
}
