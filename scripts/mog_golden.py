#!/usr/bin/python3
"""Golden values from PyTorch for the mixture-of-Gaussians head (bindings/head/mog.ts).

Run:  /usr/bin/python3 scripts/mog_golden.py [out.json]     (default tests/fixtures/mog-golden.json)

Needs PyTorch (Debian's python3-torch 1.13 made the committed fixture). Deterministic: one
thread, fixed seeds, float64 autograd. tests/golden-mog.test.ts reads the fixture, and in CI
runs this script into a temporary file and checks it reproduces the committed one.

The head. A row of logits z has K*(1 + 2D) columns [a (K) | mu (K*D, k-major) | s (K*D)]:
  pi = softmax(a), sigma = SIGMA_MIN + exp(clamp(s, -20, 20)), SIGMA_MIN = 1e-3,
  loss = -sum_rows mask * log p(y), p = MixtureSameFamily(Categorical(logits=a),
                                          Independent(Normal(mu, sigma), 1)),
the distribution built by torch.distributions (not by our formula), evaluated in float64 on
float32 inputs; d loss / d z by autograd. torch.clamp's gradient is 0 outside [-20, 20],
which is the kernel's convention; one log-scale per case sits beyond the clamp.

"heads": rows of z and y (float32, 9 significant digits, which round-trips float32), a mask
with zeros (and one 0.5), the loss (full float64), dz and the distribution [pi | mu | sigma]
(9 digits), and the same loss and dz computed by PyTorch in float32 ("torchFloat32Error":
the size of error an honest float32 evaluation makes).

"models": nn.GRU / nn.LSTM (time-major) + nn.Linear(H, K(1+2D)) with the mog loss summed over
unmasked steps (left-aligned sequences, one shorter than T): float32 weights (state_dict
names, PyTorch orientation), x, y, mask, and the float64 loss and every parameter gradient.
"""
import copy
import json
import os
import sys

import torch
import torch.nn as nn
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

SIGMA_MIN = 1e-3
S_MIN, S_MAX = -20.0, 20.0


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden import fmt, flist  # noqa: E402  (the fixtures' number format, shared)


def split(z, K, D):
    """z (..., K(1+2D)) -> a (..., K), mu (..., K, D), s (..., K, D)."""
    lead = z.shape[:-1]
    a = z[..., :K]
    mu = z[..., K:K + K * D].reshape(*lead, K, D)
    s = z[..., K + K * D:].reshape(*lead, K, D)
    return a, mu, s


def mixture(z, K, D):
    a, mu, s = split(z, K, D)
    sigma = SIGMA_MIN + torch.exp(torch.clamp(s, S_MIN, S_MAX))
    return MixtureSameFamily(Categorical(logits=a), Independent(Normal(mu, sigma), 1)), a, mu, sigma


def head_loss(z, y, mask, K, D):
    dist = mixture(z, K, D)[0]
    return -(mask * dist.log_prob(y)).sum()


def head_case(name, N, K, D, mask, seed):
    g = torch.Generator().manual_seed(seed)
    KD = K * D
    a = 1.5 * torch.randn(N, K, generator=g)
    mu = torch.randn(N, KD, generator=g)
    s = torch.rand(N, KD, generator=g) * 3.0 - 2.0
    s[0, 1] = -25.0             # beyond the lower clamp: sigma on the floor, gradient 0
    s[N - 1, KD - 1] = -20.0    # at the clamp: inner derivative
    z = torch.cat([a, mu, s], 1).float()
    y = torch.randn(N, D, generator=g).float()
    m = torch.tensor(mask, dtype=torch.float32)
    out = {}
    for dtype in (torch.float64, torch.float32):
        zl = z.to(dtype).clone().requires_grad_(True)
        loss = head_loss(zl, y.to(dtype), m.to(dtype), K, D)
        loss.backward()
        with torch.no_grad():
            _, _, mu_, sigma_ = mixture(zl.detach(), K, D)
            pi = torch.softmax(zl.detach()[:, :K], -1)
            params = torch.cat([pi, mu_.reshape(N, KD), sigma_.reshape(N, KD)], 1)
        out[dtype] = {'loss': loss.item(), 'dz': zl.grad.detach().clone(), 'params': params}
    r64, r32 = out[torch.float64], out[torch.float32]
    dz_scale = r64['dz'].abs().max().item()
    return {
        'name': name, 'N': N, 'K': K, 'D': D,
        'z': flist(z), 'y': flist(y), 'mask': [fmt(v) for v in mask],
        'loss': r64['loss'],
        'dz': flist(r64['dz']),
        'params': flist(r64['params']),
        'torchFloat32Error': {
            'lossRel': fmt(abs(r32['loss'] - r64['loss']) / abs(r64['loss'])),
            'dzMaxRelOfMax': fmt((r32['dz'].double() - r64['dz']).abs().max().item() / dz_scale),
        },
    }


