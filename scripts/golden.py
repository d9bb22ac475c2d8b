#!/usr/bin/python3
"""Golden values from PyTorch for the PyTorch-compatible variants of gatedrnn.

Run:  /usr/bin/python3 scripts/golden.py [outdir]     (default tests/fixtures/golden)

Needs PyTorch (Debian's python3-torch 1.13 is what the fixtures were made with) and numpy.
Deterministic: one thread, a fixed seed per case, no data-dependent kernels.

For every case it builds nn.RNN(tanh) / nn.LSTM / nn.GRU (time-major, batch_first=False)
plus an nn.Linear head, draws float32 weights, inputs, targets, a mask (at least one
sequence ends before T; its padding steps hold random input that must not leak) and
optionally non-zero initial states, and writes one JSON file per case.

Precision. Weights and inputs are float32 (written with 9 significant digits, which
round-trips float32 exactly). Everything derived -- outputs, loss, gradients, optimizer
trajectories -- is computed by PyTorch in float64 on those float32 values, so the golden
numbers are the exact answer (to ~1e-15) for the given f32 data, and a float32
implementation is measured against the truth rather than against PyTorch's own float32
rounding. The same computation is also run in float32 and its largest deviation from the
float64 answer is recorded under "torchFloat32Error": it is the size of error an honest
float32 implementation makes, and the basis of the tolerances in tests/golden.test.ts.

Losses are sums (not means) over unmasked frames:
  bernoulli: sum_t,b mask * sum_o BCEWithLogits(z, y)   (= softplus(z) - y z)
  softmax:   sum_t,b mask * cross_entropy(z, label)
and gradients are gradients of that sum. Outputs are probabilities (sigmoid / softmax).

Optimizer runs: N = 3 steps from the case's initial weights, each step = loss+grad on the
same batch, optional torch.nn.utils.clip_grad_norm_, optimizer.step(). "losses" are the
losses before each step (what trainStep returns), "finalLoss" the loss after the third.
Note: clip_grad_norm_ scales by max_norm / (norm + 1e-6); gatedrnn scales by
max_norm / norm. The relative difference, 1e-6 / norm, is recorded per run
("clipRelDiff") and is far below the tolerance.

The paper-size cases (I = 88, H = 36 LSTM / 46 GRU / 100 tanh) would be megabytes as
decimal text, so there the weights are dyadic (k / 512, k an int8) stored as base64 int8
with a scale, and each gradient is stored as a seeded sample of entries plus its sum, L1 and
L2 norms over all entries.
"""
import base64
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

GATES = {'tanh': 1, 'lstm': 4, 'gru': 3}
N_STEPS = 3


def fmt(v):
    """A float as JSON text with 9 significant digits (round-trips float32)."""
    v = float(v)
    if v == 0.0:
        return 0.0
    return float('%.9g' % v)


def flist(t):
    return [fmt(v) for v in t.detach().reshape(-1).tolist()]


def build(unit, I, H, L, O):
    if unit == 'tanh':
        rnn = nn.RNN(I, H, num_layers=L, nonlinearity='tanh')
    elif unit == 'lstm':
        rnn = nn.LSTM(I, H, num_layers=L)
    else:
        rnn = nn.GRU(I, H, num_layers=L)
    head = nn.Linear(H, O)
    return rnn, head


def param_names(L):
    names = []
    for l in range(L):
        names += ['weight_ih_l%d' % l, 'weight_hh_l%d' % l, 'bias_ih_l%d' % l, 'bias_hh_l%d' % l]
    return names + ['head.weight', 'head.bias']


def tensors_of(rnn, head):
    """name -> the Parameter, in file (PyTorch state_dict) naming."""
    out = {}
    for k, p in rnn.named_parameters():
        out[k] = p
    out['head.weight'] = head.weight
    out['head.bias'] = head.bias
    return out


