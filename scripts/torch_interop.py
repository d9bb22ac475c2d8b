#!/usr/bin/python3
"""Model files between PyTorch and gatedrnn, both ways (safetensors, written by hand here:
the `safetensors` Python package is not installed on this machine).

  /usr/bin/python3 scripts/torch_interop.py write [outdir]
      For a few configurations, builds a PyTorch model (nn.RNN/nn.LSTM/nn.GRU + nn.Linear
      head, fixed seed), writes <name>.safetensors with gatedrnn's metadata and
      <name>.json with a fixed time-major input and PyTorch's outputs for it.
      Default outdir: tests/fixtures/golden.

  /usr/bin/python3 scripts/torch_interop.py read MODEL.safetensors INPUT.json
      Loads a gatedrnn model file into PyTorch modules and prints, as JSON on stdout,
      {"config": ..., "outputs": [...]} for INPUT.json = {"T": T, "B": B, "x": [T*B*I floats],
      optional "h0": [[B*H] per layer], "c0": [[B*H] per layer]}. Exit status 2 with a message
      on stderr if the file is malformed or describes a model PyTorch has no module for
      (peephole LSTM, reset-before GRU).

File layout (safetensors): u64 little-endian header length N, N bytes of JSON header
{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}},
then the little-endian float32 data; offsets are relative to the data start. Metadata:
"format": "gatedrnn", "format_version": "1", "config": JSON text of the ModelConfig
(bindings/model/file.ts); header keys sorted, header padded with spaces to a multiple of 8,
exactly as gatedrnn's encoder writes it, so the files are byte-identical. Tensor names are PyTorch's
state_dict names of the recurrent module (weight_ih_l0, weight_hh_l0, bias_ih_l0,
bias_hh_l0, ...) and "head.weight", "head.bias" for the nn.Linear head, in PyTorch's
orientation.

Outputs (sigmoid or softmax probabilities, (T, B, O) row-major) are evaluated in float64
on the float32 weights and inputs, so they are the exact answer for the file's numbers.
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn

torch.set_num_threads(1)

GATES = {'tanh': 1, 'lstm': 4, 'gru': 3}
FORMAT, FORMAT_VERSION = 'gatedrnn', '1'


class InteropError(Exception):
    pass


def expected_shapes(cfg):
    I, H, L, O = cfg['inputSize'], cfg['hiddenSize'], cfg.get('layers', 1), cfg['head']['size']
    G = GATES[cfg['unit']]
    shapes = {}
    for l in range(L):
        shapes['weight_ih_l%d' % l] = [G * H, I if l == 0 else H]
        shapes['weight_hh_l%d' % l] = [G * H, H]
        shapes['bias_ih_l%d' % l] = [G * H]
        shapes['bias_hh_l%d' % l] = [G * H]
    shapes['head.weight'] = [O, H]
    shapes['head.bias'] = [O]
    return shapes


def check_config(cfg):
    if not isinstance(cfg, dict):
        raise InteropError('config is not a JSON object')
    unit = cfg.get('unit')
    if unit not in GATES:
        raise InteropError('config.unit %r is not one of tanh, lstm, gru' % (unit,))
    if unit == 'lstm' and cfg.get('peepholes', False):
        raise InteropError('peephole LSTM (the paper variant) has no PyTorch module; nn.LSTM has no peepholes')
    if unit == 'gru' and not cfg.get('resetAfter', True):
        raise InteropError('reset-before GRU (the paper variant) has no PyTorch module; nn.GRU resets after the product')
    for k in ('inputSize', 'hiddenSize'):
        if not isinstance(cfg.get(k), int) or cfg[k] < 1:
            raise InteropError('config.%s must be a positive integer, got %r' % (k, cfg.get(k)))
    if not isinstance(cfg.get('layers', 1), int) or cfg.get('layers', 1) < 1:
        raise InteropError('config.layers must be a positive integer, got %r' % (cfg.get('layers'),))
    head = cfg.get('head')
    if not isinstance(head, dict) or head.get('type') not in ('bernoulli', 'softmax') or \
            not isinstance(head.get('size'), int) or head['size'] < 1:
        raise InteropError('config.head must be {"type": "bernoulli"|"softmax", "size": n}, got %r' % (head,))


def build(cfg):
    I, H, L, O = cfg['inputSize'], cfg['hiddenSize'], cfg.get('layers', 1), cfg['head']['size']
    unit = cfg['unit']
    if unit == 'tanh':
        rnn = nn.RNN(I, H, num_layers=L, nonlinearity='tanh')
    elif unit == 'lstm':
        rnn = nn.LSTM(I, H, num_layers=L)
    else:
        rnn = nn.GRU(I, H, num_layers=L)
    return rnn, nn.Linear(H, O)


def state_tensors(rnn, head):
    out = {k: p for k, p in rnn.named_parameters()}
    out['head.weight'] = head.weight
    out['head.bias'] = head.bias
    return out


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> float32 torch tensor. Names sorted, header padded to 8 bytes; no
    __metadata__ at all when `metadata` is empty (a plain PyTorch file, scripts/torch_plain.py)."""
    header = {'__metadata__': {k: metadata[k] for k in sorted(metadata)}} if metadata else {}
    blobs, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = struct.pack('<%df' % t.numel(), *t.reshape(-1).tolist())
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((-len(text)) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Returns (tensors: name -> float32 tensor, metadata dict). Checks the layout strictly."""
    with open(path, 'rb') as f:
        raw = f.read()
    if len(raw) < 8:
        raise InteropError('%s: %d bytes, shorter than the 8-byte header length' % (path, len(raw)))
    (n,) = struct.unpack('<Q', raw[:8])
    if n > len(raw) - 8:
        raise InteropError('%s: header length %d exceeds the %d bytes that follow (truncated?)' % (path, n, len(raw) - 8))
    try:
        header = json.loads(raw[8:8 + n].decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InteropError('%s: header is not UTF-8 JSON: %s' % (path, e))
    if not isinstance(header, dict):
        raise InteropError('%s: header is not a JSON object' % path)
    data = raw[8 + n:]
    metadata = header.pop('__metadata__', {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise InteropError('%s: __metadata__ must map strings to strings' % path)
    tensors, spans = {}, []
    for name, e in header.items():
        if not isinstance(e, dict) or e.get('dtype') != 'F32':
            raise InteropError('%s: tensor %r: dtype %r, expected F32' % (path, name, e.get('dtype') if isinstance(e, dict) else e))
        shape, (b, en) = e['shape'], e['data_offsets']
        count = 1
        for d in shape:
            count *= d
        if en - b != 4 * count or b < 0 or en > len(data):
            raise InteropError('%s: tensor %r: data_offsets [%d, %d] do not fit shape %r in a %d-byte buffer' % (
                path, name, b, en, shape, len(data)))
        vals = struct.unpack('<%df' % count, data[b:en])
        tensors[name] = torch.tensor(vals, dtype=torch.float32).reshape(shape)
        spans.append((b, en, name))
    cursor = 0
    for b, en, name in sorted(spans):
        if b != cursor:
            raise InteropError('%s: tensor %r starts at %d, expected %d (gap or overlap)' % (path, name, b, cursor))
        cursor = en
    if cursor != len(data):
        raise InteropError('%s: %d trailing bytes after the last tensor' % (path, len(data) - cursor))
    return tensors, metadata


def load_model(path):
    tensors, metadata = read_safetensors(path)
    if metadata.get('format') != FORMAT:
        raise InteropError('%s: metadata "format" is %r, expected "%s"' % (path, metadata.get('format'), FORMAT))
    if metadata.get('format_version', FORMAT_VERSION) != FORMAT_VERSION:
        raise InteropError('%s: metadata "format_version" is %r; this script reads "%s"' % (
            path, metadata['format_version'], FORMAT_VERSION))
    if 'config' not in metadata:
        raise InteropError('%s: metadata has no "config"' % path)
    try:
        cfg = json.loads(metadata['config'])
    except json.JSONDecodeError as e:
        raise InteropError('%s: metadata "config" is not JSON: %s' % (path, e))
    check_config(cfg)
    want = expected_shapes(cfg)
    missing = sorted(set(want) - set(tensors))
    extra = sorted(set(tensors) - set(want))
    if missing or extra:
        raise InteropError('%s: tensor names do not match the config: missing %s, unexpected %s' % (path, missing, extra))
    for name, shape in want.items():
        if list(tensors[name].shape) != shape:
            raise InteropError('%s: tensor %r has shape %s, config needs %s' % (path, name, list(tensors[name].shape), shape))
    rnn, head = build(cfg)
    params = state_tensors(rnn, head)
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(tensors[name])
    return cfg, rnn, head


def forward(cfg, rnn, head, T, B, x, h0=None, c0=None):
    """Probabilities (T, B, O), computed in float64 on the float32 weights and inputs."""
    I, H, L = cfg['inputSize'], cfg['hiddenSize'], cfg.get('layers', 1)
    rnn, head = rnn.double(), head.double()
    xt = torch.tensor(x, dtype=torch.float32).double().reshape(T, B, I)

    def state(s):
        if s is None:
            return torch.zeros(L, B, H, dtype=torch.float64)
        return torch.tensor(s, dtype=torch.float32).double().reshape(L, B, H)
    with torch.no_grad():
        if cfg['unit'] == 'lstm':
            hs, _ = rnn(xt, (state(h0), state(c0)))
        else:
            hs, _ = rnn(xt, state(h0))
        z = head(hs)
        probs = torch.sigmoid(z) if cfg['head']['type'] == 'bernoulli' else torch.softmax(z, -1)
    return probs


def fmt(v):
    return 0.0 if v == 0.0 else float('%.9g' % v)


CASES = [
    ('torch_lstm_l1', {'unit': 'lstm', 'peepholes': False, 'inputSize': 5, 'hiddenSize': 7, 'layers': 1,
                       'head': {'type': 'bernoulli', 'size': 6}}, 101),
    ('torch_gru_l2', {'unit': 'gru', 'resetAfter': True, 'inputSize': 5, 'hiddenSize': 7, 'layers': 2,
                      'head': {'type': 'softmax', 'size': 6}}, 102),
    ('torch_tanh_l1', {'unit': 'tanh', 'inputSize': 5, 'hiddenSize': 7, 'layers': 1,
                       'head': {'type': 'bernoulli', 'size': 6}}, 103),
]


def cmd_write(outdir):
    os.makedirs(outdir, exist_ok=True)
    T, B = 4, 3
    for name, cfg, seed in CASES:
        torch.manual_seed(seed)
        rnn, head = build(cfg)
        # a checked round trip of our own writer/reader before anything is committed
        path = os.path.join(outdir, name + '.safetensors')
        write_safetensors(path, state_tensors(rnn, head),
                          {'format': FORMAT, 'format_version': FORMAT_VERSION,
                           'config': json.dumps(cfg, separators=(',', ':'))})
        cfg2, rnn2, head2 = load_model(path)
        for k, p in state_tensors(rnn, head).items():
            assert torch.equal(p, state_tensors(rnn2, head2)[k]), k
        x = [fmt(v) for v in torch.randn(T * B * cfg['inputSize']).tolist()]
        probs = forward(cfg2, rnn2, head2, T, B, x)
        with open(os.path.join(outdir, name + '.json'), 'w') as f:
            json.dump({'generator': 'scripts/torch_interop.py write', 'torchVersion': torch.__version__,
                       'model': name + '.safetensors', 'config': cfg, 'T': T, 'B': B, 'x': x,
                       'outputs': [fmt(v) for v in probs.reshape(-1).tolist()]}, f, separators=(',', ':'))
            f.write('\n')
        print('%s: %d bytes' % (path, os.path.getsize(path)))


def cmd_read(model_path, input_path):
    cfg, rnn, head = load_model(model_path)
    with open(input_path) as f:
        inp = json.load(f)
    T, B = inp['T'], inp['B']
    if len(inp['x']) != T * B * cfg['inputSize']:
        raise InteropError('%s: x has %d values, expected T*B*inputSize = %d' % (
            input_path, len(inp['x']), T * B * cfg['inputSize']))
    probs = forward(cfg, rnn, head, T, B, inp['x'], inp.get('h0'), inp.get('c0'))
    json.dump({'torchVersion': torch.__version__, 'config': cfg,
               'outputs': [fmt(v) for v in probs.reshape(-1).tolist()]}, sys.stdout, separators=(',', ':'))
    sys.stdout.write('\n')


def main(argv):
    try:
        if len(argv) >= 1 and argv[0] == 'write' and len(argv) <= 2:
            cmd_write(argv[1] if len(argv) == 2 else
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'golden'))
        elif len(argv) == 3 and argv[0] == 'read':
            cmd_read(argv[1], argv[2])
        else:
            sys.stderr.write(__doc__)
            return 64
    except InteropError as e:
        sys.stderr.write('torch_interop: %s\n' % e)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
