#!/usr/bin/env python3
"""Writes torch_values.json: loss, score and AdamW values computed by PyTorch, which
models/torch_values_test.go compares pal's float64 code against.

The formulas are the authors' (RamyaLab/pluralistic-alignment, branch main: src/loss_function.py,
src/pal_rm_a/learner.py; CE via torch.nn.CrossEntropyLoss as in their cross_entropy_loss), written
here in their own convention: a score difference `out = r_right - r_left`-like output (their
`x_to_u_left - x_to_u_right`) with target y = -1 when the left item is preferred. pal's code uses
the margin m = r(left) - r(right) and t = +1 for left, so it must agree value for value. One
deliberate difference is reproduced as pal has it: dist_logistic's logits are -s*||f(x) - u||
(the authors' +s is taken for a sign slip; README "Where we differ").

Regenerate (Debian's python3-torch; the committed JSON is what the test reads, torch is not a
dependency of pal):  /usr/bin/python3 models/testdata/torch_values.py > models/testdata/torch_values.json
"""
import json
import math

import torch

torch.manual_seed(20261202)
DT = torch.float64


def hinge(out, y):  # hinge_loss, margin 1
    return torch.clamp(1.0 - y * out, min=0)


def smooth_hinge(out, y, gamma=5.0):  # hinge_loss_smooth
    ty = y * out
    return torch.where(ty >= 1 - gamma, 0.5 / gamma * torch.clamp(1 - ty, min=0) ** 2, 1 - 0.5 * gamma - ty)


def logistic(out, y):  # nll_logistic_loss
    return -torch.log(1 / (1 + torch.exp(-(y * out))))


def ce(logits, cls):  # cross_entropy_loss, reduction none
    return torch.nn.CrossEntropyLoss(reduction="none")(logits, cls)


def pair_loss_grid():
    """Each loss at a grid of pal margins m, both targets: value and d/dm."""
    rows = []
    for kind in ["hinge", "smooth_hinge", "logistic", "cross_entropy"]:
        for m0 in [-30.0, -6.5, -4.0, -1.0, -0.25, 0.0, 0.4, 0.999, 1.0, 1.5, 6.0, 30.0]:
            for left in [True, False]:
                m = torch.tensor(m0, dtype=DT, requires_grad=True)
                if kind == "cross_entropy":
                    # two logits whose difference is m: (m, 0); class 0 = left preferred
                    logits = torch.stack([m, torch.zeros((), dtype=DT)]).unsqueeze(0)
                    loss = ce(logits, torch.tensor([0 if left else 1]))[0]
                else:
                    out = -m  # the authors' output is r(right) - r(left)
                    y = torch.tensor(-1.0 if left else 1.0, dtype=DT)
                    loss = {"hinge": hinge, "smooth_hinge": smooth_hinge, "logistic": logistic}[kind](out, y)
                loss.backward()
                rows.append({"kind": kind, "m": m0, "left_preferred": left,
                             "loss": loss.item(), "dm": m.grad.item()})
    return rows


