#!/usr/bin/env python3
"""Train the same PAL model on the same synthetic data in PyTorch (CPU) and in pal (Go), and
print both throughputs and their ratio, measured in one run on one machine.

Run with Debian's python3-torch (the product itself is Go):

    /usr/bin/python3 bench/torch_compare.py --size small --threads 2
    /usr/bin/python3 bench/torch_compare.py --size large --batch 4096 --threads 2

Debian's torch multiplies matrices with the system libblas.so.3: the reference BLAS unless an
optimised one is installed (`apt-get install libopenblas0-pthread` makes OpenBLAS the
alternative); the output names the library used (torch_blas), so say which one a table used.

The Go side is `go run ./bench/gobench` with the same flags; both time whole training steps
(forward, backward, AdamW update) on mini-batches drawn from one fixed data set, after warm-up.
With --rounds R the two sides alternate R times and the ratio printed is the median of the R
per-round ratios (each round's numbers are in "rounds").
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn

SIZES = {
    # name: (D item dim, MLP layers L, width, latent (output) dim, K, residual). pal's MLP has
    # one width for its hidden layers and its output, so the small size (hidden 64,
    # latent 16) is trained by both sides as hidden = latent = 64 (internal/benchkit).
    "small": dict(dim=64, layers=1, width=64, latent=64, k=3, residual=False),
    "large": dict(dim=1024, layers=2, width=1024, latent=1024, k=2, residual=True),
}


class MLP(nn.Module):
    """The authors' mlpL: L blocks Linear -> Dropout -> ReLU, then a final Linear."""

    def __init__(self, d_in, layers, width, latent, residual, dropout=0.0):
        super().__init__()
        mods, d = [], d_in
        for _ in range(layers):
            mods += [nn.Linear(d, width), nn.Dropout(dropout), nn.ReLU()]
            d = width
        mods.append(nn.Linear(d, latent))
        self.net = nn.Sequential(*mods)
        self.residual = residual

    def forward(self, x):
        y = self.net(x)
        return x + y if self.residual else y


class PALA(nn.Module):
    """PAL-A with ideal point f(w^T P), Euclidean distances, hinge loss."""

    def __init__(self, cfg, users):
        super().__init__()
        self.f = MLP(cfg["dim"], cfg["layers"], cfg["width"], cfg["latent"], cfg["residual"])
        p = torch.randn(cfg["k"], cfg["dim"])
        self.P = nn.Parameter(p / p.norm(dim=1, keepdim=True))
        self.W = nn.Parameter(0.1 * torch.randn(users, cfg["k"]))

    def loss(self, items, left, right, user, y):
        w = torch.softmax(self.W[user], dim=1)
        u = self.f(w @ self.P)
        a = self.f(items[left])
        b = self.f(items[right])
        margin = (b - u).norm(dim=1) - (a - u).norm(dim=1)  # > 0 predicts left
        return torch.clamp(1 - y * margin, min=0).mean()

    def groups(self, lr_mlp=1e-4, lr_user=5e-3):
        return [
            {"params": self.f.parameters(), "lr": lr_mlp, "weight_decay": 0.01},
            {"params": [self.P, self.W], "lr": lr_user, "weight_decay": 0.0},
        ]


class PALB(nn.Module):
    """PAL-B: K prompt mappings g_k, items by f, scaled cosine, 2-way cross-entropy."""

    def __init__(self, cfg, users):
        super().__init__()
        mk = lambda: MLP(cfg["dim"], cfg["layers"], cfg["width"], cfg["latent"], cfg["residual"])
        self.f = mk()
        self.g = nn.ModuleList([mk() for _ in range(cfg["k"])])
        self.W = nn.Parameter(0.1 * torch.randn(users, cfg["k"]))
        self.theta = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def loss(self, items, prompts, left, right, prompt, user, y):
        w = torch.softmax(self.W[user], dim=1)
        c = prompts[prompt]
        g = torch.stack([gk(c) for gk in self.g], dim=1)  # B x K x d
        u = (w.unsqueeze(2) * g).sum(dim=1)
        scale = self.theta.exp().clamp(max=100)
        sl = scale * torch.cosine_similarity(self.f(items[left]), u, dim=1)
        sr = scale * torch.cosine_similarity(self.f(items[right]), u, dim=1)
        logits = torch.stack([sl, sr], dim=1)
        target = (y < 0).long()  # y = +1: left preferred -> class 0
        return nn.functional.cross_entropy(logits, target)

    def groups(self):
        return [
            {"params": list(self.f.parameters()) + list(self.g.parameters()), "lr": 1e-4, "weight_decay": 0.01},
            {"params": [self.W], "lr": 5e-3, "weight_decay": 0.0},
            {"params": [self.theta], "lr": 0.1, "weight_decay": 0.0},
        ]


