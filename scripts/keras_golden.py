#!/usr/bin/python3
"""Golden values for Keras-layout weights: Keras's SimpleRNN, LSTM and GRU forward passes.

Run:  /usr/bin/python3 scripts/keras_golden.py [outdir]     (default tests/fixtures/keras)

Needs only numpy: TensorFlow/Keras is not installed here, so this is an independent float64
implementation of the forward equations as Keras (keras/src/layers/rnn/{simple_rnn,lstm,gru}.py,
Keras 3; the same in tf.keras 2.x) defines them, with its defaults activation='tanh',
recurrent_activation='sigmoid', use_bias=True, no dropout, zero or given initial states:

  SimpleRNN  h = tanh(x K + b + h_prev R)
  LSTM       z = x K + h_prev R + b, split into blocks i, f, c, o (columns of H each):
             i = s(z_i), f = s(z_f), c = f c_prev + i tanh(z_c), o = s(z_o), h = o tanh(c)
  GRU        blocks z, r, h (update, reset, candidate);
             reset_after=True, bias (2, 3H) = [input bias b_x; recurrent bias b_h]:
               x_ = x K + b_x, u = h_prev R + b_h,
               z = s(x_z + u_z), r = s(x_r + u_r), hh = tanh(x_h + r * u_h)
             reset_after=False, bias (3H):
               x_ = x K + b, z = s(x_z + h_prev R_z), r = s(x_r + h_prev R_r),
               hh = tanh(x_h + (r * h_prev) R_h)
             h = z h_prev + (1 - z) hh
  Dense      logits = h K_d + b_d, on every step of the top layer's sequence

(s = the logistic sigmoid.) Stacked cases feed each layer's whole sequence
(return_sequences=True) to the next. Inputs are batch-major (B, T, I), as Keras takes them.

Every weight and input is float32 (written with 9 significant digits, which round-trips
float32 exactly, so the file holds exactly the values a float32 Keras model would hold); the
outputs are computed in float64 on those values and written with 10 significant digits.
Biases are random (Keras initialises them to zeros, or ones for the LSTM forget gate) so that
every bias entry's place is tested. Deterministic: a fixed seed per case; re-running writes
byte-identical files.
"""
import json
import os
import sys

import numpy as np

I, H, O, T, B = 5, 7, 3, 6, 2
GATES = {'SimpleRNN': 1, 'LSTM': 4, 'GRU': 3}

# name, Keras class, reset_after (GRU), layers, Dense activation, non-zero initial states
CASES = [
    ('simplernn_l1', 'SimpleRNN', None, 1, 'sigmoid', False),
    ('simplernn_l2', 'SimpleRNN', None, 2, 'sigmoid', True),
    ('lstm_l1', 'LSTM', None, 1, 'sigmoid', False),
    ('lstm_l2', 'LSTM', None, 2, 'sigmoid', True),
    ('gru_after_l1', 'GRU', True, 1, 'sigmoid', False),
    ('gru_after_l2', 'GRU', True, 2, 'softmax', True),
    ('gru_before_l1', 'GRU', False, 1, 'sigmoid', False),
    ('gru_before_l2', 'GRU', False, 2, 'sigmoid', True),
]


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def f32(rng, shape, scale):
    """float32 values uniform in (-scale, scale), returned as float64 holding them exactly."""
    return rng.uniform(-scale, scale, size=shape).astype(np.float32).astype(np.float64)


def simple_rnn_step(x, state, w):
    (h,) = state
    return (np.tanh(x @ w['kernel'] + w['bias'] + h @ w['recurrent_kernel']),)


def lstm_step(x, state, w):
    h, c = state
    z = x @ w['kernel'] + h @ w['recurrent_kernel'] + w['bias']
    zi, zf, zc, zo = np.split(z, 4, axis=-1)
    c = sigmoid(zf) * c + sigmoid(zi) * np.tanh(zc)
    h = sigmoid(zo) * np.tanh(c)
    return h, c


