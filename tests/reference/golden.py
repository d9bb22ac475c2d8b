"""Golden values for the f64 reference, computed with PyTorch autograd in float64.

PyTorch's own nn.RNN / nn.LSTM / nn.GRU give the tanh, LSTM and reset-after GRU cases
(gate order, bias placement and z convention straight from the library); the peephole LSTM
and the reset-before GRU have no PyTorch module, so they are written here from the
equations in docs/DESIGN.md and differentiated by autograd.

Run: /usr/bin/python3 tests/reference/golden.py   (writes tests/reference/golden.json)
"""
import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
I, H, O, T, B, LAYERS = 3, 4, 5, 4, 3, 2
LENGTHS = [4, 2, 3]


def peephole_lstm(x, h0, c0, p):
    """x (T, B, I); p: weight_ih, weight_hh, bias_ih, bias_hh, weight_peephole (3, H)."""
    h, c, hs = h0, c0, []
    for t in range(x.shape[0]):
        a = x[t] @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
        ai, af, ag, ao = a.chunk(4, dim=1)
        pi, pf, po = p["weight_peephole"]
        i = torch.sigmoid(ai + pi * c)
        f = torch.sigmoid(af + pf * c)
        c = f * c + i * torch.tanh(ag)
        o = torch.sigmoid(ao + po * c)
        h = o * torch.tanh(c)
        hs.append(h)
    return torch.stack(hs)


def reset_before_gru(x, h0, p):
    h, hs = h0, []
    Wr, Wz, Wn = p["weight_ih"].chunk(3)
    Ur, Uz, Un = p["weight_hh"].chunk(3)
    bir, biz, bin_ = p["bias_ih"].chunk(3)
    bhr, bhz, bhn = p["bias_hh"].chunk(3)
    for t in range(x.shape[0]):
        r = torch.sigmoid(x[t] @ Wr.T + bir + h @ Ur.T + bhr)
        z = torch.sigmoid(x[t] @ Wz.T + biz + h @ Uz.T + bhz)
        n = torch.tanh(x[t] @ Wn.T + bin_ + (r * h) @ Un.T + bhn)
        h = (1 - z) * n + z * h
        hs.append(h)
    return torch.stack(hs)


def case(name, unit, peepholes, reset_after, head, seed):
    torch.manual_seed(seed)
    mask = torch.tensor([[1.0 if t < L else 0.0 for L in LENGTHS] for t in range(T)])
    x = torch.randn(T, B, I, requires_grad=True)
    h0 = torch.randn(LAYERS, B, H, requires_grad=True)
    c0 = torch.randn(LAYERS, B, H, requires_grad=True)
    head_w = (torch.randn(O, H) * 0.5).requires_grad_()
    head_b = (torch.randn(O) * 0.5).requires_grad_()
    if head == "bernoulli":
        y = (torch.rand(T, B, O) < 0.3).double()
    else:
        y = torch.randint(0, O, (T, B))

    params = {}
    if not peepholes and reset_after:
        mod = {"tanh": lambda: torch.nn.RNN(I, H, LAYERS, nonlinearity="tanh"),
               "lstm": lambda: torch.nn.LSTM(I, H, LAYERS),
               "gru": lambda: torch.nn.GRU(I, H, LAYERS)}[unit]()
        with torch.no_grad():  # make biases and weights of a visible size
            for p in mod.parameters():
                p.copy_(torch.randn_like(p) * 0.5)
        params = dict(mod.named_parameters())
        if unit == "lstm":
            out, _ = mod(x, (h0, c0))
        else:
            out, _ = mod(x, h0)
    else:
        inp = x
        G = 4 if unit == "lstm" else 3
        for l in range(LAYERS):
            Il = I if l == 0 else H
            p = {"weight_ih": torch.randn(G * H, Il) * 0.5, "weight_hh": torch.randn(G * H, H) * 0.5,
                 "bias_ih": torch.randn(G * H) * 0.5, "bias_hh": torch.randn(G * H) * 0.5}
            if unit == "lstm":
                p["weight_peephole"] = torch.randn(3, H) * 0.5
            for k, v in p.items():
                v.requires_grad_()
                params[f"{k}_l{l}"] = v
            inp = peephole_lstm(inp, h0[l], c0[l], p) if unit == "lstm" else reset_before_gru(inp, h0[l], p)
        out = inp
    params["head.weight"] = head_w
    params["head.bias"] = head_b

    z = out @ head_w.T + head_b  # (T, B, O)
    if head == "bernoulli":
        nll = F.binary_cross_entropy_with_logits(z, y, reduction="none").sum(-1)
        outputs = torch.sigmoid(z)
    else:
        nll = F.cross_entropy(z.reshape(T * B, O), y.reshape(-1), reduction="none").reshape(T, B)
        outputs = torch.softmax(z, -1)
    loss = (nll * mask).sum()
    loss.backward()

    flat = lambda t: t.detach().reshape(-1).tolist()
    res = {
        "name": name, "config": {"unit": unit, "peepholes": peepholes, "resetAfter": reset_after,
                                 "inputSize": I, "hiddenSize": H, "layers": LAYERS,
                                 "head": {"type": head, "size": O}},
        "T": T, "B": B, "x": flat(x), "y": flat(y), "mask": flat(mask),
        "h0": [flat(h0[l]) for l in range(LAYERS)],
        "params": {k: flat(v) for k, v in params.items()},
        "loss": loss.item(), "outputs": flat(outputs),
        "grads": {k: flat(v.grad) for k, v in params.items()},
        "dx": flat(x.grad), "dh0": [flat(h0.grad[l]) for l in range(LAYERS)],
    }
    if unit == "lstm":
        res["c0"] = [flat(c0[l]) for l in range(LAYERS)]
        res["dc0"] = [flat(c0.grad[l]) for l in range(LAYERS)]
    return res


cases = []
seed = 1
for name, unit, peep, after in [("tanh", "tanh", False, True), ("lstm", "lstm", False, True),
                                ("lstm-peep", "lstm", True, True), ("gru-after", "gru", False, True),
                                ("gru-before", "gru", False, False)]:
    for head in ["bernoulli", "softmax"]:
        cases.append(case(f"{name}/{head}", unit, peep, after, head, seed))
        seed += 1

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")
with open(path, "w") as f:
    json.dump({"generator": "tests/reference/golden.py", "torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {path}")
