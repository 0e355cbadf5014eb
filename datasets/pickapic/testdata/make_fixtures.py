#!/usr/bin/python3
"""Write the Pick-a-Pic / Pick-a-Filter test fixtures in the layout of the PAL authors' release.

The authors (github.com/RamyaLab/pluralistic-alignment, src/dataset.py) read one joblib file
per comparison, named "<unique id>.joblib", holding

    (((uid, prompt_emb, (left_emb, right_emb)), y), unique_id)

and torch.save'd lists of unique ids per split (train_ranking_ids.pt,
val_ranking_ids_seen_users.pt, test_ranking_ids_seen_users.pt). PAL.md describes the bare
((uid, prompt_emb, (left_emb, right_emb)), y) form; the loader accepts both, and so these
fixtures use both. Labels: y = -1 means LEFT preferred (the authors' convention).

Run with Debian's interpreter and packages (PyPI is not reachable here):

    apt-get install -y python3-torch python3-numpy python3-joblib
    /usr/bin/python3 datasets/pickapic/testdata/make_fixtures.py

It rewrites, next to itself:
  numpy.zip   numpy float32 vectors (joblib stores them out of band), wrapped samples,
              y in {-1,+1}, some user ids numpy strings, integer ids, split lists in torch's zip format (one id listed but
              absent, one entry listed nowhere), a README and a directory entry to skip.
  torch.zip   torch float32 tensors, bare samples, y in {0,1} as Python and numpy integers,
              integer user ids, string ids, some entries joblib-compressed (zlib), seen and
              unseen split lists, one in torch's legacy (non-zip) format.
  labels.zip  numpy float64 (1 x D) arrays, y in {-1,3} (some as numpy float64), no split lists.
  expected.json  every comparison as plain JSON, for the Go tests to compare with.
"""
import io
import json
import os
import zipfile

import joblib
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DIM = 6
STAMP = (2024, 1, 1, 0, 0, 0)


