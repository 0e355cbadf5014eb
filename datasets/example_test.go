package datasets_test

import (
	"fmt"
	"log"
	"os"

	"github.com/pal-harness/pal/datasets"
)

// The default synthetic setting: 3 true prototypes, 60 seen users with 100 pairs each split
// 70/10/20, and 20 unseen users with 100/20/50 few-shot, validation and test pairs.
func ExampleGenerateSynthetic() {
	d, err := datasets.GenerateSynthetic(datasets.DefaultSynthetic(), 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.NumItems(), "items of dimension", d.Dim, "in", d.NumGroups, "groups")
	for _, s := range datasets.AllSplits {
		fmt.Printf("%-12s %5d pairs\n", s, len(d.Splits[s]))
	}
	fmt.Println("first users:", d.Users[0].ID, d.Users[len(d.SeenUsers())].ID)
	// Output:
	// 1000 items of dimension 16 in 3 groups
	// train         4200 pairs
	// val            600 pairs
	// test          1200 pairs
	// unseen_train  2000 pairs
	// unseen_val     400 pairs
	// unseen_test   1000 pairs
	// first users: u0001 new0001
}

// Exporting synthetic data in the bring-your-own format and reading it back.
func ExampleWriteFiles() {
	cfg := datasets.DefaultSynthetic()
	cfg.SeenUsers, cfg.UnseenUsers = 6, 0
	d, err := datasets.GenerateSynthetic(cfg, 1)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "export")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := datasets.WriteFiles(dir, d); err != nil {
		log.Fatal(err)
	}
	back, err := datasets.LoadFiles(dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(back.Users), "users,", len(back.Splits[datasets.Train]), "train pairs, groups", back.GroupNames)
	// Output:
	// 6 users, 420 train pairs, groups [g0 g1 g2]
}
