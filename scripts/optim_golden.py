#!/usr/bin/python3
"""Golden optimizer trajectories from PyTorch for tests/optim.test.ts.

Applies torch.optim.SGD (plain, momentum), RMSprop (plain, momentum, centered, centered with
momentum) and Adam (two settings) to one fixed float32 parameter vector and a fixed sequence
of float32 gradients, and records the parameters after every step plus the optimizer state
that shares our convention (RMSprop square_avg / grad_avg, Adam exp_avg / exp_avg_sq).
Run with Debian's PyTorch:  /usr/bin/python3 scripts/optim_golden.py
Writes tests/fixtures/optim_golden.json.
"""
import json
import math
import os

import torch

N = 37      # not a multiple of 4 or 8: the SIMD kernels' remainders are exercised
STEPS = 6


def f32(x):
    return torch.tensor(x, dtype=torch.float32)


def initial_params():
    return [math.cos(0.37 * i) * (1 + i % 3) for i in range(N)]


def gradients():
    seq = []
    for t in range(STEPS):
        g = []
        for i in range(N):
            scale = 10.0 ** ((i % 5) - 2)          # 1e-2 .. 1e2: the adaptive methods rescale
            v = math.sin(1.3 * i + 0.7 * t + 0.1) * scale
            if i % 11 == 5 and t % 2 == 0:
                v = 0.0                             # exact zeros now and then
            g.append(v)
        seq.append(g)
    return seq


CASES = [
    ("sgd", "sgd", dict(lr=0.05, momentum=0.0)),
    ("sgd_momentum", "sgd", dict(lr=0.05, momentum=0.9)),
    ("rmsprop", "rmsprop", dict(lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, centered=False)),
    ("rmsprop_momentum", "rmsprop", dict(lr=0.01, alpha=0.9, eps=1e-6, momentum=0.9, centered=False)),
    ("rmsprop_centered", "rmsprop", dict(lr=0.01, alpha=0.95, eps=1e-4, momentum=0.0, centered=True)),
    ("rmsprop_centered_momentum", "rmsprop", dict(lr=0.003, alpha=0.9, eps=1e-5, momentum=0.5, centered=True)),
    ("adam", "adam", dict(lr=0.001, betas=(0.9, 0.999), eps=1e-8)),
    ("adam_fast", "adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6)),
]


def run(kind, hp, p0, grads):
    p = torch.nn.Parameter(f32(p0))
    if kind == "sgd":
        opt = torch.optim.SGD([p], lr=hp["lr"], momentum=hp["momentum"])
    elif kind == "rmsprop":
        opt = torch.optim.RMSprop([p], lr=hp["lr"], alpha=hp["alpha"], eps=hp["eps"],
                                  momentum=hp["momentum"], centered=hp["centered"])
    else:
        opt = torch.optim.Adam([p], lr=hp["lr"], betas=hp["betas"], eps=hp["eps"])
    params, state = [], []
    for g in grads:
        p.grad = f32(g)
        opt.step()
        params.append(p.detach().tolist())
        st = opt.state[p]
        if kind == "rmsprop":
            state.append({"square_avg": st["square_avg"].tolist(),
                          **({"grad_avg": st["grad_avg"].tolist()} if hp["centered"] else {})})
        elif kind == "adam":
            state.append({"exp_avg": st["exp_avg"].tolist(), "exp_avg_sq": st["exp_avg_sq"].tolist()})
    return params, state


def main():
    torch.manual_seed(0)
    p0 = f32(initial_params()).tolist()                 # the float32 values, exactly
    grads = [f32(g).tolist() for g in gradients()]
    out = {"torch": torch.__version__, "n": N, "steps": STEPS, "p0": p0, "grads": grads, "cases": []}
    for name, kind, hp in CASES:
        params, state = run(kind, hp, p0, grads)
        hp_json = dict(hp)
        if "betas" in hp_json:
            hp_json["beta1"], hp_json["beta2"] = hp_json.pop("betas")
        out["cases"].append({"name": name, "kind": kind, "hp": hp_json, "params": params, "state": state})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "optim_golden.json")
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}: {len(CASES)} cases, {STEPS} steps of {N} parameters (torch {torch.__version__})")


if __name__ == "__main__":
    main()
