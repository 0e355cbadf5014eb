package pickapic

import (
	"fmt"

	"github.com/pal-harness/pal/datasets/catalog"
)

const (
	pickapicBase    = "https://huggingface.co/datasets/ramya-ml/pickapic-embeds/resolve/main/embeddings/"
	pickAFilterBase = "https://huggingface.co/datasets/ramya-ml/pick-a-filter-embeds/resolve/main/"
)

// pickapicArchives are the PAL authors' Pick-a-Pic embeddings: the catalog name's suffix (the
// pickapic kind's release key), the file, its size as the dataset page shows it, and what it is.
var pickapicArchives = []struct{ release, file, size, what string }{
	{"v1", "pickapic_v1-openclip-h14_default.zip", "12.5 GB", "Pick-a-Pic v1, OpenCLIP ViT-H/14 embeddings of prompts and images"},
	{"v1-filter", "pickapic_v1-openclip-h14_filter.zip", "3.35 GB", "Pick-a-Pic v1 filtered by the authors, OpenCLIP ViT-H/14"},
	{"v1-filter-noties", "pickapic_v1-openclip-h14_filter_noties.zip", "3.31 GB", "Pick-a-Pic v1 filtered, without ties, OpenCLIP ViT-H/14"},
	{"v2", "pickapic_v2-openclip-h14_default.zip", "20.5 GB", "Pick-a-Pic v2, OpenCLIP ViT-H/14"},
	{"v1-pickscore", "pickapic_v1-pickscore-v1-default.zip", "12.5 GB", "Pick-a-Pic v1, PickScore embeddings"},
	{"v1-pickscore-filter", "pickapic_v1-pickscore-v1_filter.zip", "3.35 GB", "Pick-a-Pic v1 filtered, PickScore embeddings"},
}

// archiveLayout is what every archive entry's notes begin with.
const archiveLayout = "A zip of one joblib pickle per comparison and torch-saved split lists (see datasets/pickapic). "

// pickAPicEntries lists the PAL authors' Pick-a-Pic archives (the pickapic kind).
func pickAPicEntries() []catalog.Entry {
	layout := archiveLayout
	var out []catalog.Entry
	for _, a := range pickapicArchives {
		out = append(out, catalog.Entry{
			Name:        "pickapic-" + a.release,
			Description: a.what + " (" + a.size + "), as the PAL authors published them",
			Kind:        "pickapic",
			License:     "MIT (dataset page)",
			Source:      "huggingface.co/datasets/ramya-ml/pickapic-embeds, file embeddings/" + a.file + "; PAL, Chen et al., ICLR 2025",
			Notes: layout + "Not pinned: no checksums are published and the URL follows the main branch; the size (" + a.size +
				") is the dataset page's. The file is read in place, streamed entry by entry.",
			Files: []catalog.File{{Name: a.file, URL: pickapicBase + a.file}},
		})
	}
	return out
}

// pickAFilterEntries lists the PAL authors' Pick-a-Filter archives, one per mixture ratio (the
// pick-a-filter kind).
func pickAFilterEntries() []catalog.Entry {
	layout := archiveLayout
	var out []catalog.Entry
	for _, beta := range MixRatios {
		b := BetaText(beta)
		file := "paf_" + b + "_mix_ratio.zip"
		confirmed := "the dataset card names paf_0.4_mix_ratio.zip and says beta runs from 0.0 to 1.0; this file name follows that pattern and is assumed"
		if b == "0.4" {
			confirmed = "this file name is the one the dataset card gives"
		}
		out = append(out, catalog.Entry{
			Name:        "pick-a-filter-" + b,
			Description: fmt.Sprintf("Pick-a-Filter with mixture ratio beta = %s: Pick-a-Pic v1 users in two groups preferring cool (blue) or warm (red) filtered images, OpenCLIP ViT-H/14 embeddings", b),
			Kind:        "pick-a-filter",
			License:     "MIT (dataset page)",
			Source:      "huggingface.co/datasets/ramya-ml/pick-a-filter-embeds, file " + file + "; PAL, Chen et al., ICLR 2025",
			Notes:       layout + "Not pinned: no checksums are published; the size is not known here (a few GB). " + confirmed + ".",
			Files:       []catalog.File{{Name: file, URL: pickAFilterBase + file}},
		})
	}
	return out
}