def gru_step(x, state, w, reset_after):
    (h,) = state
    K, R = w['kernel'], w['recurrent_kernel']
    if reset_after:
        bx, bh = w['bias'][0], w['bias'][1]
        xz, xr, xh = np.split(x @ K + bx, 3, axis=-1)
        uz, ur, uh = np.split(h @ R + bh, 3, axis=-1)
        z, r = sigmoid(xz + uz), sigmoid(xr + ur)
        hh = np.tanh(xh + r * uh)
    else:
        xz, xr, xh = np.split(x @ K + w['bias'], 3, axis=-1)
        Rz, Rr, Rh = np.split(R, 3, axis=-1)
        z, r = sigmoid(xz + h @ Rz), sigmoid(xr + h @ Rr)
        hh = np.tanh(xh + (r * h) @ Rh)
    return (z * h + (1.0 - z) * hh,)


def run_layer(cls, reset_after, w, xs, state):
    """xs (B, T, in) -> the sequence (B, T, H) and the final state tuple."""
    seq = []
    for t in range(xs.shape[1]):
        if cls == 'SimpleRNN':
            state = simple_rnn_step(xs[:, t], state, w)
        elif cls == 'LSTM':
            state = lstm_step(xs[:, t], state, w)
        else:
            state = gru_step(xs[:, t], state, w, reset_after)
        seq.append(state[0])
    return np.stack(seq, axis=1), state


def tensor(a, digits):
    flat = a.reshape(-1).tolist()
    return {'shape': list(a.shape), 'data': [0.0 if v == 0 else float('%.*g' % (digits, v)) for v in flat]}


def make_case(index, name, cls, reset_after, L, activation, with_states):
    rng = np.random.default_rng(20240 + index)
    G = GATES[cls]
    layers, weights = [], []
    for l in range(L):
        n_in = I if l == 0 else H
        w = {
            'kernel': f32(rng, (n_in, G * H), 0.6),
            'recurrent_kernel': f32(rng, (H, G * H), 0.6),
            'bias': f32(rng, (2, G * H) if reset_after else (G * H,), 0.5),
        }
        weights.append(w)
        layers.append({k: tensor(v, 9) for k, v in w.items()})
    dense = {'kernel': f32(rng, (H, O), 0.8), 'bias': f32(rng, (O,), 0.5)}
    x = f32(rng, (B, T, I), 1.5)

    n_states = 2 if cls == 'LSTM' else 1
    if with_states:
        init = [tuple(f32(rng, (B, H), 0.8) for _ in range(n_states)) for _ in range(L)]
    else:
        init = [tuple(np.zeros((B, H)) for _ in range(n_states)) for _ in range(L)]

    seq, final = x, []
    for l in range(L):
        seq, state = run_layer(cls, reset_after, weights[l], seq, init[l])
        final.append(state)
    logits = seq @ dense['kernel'] + dense['bias']

    keras = {'class': cls, 'units': H, 'activation': 'tanh', 'use_bias': True, 'return_sequences': True}
    if cls != 'SimpleRNN':
        keras['recurrent_activation'] = 'sigmoid'
    if cls == 'GRU':
        keras['reset_after'] = reset_after
    return {
        'case': name,
        'keras': keras,
        'sizes': {'I': I, 'H': H, 'O': O, 'T': T, 'B': B, 'layers': L},
        'layers': layers,
        'dense': {'kernel': tensor(dense['kernel'], 9), 'bias': tensor(dense['bias'], 9), 'activation': activation},
        'x': tensor(x, 9),
        # per layer [h0] (or [h0, c0] for the LSTM), each (B, H); null = zeros
        'initialState': [[tensor(s, 9) for s in st] for st in init] if with_states else None,
        'expected': {
            'sequence': tensor(seq, 10),                                   # top layer (B, T, H)
            'final': [{'h': tensor(st[0], 10), **({'c': tensor(st[1], 10)} if cls == 'LSTM' else {})} for st in final],
            'logits': tensor(logits, 10),                                  # Dense (B, T, O)
        },
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'keras')
    os.makedirs(out, exist_ok=True)
    for index, spec in enumerate(CASES):
        case = make_case(index, *spec)
        path = os.path.join(out, spec[0] + '.json')
        with open(path, 'w') as f:
            json.dump(case, f, separators=(',', ':'))
            f.write('\n')
        print('%s  %d bytes' % (path, os.path.getsize(path)))


if __name__ == '__main__':
    main()