def run(rnn, head, case, x, h0, c0, dtype):
    """Forward + loss (sum over masked frames). Returns (loss, probs, x_leaf, h0_leaf, c0_leaf)."""
    unit, head_type = case['unit'], case['head']
    xl = x.to(dtype).clone().requires_grad_(True)
    h0l = h0.to(dtype).clone().requires_grad_(True)
    c0l = c0.to(dtype).clone().requires_grad_(True) if unit == 'lstm' else None
    if unit == 'lstm':
        hs, _ = rnn(xl, (h0l, c0l))
    else:
        hs, _ = rnn(xl, h0l)
    z = head(hs)  # (T, B, O)
    mask = case['mask_t'].to(dtype)
    if head_type == 'bernoulli':
        y = case['y_t'].to(dtype)
        per = F.binary_cross_entropy_with_logits(z, y, reduction='none').sum(-1)
        probs = torch.sigmoid(z)
    else:
        T, B, O = z.shape
        per = F.cross_entropy(z.reshape(T * B, O), case['y_t'].reshape(-1), reduction='none').reshape(T, B)
        probs = torch.softmax(z, -1)
    loss = (per * mask).sum()
    return loss, probs, xl, h0l, c0l


def make_optimizer(spec, params):
    t = spec['type']
    if t == 'sgd':
        return torch.optim.SGD(params, lr=spec['lr'], momentum=spec.get('momentum', 0.0))
    if t == 'rmsprop':
        return torch.optim.RMSprop(params, lr=spec['lr'], alpha=spec.get('decay', 0.99),
                                   eps=spec.get('eps', 1e-8), momentum=spec.get('momentum', 0.0),
                                   centered=spec.get('centered', False))
    if t == 'adam':
        return torch.optim.Adam(params, lr=spec['lr'], betas=(spec.get('beta1', 0.9), spec.get('beta2', 0.999)),
                                eps=spec.get('eps', 1e-8))
    raise ValueError(t)


def torch_optimizer_text(spec):
    t = spec['type']
    if t == 'sgd':
        return 'torch.optim.SGD(lr=%g, momentum=%g)' % (spec['lr'], spec.get('momentum', 0.0))
    if t == 'rmsprop':
        return 'torch.optim.RMSprop(lr=%g, alpha=%g, eps=%g, momentum=%g)' % (
            spec['lr'], spec.get('decay', 0.99), spec.get('eps', 1e-8), spec.get('momentum', 0.0))
    return 'torch.optim.Adam(lr=%g, betas=(%g, %g), eps=%g)' % (
        spec['lr'], spec.get('beta1', 0.9), spec.get('beta2', 0.999), spec.get('eps', 1e-8))


def copy_models(rnn, head, dtype):
    import copy
    r, h = copy.deepcopy(rnn).to(dtype), copy.deepcopy(head).to(dtype)
    return r, h


def max_rel(a, b):
    """max |a-b| / max |b| (tensor-scaled error)."""
    a, b = a.double().reshape(-1), b.double().reshape(-1)
    s = b.abs().max().item()
    return (a - b).abs().max().item() / s if s > 0 else (a - b).abs().max().item()


def i8_encode(t, scale):
    q = torch.round(t.double() / scale)
    assert torch.equal(q * scale, t.double()), 'not on the grid'
    assert q.abs().max().item() <= 127
    b = q.to(torch.int8).numpy().tobytes()
    return {'encoding': 'int8-base64', 'scale': scale, 'data': base64.b64encode(b).decode('ascii')}


def grad_summary(g, gen, n_samples=48):
    flat = g.reshape(-1)
    n = flat.numel()
    k = min(n, n_samples)
    idx = sorted(torch.randperm(n, generator=gen)[:k].tolist())
    return {
        'encoding': 'samples',
        'samples': [[i, fmt(flat[i].item())] for i in idx],
        'sum': fmt(flat.sum().item()),
        'l1': fmt(flat.abs().sum().item()),
        'l2': fmt(flat.norm().item()),
    }