def torch_throughput(args, cfg):
    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    items = torch.randn(args.items, cfg["dim"])
    prompts = torch.randn(args.prompts, cfg["dim"])
    users = 100
    n = args.batch * 8
    gen = torch.Generator().manual_seed(2)
    left = torch.randint(0, args.items, (n,), generator=gen)
    right = torch.randint(0, args.items, (n,), generator=gen)
    user = torch.randint(0, users, (n,), generator=gen)
    prompt = torch.randint(0, args.prompts, (n,), generator=gen)
    y = torch.randint(0, 2, (n,), generator=gen).float() * 2 - 1
    model = PALA(cfg, users) if args.model == "pal-a" else PALB(cfg, users)
    opt = torch.optim.AdamW(model.groups())

    def step(i):
        s = (i % 8) * args.batch
        sl = slice(s, s + args.batch)
        opt.zero_grad(set_to_none=True)
        if args.model == "pal-a":
            loss = model.loss(items, left[sl], right[sl], user[sl], y[sl])
        else:
            loss = model.loss(items, prompts, left[sl], right[sl], prompt[sl], user[sl], y[sl])
        loss.backward()
        opt.step()

    for i in range(args.warmup):
        step(i)
    t0 = time.perf_counter()
    steps = 0
    while True:
        step(steps)
        steps += 1
        el = time.perf_counter() - t0
        if el >= args.seconds and steps >= 3:
            break
    return steps * args.batch / el


def torch_blas():
    """The BLAS library PyTorch's matrix products went through (Debian's torch calls the system
    libblas.so.3, which is the slow reference BLAS unless an optimised one such as OpenBLAS
    (libopenblas0-pthread) is installed as its alternative)."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in os.path.basename(path) or "mkl" in os.path.basename(path):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def go_throughput(args):
    cmd = ["go", "run"] + (["-tags", args.go_tags] if args.go_tags else []) + [
           "./bench/gobench", "-model", args.model, "-size", args.size,
           "-batch", str(args.batch), "-threads", str(args.threads),
           "-items", str(args.items), "-seconds", str(args.seconds)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         cwd=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=["pal-a", "pal-b"], default="pal-a")
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--prompts", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=5.0, help="time each side at least this long")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--no-go", action="store_true", help="measure PyTorch only")
    ap.add_argument("--go-tags", default="", help="build tags of the Go side (e.g. openblas)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="alternate the two sides this many times (PyTorch, Go, PyTorch, Go, ...) and "
                         "report the median of the per-round ratios: a slow spell of the machine then "
                         "hits both sides instead of deciding one ratio")
    args = ap.parse_args()
    cfg = SIZES[args.size]
    rounds, go = [], None
    for _ in range(max(1, args.rounds)):
        r = {"torch": round(torch_throughput(args, cfg), 1)}
        if not args.no_go:
            go = go_throughput(args)
            r.update({"go": round(go["pairs_per_s"], 1), "ratio": round(go["pairs_per_s"] / r["torch"], 3)})
        rounds.append(r)
    med = lambda key: statistics.median(r[key] for r in rounds)
    row = {"model": args.model, "size": args.size, "batch": args.batch, "threads": args.threads,
           "torch_version": torch.__version__, "torch_blas": torch_blas(),
           "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")},
           "torch_pairs_per_s": round(med("torch"), 1)}
    if go is not None:
        row.update({"go_blas": go.get("blas"), "go_kernel": go.get("kernel"), "go_precision": go.get("precision"),
                    "go_pairs_per_s": round(med("go"), 1),
                    "go_gflops": round(go["gflops"] * med("go") / go["pairs_per_s"], 2),
                    "ratio_go_over_torch": round(med("ratio"), 2)})
    if len(rounds) > 1:  # the medians above, and every round
        row["rounds"] = rounds
    print(json.dumps(row))


if __name__ == "__main__":
    sys.exit(main())
