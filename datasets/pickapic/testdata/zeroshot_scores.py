#!/usr/bin/python3
"""Compute, independently of pal, the zero-shot margins `pal data convert --scores` must write.

For every comparison of the fixtures (expected.json, written by make_fixtures.py from the same
arrays as the archives), the CLIP-style reward margin that PickScore's reference code computes
from projected embeddings (github.com/yuvalkirstain/PickScore, README "Inference with
PickScore"): normalise the prompt and image embeddings, take dot products, multiply by the
logit scale (here 100):

    margin = 100 * (<p/|p|, l/|l|> - <p/|p|, r/|r|>)

Run with Debian's interpreter and numpy (apt-get install -y python3-numpy):

    /usr/bin/python3 datasets/pickapic/testdata/zeroshot_scores.py

It rewrites expected_zeroshot.json next to itself: {archive: {comparison id: margin}}.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SCALE = 100.0

with open(os.path.join(HERE, "expected.json")) as f:
    expected = json.load(f)

out = {}
for archive, comparisons in sorted(expected.items()):
    margins = {}
    for c in comparisons:
        p = np.asarray(c["prompt"], dtype=np.float64).ravel()
        emb = np.stack([np.asarray(c["left"], dtype=np.float64).ravel(),
                        np.asarray(c["right"], dtype=np.float64).ravel()])
        p = p / np.linalg.norm(p)
        emb = emb / np.linalg.norm(emb, axis=1, keepdims=True)
        scores = SCALE * (emb @ p)  # the rewards of the left and right image
        margins[c["id"]] = float(scores[0] - scores[1])
    out[archive] = margins

with open(os.path.join(HERE, "expected_zeroshot.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