def make_case(spec):
    torch.manual_seed(spec['seed'])
    gen = torch.Generator().manual_seed(spec['seed'] + 1000)
    unit, I, H, L, O, T, B = (spec[k] for k in ('unit', 'I', 'H', 'L', 'O', 'T', 'B'))
    head_type = spec['head']
    big = spec.get('big', False)
    G = GATES[unit]

    rnn, head = build(unit, I, H, L, O)
    if big:
        # dyadic weights k/512 with |k| <= 512/sqrt(H) (the PyTorch init range), so int8 fits.
        scale = 1.0 / 512
        kmax = int(math.floor(512 / math.sqrt(H)))
        with torch.no_grad():
            for p in list(rnn.parameters()) + list(head.parameters()):
                p.copy_(torch.randint(-kmax, kmax + 1, p.shape, generator=gen).float() * scale)
    params = tensors_of(rnn, head)
    names = param_names(L)
    assert list(params.keys()) == names, (list(params.keys()), names)

    # inputs: float32 values
    lengths = spec['lengths']
    assert len(lengths) == B and max(lengths) == T and min(lengths) < T
    mask = torch.zeros(T, B)
    for b, n in enumerate(lengths):
        mask[:n, b] = 1.0
    if spec.get('pianoroll'):
        x = (torch.rand(T, B, I, generator=gen) < 0.06).float()
    else:
        x = torch.randn(T, B, I, generator=gen)
    if head_type == 'bernoulli':
        if spec.get('pianoroll'):
            y = torch.cat([x[1:], (torch.rand(1, B, I, generator=gen) < 0.06).float()], 0)
        elif spec.get('softTargets'):
            y = torch.rand(T, B, O, generator=gen)
        else:
            y = (torch.rand(T, B, O, generator=gen) < 0.3).float()
    else:
        y = torch.randint(0, O, (T, B), generator=gen)
    if spec.get('nonzeroState'):
        h0 = 0.5 * torch.randn(L, B, H, generator=gen)
        c0 = torch.randn(L, B, H, generator=gen)
    else:
        h0 = torch.zeros(L, B, H)
        c0 = torch.zeros(L, B, H)
    case = {'unit': unit, 'head': head_type, 'mask_t': mask, 'y_t': y}

    # float64 golden forward/backward
    results = {}
    for dtype in (torch.float64, torch.float32):
        r, h = copy_models(rnn, head, dtype)
        loss, probs, xl, h0l, c0l = run(r, h, case, x, h0, c0, dtype)
        loss.backward()
        tp = tensors_of(r, h)
        results[dtype] = {
            'loss': loss.item(), 'probs': probs.detach(), 'dx': xl.grad, 'dh0': h0l.grad,
            'dc0': c0l.grad if c0l is not None else None,
            'grads': {n: tp[n].grad.detach().clone() for n in names},
        }
    g64, g32 = results[torch.float64], results[torch.float32]
    maskb = mask.bool()
    f32err = {
        'outputsMaxAbs': fmt((g32['probs'].double() - g64['probs'])[maskb].abs().max().item()),
        'lossRel': fmt(abs(g32['loss'] - g64['loss']) / abs(g64['loss'])),
        'gradsMaxRel': fmt(max(max_rel(g32['grads'][n], g64['grads'][n]) for n in names)),
        'inputGradMaxRel': fmt(max_rel(g32['dx'], g64['dx'])),
        'dh0MaxRel': fmt(max_rel(g32['dh0'], g64['dh0'])),
    }

    config = {'unit': unit}
    if unit == 'lstm':
        config['peepholes'] = False
    if unit == 'gru':
        config['resetAfter'] = True
    config.update({'inputSize': I, 'hiddenSize': H, 'layers': L, 'head': {'type': head_type, 'size': O}})

    out = {
        'name': spec['name'],
        'description': spec['description'],
        'generator': 'scripts/golden.py',
        'torchVersion': torch.__version__,
        'precision': 'inputs/weights float32; outputs, loss, gradients, optimizer runs computed by PyTorch in float64',
        'config': config,
        'T': T, 'B': B,
        'lengths': lengths,
        'frames': int(mask.sum().item()),
        'paramNames': names,
        'params': {},
        'x': [int(v) for v in x.reshape(-1).tolist()] if spec.get('pianoroll') else flist(x),
        'y': [int(v) for v in y.reshape(-1).tolist()] if (head_type == 'softmax' or spec.get('pianoroll') or not spec.get('softTargets')) else flist(y),
        'mask': [int(v) for v in mask.reshape(-1).tolist()],
        'h0': [flist(h0[l]) for l in range(L)] if spec.get('nonzeroState') else None,
        'c0': ([flist(c0[l]) for l in range(L)] if spec.get('nonzeroState') else None) if unit == 'lstm' else None,
        'loss': g64['loss'],
        'outputs': flist(g64['probs']),
        'grads': {},
        'inputGrad': flist(g64['dx']),
        'dh0': [flist(g64['dh0'][l]) for l in range(L)],
        'dc0': [flist(g64['dc0'][l]) for l in range(L)] if unit == 'lstm' else None,
        'torchFloat32Error': f32err,
        'optim': [],
    }
    for n in names:
        p = params[n].detach()
        out['params'][n] = {'shape': list(p.shape)}
        if big:
            out['params'][n].update(i8_encode(p, 1.0 / 512))
        else:
            out['params'][n]['data'] = flist(p)
        g = g64['grads'][n]
        out['grads'][n] = grad_summary(g, gen) if big else flist(g)

    # optimizer runs (float64)
    for run_spec in spec['optim']:
        traj = {dtype: optimize(rnn, head, case, x, h0, c0, names, run_spec, dtype, spec['name'])
                for dtype in (torch.float64, torch.float32)}
        t64, t32 = traj[torch.float64], traj[torch.float32]
        opt_spec, clip = run_spec['optimizer'], run_spec.get('clipNorm')
        entry = {
            'optimizer': opt_spec,
            'torch': torch_optimizer_text(opt_spec),
            'clipNorm': clip,
            'steps': N_STEPS,
            'losses': t64['losses'],
            'finalLoss': t64['finalLoss'],
            'gradNorms': [fmt(v) for v in t64['norms']],
            'final': {n: flist(t64['params'][n]) for n in FINAL_NAMES},
            # the same run in float32 PyTorch: how far an honest f32 trajectory drifts
            'torchFloat32Error': {
                'lossesMaxRel': fmt(max(abs(a - b) / abs(b) for a, b in
                                        zip(t32['losses'] + [t32['finalLoss']], t64['losses'] + [t64['finalLoss']]))),
                'finalMaxRel': fmt(max(max_rel(t32['params'][n], t64['params'][n]) for n in FINAL_NAMES)),
            },
        }
        if clip is not None:
            entry['clipRelDiff'] = fmt(t64['clipRel'])
        out['optim'].append(entry)
    return out