def batch_case(score, loss_kind, weighting, bound, theta):
    B, d = 6, 4
    L = torch.randn(B, d, dtype=DT)
    R = torch.randn(B, d, dtype=DT)
    U = torch.randn(B, d, dtype=DT)
    U[1] *= 3.0  # norms above the bound B = 4
    U[4] *= 3.5
    users = [0, 1, 0, 2, 1, 0]
    counts = {u: users.count(u) for u in set(users)}
    imp = [1.0 / counts[u] for u in range(3)]  # their init_user_importance: 1 / training pairs
    left = [bool(b) for b in (torch.rand(B) < 0.5).tolist()]
    Lg, Rg, Ug = (x.clone().requires_grad_(True) for x in (L, R, U))
    th = torch.tensor(theta, dtype=DT, requires_grad=True)
    s = torch.clamp(th.exp(), max=100)
    y = torch.tensor([-1.0 if l else 1.0 for l in left], dtype=DT)
    cls = torch.tensor([0 if l else 1 for l in left])
    if score == "dist":
        out = torch.linalg.norm(Lg - Ug, dim=-1) - torch.linalg.norm(Rg - Ug, dim=-1)
    elif score == "dist_normalization":
        nl = Lg / torch.norm(Lg, dim=-1, keepdim=True)  # per item vector (their dim=1 is a slip)
        nr = Rg / torch.norm(Rg, dim=-1, keepdim=True)
        nu = Ug / torch.norm(Ug, dim=-1, keepdim=True)
        out = torch.linalg.norm(nl - nu, dim=-1) - torch.linalg.norm(nr - nu, dim=-1)
    elif score in ("angle", "angle_hinge"):
        nl = Lg / torch.norm(Lg, dim=-1, keepdim=True)
        nr = Rg / torch.norm(Rg, dim=-1, keepdim=True)
        nu = Ug / torch.norm(Ug, dim=-1, keepdim=True)
        sim_l = (nu * nl).sum(-1) * s
        sim_r = (nu * nr).sum(-1) * s
        if score == "angle":
            logits = torch.stack([sim_l, sim_r], dim=-1)
        else:
            out = (1 - sim_l) - (1 - sim_r)
    elif score == "dist_logistic":
        logits = torch.stack([-s * torch.linalg.norm(Lg - Ug, dim=-1), -s * torch.linalg.norm(Rg - Ug, dim=-1)], dim=-1)
    if loss_kind == "cross_entropy":
        per = ce(logits, cls)
    else:
        per = {"hinge": hinge, "smooth_hinge": smooth_hinge, "logistic": logistic}[loss_kind](out, y)
    if weighting:
        w = torch.tensor([imp[u] for u in users], dtype=DT)
        total = (per * (w / w.sum())).sum()
    else:
        total = per.mean()
    if bound:
        total = total + 1.0 * torch.sum(torch.clamp(torch.norm(Ug, dim=1) - 4.0, min=0))
    total.backward()
    return {
        "score": score, "loss": loss_kind, "user_weighting": weighting, "bound": bound, "theta": theta,
        "L": L.tolist(), "R": R.tolist(), "U": U.tolist(), "users": users, "imp": imp, "left_preferred": left,
        "total": total.item(), "gL": Lg.grad.tolist(), "gR": Rg.grad.tolist(), "gU": Ug.grad.tolist(),
        "gtheta": 0.0 if th.grad is None else th.grad.item(),
    }


def batches():
    init = math.log(1 / 0.07)
    cases = [
        ("dist", "hinge", False, False, init),
        ("dist", "smooth_hinge", False, False, init),
        ("dist", "logistic", False, False, init),
        ("dist", "hinge", True, True, init),
        ("dist_normalization", "hinge", False, False, init),
        ("dist_normalization", "logistic", True, False, init),
        ("angle_hinge", "logistic", False, False, init),
        ("angle_hinge", "smooth_hinge", False, True, init),
        ("angle", "cross_entropy", False, False, init),
        ("angle", "cross_entropy", True, True, 0.3),
        ("angle", "cross_entropy", False, False, math.log(150.0)),  # clamped at 100: no theta gradient
        ("dist_logistic", "cross_entropy", False, False, 0.7),
        ("dist_logistic", "cross_entropy", True, False, -0.4),
    ]
    return [batch_case(*c) for c in cases]


def adamw():
    """torch.optim.AdamW with two parameter groups over 7 steps of given gradients."""
    f = torch.randn(5, dtype=DT)
    w = torch.randn(3, dtype=DT)
    pf, pw = f.clone().requires_grad_(True), w.clone().requires_grad_(True)
    groups = [{"name": "mlp", "lr": 1e-3, "weight_decay": 0.01}, {"name": "user", "lr": 5e-2, "weight_decay": 0.0}]
    opt = torch.optim.AdamW([{"params": [pf], "lr": 1e-3, "weight_decay": 0.01},
                             {"params": [pw], "lr": 5e-2, "weight_decay": 0.0}])
    steps = []
    for _ in range(7):
        gf = torch.randn(5, dtype=DT) * 0.5
        gw = torch.randn(3, dtype=DT) * 2.0
        pf.grad, pw.grad = gf.clone(), gw.clone()
        opt.step()
        steps.append({"grad_mlp": gf.tolist(), "grad_user": gw.tolist(),
                      "mlp": pf.detach().tolist(), "user": pw.detach().tolist()})
    return {"groups": groups, "mlp0": f.tolist(), "user0": w.tolist(), "steps": steps}


print(json.dumps({"torch": torch.__version__, "pair_loss": pair_loss_grid(), "batches": batches(), "adamw": adamw()}, indent=1))