def model_case(name, unit, I, H, K, D, T, B, lengths, seed):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed + 1000)
    O = K * (1 + 2 * D)
    rnn = nn.GRU(I, H) if unit == 'gru' else nn.LSTM(I, H)
    head = nn.Linear(H, O)
    params = dict(rnn.named_parameters())
    params['head.weight'] = head.weight
    params['head.bias'] = head.bias
    names = ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'head.weight', 'head.bias']
    assert list(params.keys()) == names, list(params.keys())
    # weights a little larger than PyTorch's init, so the mixture is not uniform
    with torch.no_grad():
        for n in names:
            params[n].copy_((torch.rand(params[n].shape, generator=g) * 2 - 1) * 0.6)
    assert max(lengths) == T and min(lengths) < T and len(lengths) == B
    mask = torch.zeros(T, B)
    for b, n in enumerate(lengths):
        mask[:n, b] = 1.0
    x = torch.randn(T, B, I, generator=g)
    y = torch.randn(T, B, D, generator=g)
    res = {}
    for dtype in (torch.float64, torch.float32):
        r, h = copy.deepcopy(rnn).to(dtype), copy.deepcopy(head).to(dtype)
        hs, _ = r(x.to(dtype))
        z = h(hs)
        loss = head_loss(z, y.to(dtype), mask.to(dtype), K, D)
        loss.backward()
        tp = dict(r.named_parameters())
        tp['head.weight'], tp['head.bias'] = h.weight, h.bias
        res[dtype] = {'loss': loss.item(), 'grads': {n: tp[n].grad.detach().clone() for n in names}}
    r64, r32 = res[torch.float64], res[torch.float32]

    def max_rel(a, b):
        s = b.abs().max().item()
        return (a.double() - b).abs().max().item() / s

    config = {'unit': unit}
    if unit == 'gru':
        config['resetAfter'] = True
    else:
        config['peepholes'] = False
    config.update({'inputSize': I, 'hiddenSize': H, 'layers': 1, 'head': {'type': 'mog', 'components': K, 'size': D}})
    return {
        'name': name,
        'config': config,
        'T': T, 'B': B, 'lengths': lengths,
        'paramNames': names,
        'params': {n: {'shape': list(params[n].shape), 'data': flist(params[n])} for n in names},
        'x': flist(x), 'y': flist(y), 'mask': [int(v) for v in mask.reshape(-1).tolist()],
        'loss': r64['loss'],
        'grads': {n: flist(r64['grads'][n]) for n in names},
        'torchFloat32Error': {
            'lossRel': fmt(abs(r32['loss'] - r64['loss']) / abs(r64['loss'])),
            'gradsMaxRel': fmt(max(max_rel(r32['grads'][n], r64['grads'][n]) for n in names)),
        },
    }


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'mog-golden.json')
    out = {
        'generator': 'scripts/mog_golden.py',
        'torchVersion': torch.__version__,
        'precision': 'inputs and weights float32; loss, dz, distribution and gradients by PyTorch in float64',
        'sigmaMin': SIGMA_MIN,
        'logScaleClamp': [S_MIN, S_MAX],
        'heads': [
            head_case('k3_d4', 7, 3, 4, [1, 0, 1, 1, 0, 1, 0.5], 1),
            head_case('k20_d10', 5, 20, 10, [1, 1, 0, 1, 1], 2),
        ],
        'models': [
            model_case('gru_k3_d4', 'gru', 6, 7, 3, 4, 5, 3, [5, 2, 4], 3),
            model_case('lstm_k3_d4', 'lstm', 6, 5, 3, 4, 4, 2, [4, 3], 4),
        ],
    }
    with open(path, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
        f.write('\n')
    for c in out['heads']:
        print('head  %-12s loss %.6f  torch f32: loss %.2g, dz %.2g' % (c['name'], c['loss'], c['torchFloat32Error']['lossRel'], c['torchFloat32Error']['dzMaxRelOfMax']))
    for c in out['models']:
        print('model %-12s loss %.6f  torch f32: loss %.2g, grads %.2g' % (c['name'], c['loss'], c['torchFloat32Error']['lossRel'], c['torchFloat32Error']['gradsMaxRel']))
    print('-> %s (%d bytes)' % (path, os.path.getsize(path)))


if __name__ == '__main__':
    main()