FINAL_NAMES = ['bias_hh_l0', 'head.bias']


def optimize(rnn, head, case, x, h0, c0, names, run_spec, dtype, case_name):
    opt_spec, clip = run_spec['optimizer'], run_spec.get('clipNorm')
    r, h = copy_models(rnn, head, dtype)
    tp = tensors_of(r, h)
    opt = make_optimizer(opt_spec, [tp[n] for n in names])
    losses, norms, clip_rel = [], [], 0.0
    for step in range(N_STEPS):
        opt.zero_grad()
        loss = run(r, h, case, x, h0, c0, dtype)[0]
        loss.backward()
        losses.append(loss.item())
        if clip is not None:
            norm = torch.nn.utils.clip_grad_norm_([tp[n] for n in names], clip).item()
            assert norm > clip, 'clipNorm %g does not engage (norm %g) in %s' % (clip, norm, case_name)
            clip_rel = max(clip_rel, 1e-6 / norm)
        else:
            norm = math.sqrt(sum((tp[n].grad.double() ** 2).sum().item() for n in names))
        norms.append(norm)
        opt.step()
    with torch.no_grad():
        final_loss = run(r, h, case, x, h0, c0, dtype)[0].item()
    return {'losses': losses, 'finalLoss': final_loss, 'norms': norms, 'clipRel': clip_rel,
            'params': {n: tp[n].detach().clone() for n in FINAL_NAMES}}


