package datasets

import (
	"fmt"
	"strings"
)

// Problems lists what in d would make runs fail or mislead, one sentence each: no training
// pairs at all (every run would fail; preflight refuses such data), seen users without training
// pairs (the model cannot learn their weights, yet they are evaluated), unseen users without
// test pairs. `pal data info` prints them; Notes carries what a loader found besides (users.csv
// users with no pairs).
func (d *Data) Problems() []string {
	var out []string
	if len(d.Splits[Train]) == 0 {
		out = append(out, fmt.Sprintf("data set %q has no training pairs (split train): nothing can be fitted; give seen users train pairs", d.Name))
	}
	count := make(map[Split][]int, len(AllSplits))
	for _, sp := range AllSplits {
		c := make([]int, len(d.Users))
		for _, p := range d.Splits[sp] {
			c[p.User]++
		}
		count[sp] = c
	}
	var noTrain, noTest, none []string
	for u, usr := range d.Users {
		total := 0
		for _, sp := range AllSplits {
			total += count[sp][u]
		}
		switch {
		case total == 0:
			none = append(none, usr.ID)
		case usr.Seen && count[Train][u] == 0:
			noTrain = append(noTrain, usr.ID)
		case !usr.Seen && count[UnseenTest][u] == 0:
			noTest = append(noTest, usr.ID)
		}
	}
	if len(noTrain) > 0 && len(d.Splits[Train]) > 0 {
		out = append(out, fmt.Sprintf("%d seen user(s) have no training pairs, only val or test pairs (%s): their weights stay at their initial values, yet their test pairs count", len(noTrain), someIDs(noTrain)))
	}
	if len(noTest) > 0 {
		out = append(out, fmt.Sprintf("%d unseen user(s) have no unseen_test pairs (%s): they add nothing to unseen-user accuracy", len(noTest), someIDs(noTest)))
	}
	if len(none) > 0 {
		out = append(out, fmt.Sprintf("%d user(s) have no pairs at all (%s)", len(none), someIDs(none)))
	}
	return out
}

// someIDs lists up to five IDs.
func someIDs(ids []string) string {
	if len(ids) > 5 {
		return strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
	}
	return strings.Join(ids, ", ")
}