def add(zf, name, data):
    info = zipfile.ZipInfo(name, date_time=STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def joblib_bytes(obj, compress=0):
    # joblib writes arrays out of band after the pickle frame that describes them; a BytesIO
    # behaves like the authors' files on disk.
    buf = io.BytesIO()
    joblib.dump(obj, buf, compress=compress)
    return buf.getvalue()


def torch_bytes(obj, legacy=False):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
    return buf.getvalue()


def pools(rng, n_images, n_prompts, dtype):
    images = rng.standard_normal((n_images, DIM)).astype(dtype)
    prompts = rng.standard_normal((n_prompts, DIM)).astype(dtype)
    return images, prompts


def comparisons(rng, ids, users, n_images, n_prompts, labels):
    out = []
    for i, rid in enumerate(ids):
        left, right = rng.choice(n_images, size=2, replace=False)
        out.append(dict(id=rid, uid=users[i % len(users)], prompt=int(rng.integers(n_prompts)),
                        left=int(left), right=int(right), y=labels[int(rng.integers(len(labels)))]))
    return out


def expected(comps, images, prompts, split_of):
    return [dict(id=str(c["id"]), uid=str(c["uid"]), y=c["y"], split=split_of.get(c["id"]),
                 prompt=[float(v) for v in prompts[c["prompt"]].ravel()],
                 left=[float(v) for v in images[c["left"]].ravel()],
                 right=[float(v) for v in images[c["right"]].ravel()]) for c in comps]


def numpy_fixture(rng):
    images, prompts = pools(rng, 12, 4, np.float32)
    ids = list(range(1000, 1024))
    comps = comparisons(rng, ids, ["alice", "bob", "carol", "dave"], 12, 4, [-1, 1])
    train, val, test = ids[:16], ids[16:20], ids[20:23]  # 1023 is listed nowhere
    split_of = {**{i: "train" for i in train}, **{i: "val" for i in val}, **{i: "test" for i in test}}
    root = "pickapic_v1-openclip-h14_default/"
    with zipfile.ZipFile(os.path.join(HERE, "numpy.zip"), "w") as zf:
        zf.writestr(zipfile.ZipInfo(root, date_time=STAMP), b"")
        add(zf, root + "README.txt", b"fixture\n")
        for i, c in enumerate(comps):
            uid = np.str_(c["uid"]) if i % 3 == 0 else c["uid"]  # numpy strings pickle as numpy scalars
            sample = (((uid, prompts[c["prompt"]], (images[c["left"]], images[c["right"]])), c["y"]), c["id"])
            add(zf, root + "%d.joblib" % c["id"], joblib_bytes(sample))
        add(zf, root + "instructions/train_ranking_ids.pt", torch_bytes(train + [9999]))  # 9999: absent
        add(zf, root + "instructions/val_ranking_ids_seen_users.pt", torch_bytes(val))
        add(zf, root + "instructions/test_ranking_ids_seen_users.pt", torch_bytes(test))
    return expected(comps, images, prompts, split_of)


def torch_fixture(rng):
    images, prompts = pools(rng, 10, 3, np.float32)
    ids = ["r%03d" % i for i in range(20)]
    comps = comparisons(rng, ids, [7, 8, 9, 10], 10, 3, [0, 1])
    seen = [c["id"] for c in comps if c["uid"] in (7, 8, 9)]
    unseen = [c["id"] for c in comps if c["uid"] == 10]
    lists = {
        "train_ranking_ids.pt": (seen[:9], False),
        "val_ranking_ids_seen_users.pt": (seen[9:12], True),  # torch's legacy format
        "test_ranking_ids_seen_users.pt": (seen[12:], False),
        "train_ranking_ids_unseen_users.pt": (unseen[:3], False),
        "test_ranking_ids_unseen_users.pt": (unseen[3:], False),
    }
    names = {"train_ranking_ids.pt": "train", "val_ranking_ids_seen_users.pt": "val",
             "test_ranking_ids_seen_users.pt": "test", "train_ranking_ids_unseen_users.pt": "unseen_train",
             "test_ranking_ids_unseen_users.pt": "unseen_test"}
    split_of = {}
    for name, (members, _) in lists.items():
        for m in members:
            split_of[m] = names[name]
    t = lambda row: torch.from_numpy(row.copy())
    with zipfile.ZipFile(os.path.join(HERE, "torch.zip"), "w") as zf:
        for i, c in enumerate(comps):
            y = np.int64(c["y"]) if i % 2 else c["y"]
            sample = ((c["uid"], t(prompts[c["prompt"]]), (t(images[c["left"]]), t(images[c["right"]]))), y)
            add(zf, "embeds/%s.joblib" % c["id"], joblib_bytes(sample, compress=3 if i % 3 == 0 else 0))
        for name, (members, legacy) in lists.items():
            add(zf, "splits/" + name, torch_bytes(members, legacy=legacy))
    return expected(comps, images, prompts, split_of)


def labels_fixture(rng):
    images, prompts = pools(rng, 8, 2, np.float64)
    ids = list(range(12))
    comps = comparisons(rng, ids, ["g1-a", "g2-b", "g1-c"], 8, 2, [-1, 3])
    row = lambda a: a.reshape(1, DIM)
    with zipfile.ZipFile(os.path.join(HERE, "labels.zip"), "w") as zf:
        for i, c in enumerate(comps):
            y = np.float64(c["y"]) if i % 2 else c["y"]
            sample = ((c["uid"], row(prompts[c["prompt"]]), (row(images[c["left"]]), row(images[c["right"]]))), y)
            add(zf, "paf_0.4_mix_ratio/%d.joblib" % c["id"], joblib_bytes(sample))
    return expected(comps, images, prompts, {})


def main():
    rng = np.random.default_rng(20240601)
    out = {"numpy.zip": numpy_fixture(rng), "torch.zip": torch_fixture(rng), "labels.zip": labels_fixture(rng)}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