def optim_runs(clip):
    """The four optimizers of the brief, without clipping and with clipping at `clip`."""
    base = [
        {'type': 'sgd', 'lr': 0.01, 'momentum': 0.9},
        {'type': 'rmsprop', 'lr': 0.001, 'decay': 0.99, 'eps': 1e-8},
        {'type': 'rmsprop', 'lr': 0.001, 'decay': 0.99, 'eps': 1e-8, 'momentum': 0.9},
        {'type': 'adam', 'lr': 0.001, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8},
    ]
    return [{'optimizer': o} for o in base] + [{'optimizer': o, 'clipNorm': clip} for o in base]


SMALL = dict(I=5, H=7, O=6, T=4, B=3, lengths=[4, 2, 3])

CASES = [
    dict(name='tanh_l1_bernoulli', unit='tanh', L=1, head='bernoulli', softTargets=True, seed=11,
         description='nn.RNN(tanh) 1 layer, soft Bernoulli targets, zero initial state', **SMALL),
    dict(name='tanh_l2_softmax', unit='tanh', L=2, head='softmax', nonzeroState=True, seed=12,
         description='nn.RNN(tanh) 2 layers, softmax head, non-zero h0', **SMALL),
    dict(name='lstm_l1_softmax', unit='lstm', L=1, head='softmax', nonzeroState=True, seed=21,
         description='nn.LSTM 1 layer, softmax head, non-zero h0 and c0', **SMALL),
    dict(name='lstm_l2_bernoulli', unit='lstm', L=2, head='bernoulli', seed=22,
         description='nn.LSTM 2 layers, binary Bernoulli targets, zero initial state', **SMALL),
    dict(name='gru_l1_bernoulli', unit='gru', L=1, head='bernoulli', nonzeroState=True, softTargets=True, seed=31,
         description='nn.GRU 1 layer, soft Bernoulli targets, non-zero h0', **SMALL),
    dict(name='gru_l2_softmax', unit='gru', L=2, head='softmax', seed=32,
         description='nn.GRU 2 layers, softmax head, zero initial state', **SMALL),
    dict(name='lstm36_music', unit='lstm', I=88, H=36, O=88, L=1, T=10, B=2, lengths=[10, 7], head='bernoulli',
         big=True, pianoroll=True, nonzeroState=True, seed=41,
         description='paper music size: nn.LSTM(88, 36), piano-roll input, next-frame targets'),
    dict(name='gru46_music', unit='gru', I=88, H=46, O=88, L=1, T=10, B=2, lengths=[6, 10], head='bernoulli',
         big=True, pianoroll=True, seed=42,
         description='paper music size: nn.GRU(88, 46), piano-roll input, next-frame targets'),
    dict(name='tanh100_music', unit='tanh', I=88, H=100, O=88, L=1, T=10, B=2, lengths=[10, 8], head='bernoulli',
         big=True, pianoroll=True, seed=43,
         description='paper music size: nn.RNN(88, 100, tanh), piano-roll input, next-frame targets'),
]


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'golden')
    os.makedirs(outdir, exist_ok=True)
    index = []
    for spec in CASES:
        # the clip threshold: a quarter of the initial gradient norm, 2 significant digits,
        # so clipping engages at every one of the 3 steps.
        spec = dict(spec)
        spec['optim'] = optim_runs(None)
        first = make_case(spec)
        clip = float('%.2g' % (first['optim'][0]['gradNorms'][0] / 4))
        spec['optim'] = optim_runs(clip)
        out = make_case(spec)
        path = os.path.join(outdir, spec['name'] + '.json')
        with open(path, 'w') as f:
            json.dump(out, f, separators=(',', ':'))
            f.write('\n')
        index.append(spec['name'])
        print('%-20s loss %.6f  torch f32 vs f64: outputs %.2g, grads %.2g  -> %s (%d bytes)' % (
            spec['name'], out['loss'], out['torchFloat32Error']['outputsMaxAbs'],
            out['torchFloat32Error']['gradsMaxRel'], path, os.path.getsize(path)))
    with open(os.path.join(outdir, 'index.json'), 'w') as f:
        json.dump({'generator': 'scripts/golden.py', 'cases': index}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
