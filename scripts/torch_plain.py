#!/usr/bin/python3
"""Plain-PyTorch `.pt` fixtures for bindings/io/torch-pt.ts (readTorchPt) and the state_dict loader.

  /usr/bin/python3 scripts/torch_plain.py [plain_dir [evil_dir]]
      Default dirs: tests/fixtures/torch-plain and tests/fixtures/torch-pt-evil.

Plain cases (tests/fixtures/torch-plain/), each a module built the way a PyTorch user builds it,
with a fixed seed, I=5, H=7, O=3, T=6, B=2:
  <case>.pt           torch.save(module.state_dict(), f): PyTorch's own zip format
  <case>.safetensors  the same state_dict as float32 safetensors written by hand here, WITHOUT
                      any metadata (header keys sorted, padded with spaces to 8 bytes)
  <case>.json         what the case is (unit, layers, prefixes, sizes, the state_dict's names in
                      order), the time-major input x (T, B, I) and PyTorch's outputs for it,
                      computed in float64 on the float32 weights and input: `hidden` (the
                      recurrent module's output (T, B, H)), `h_n` (layers, B, H), `c_n` for the
                      LSTM, and `logits` (T, B, O) when there is a head; all flat, row-major.
Reader cases in the same folder (a .pt and the .safetensors of what it must read to):
  views.pt            tensors saved as views of shared storages: a transpose, a row slice, a
                      column (strided), an element (offset, rank 0), an expanded stride-0 view
  dtypes.pt           float64, float16 and bfloat16 tensors (read as tensor.float() gives them)
                      and int64 / bool tensors (skipped); dtypes.json lists both
  parameters.pt       torch.save(dict(module.named_parameters())): nn.Parameter objects
  protocol4.pt        torch.save(state_dict, f, pickle_protocol=4): FRAME, STACK_GLOBAL, MEMOIZE
  bigendian.pt        views.pt rewritten with zipfile: a `byteorder` entry of "big" and every
                      storage byte-swapped (what a big-endian machine's torch.save writes)

Evil files (tests/fixtures/torch-pt-evil/), written with Python's pickle and zipfile in the
layout torch.save uses; what each must be refused for is in that folder's README.md.

Deterministic: the same bytes on every run (fixed seeds, fixed zip timestamps, the legacy
file's address-named storage keys renamed, and PYTHONHASHSEED=0, set by re-running itself,
for TorchScript's set-ordered constants; torch.save itself writes no timestamps).
"""
import collections
import copy
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_interop import write_safetensors  # noqa: E402  (metadata-free when none is given)

torch.set_num_threads(1)

I, H, O, T, B = 5, 7, 3, 6, 2
MODULES = {'tanh': ('RNN', lambda L: nn.RNN(I, H, num_layers=L, nonlinearity='tanh')),
           'lstm': ('LSTM', lambda L: nn.LSTM(I, H, num_layers=L)),
           'gru': ('GRU', lambda L: nn.GRU(I, H, num_layers=L))}


class Net(nn.Module):
    """A recurrent module and a linear head under attribute names of the caller's choice."""

    def __init__(self, rnn, rnn_name, head_name):
        super().__init__()
        self.rnn_name, self.head_name = rnn_name, head_name
        setattr(self, rnn_name, rnn)
        setattr(self, head_name, nn.Linear(H, O))

    def forward(self, x):
        hidden, state = getattr(self, self.rnn_name)(x)
        return hidden, state, getattr(self, self.head_name)(hidden)


# (case, unit, layers, recurrent attribute or None for the bare module, head attribute or None)
CASES = [
    ('rnn_l1_bare', 'tanh', 1, None, None),
    ('rnn_l2_head', 'tanh', 2, 'rnn', 'head'),
    ('rnn_l1_odd', 'tanh', 1, 'core', 'readout'),
    ('lstm_l1_head', 'lstm', 1, 'rnn', 'head'),
    ('lstm_l2_bare', 'lstm', 2, None, None),
    ('lstm_l2_odd', 'lstm', 2, 'encoder', 'decoder'),
    ('gru_l1_bare', 'gru', 1, None, None),
    ('gru_l2_head', 'gru', 2, 'rnn', 'head'),
    ('gru_l1_odd', 'gru', 1, 'encoder', 'decoder'),
    ('lstm_l1_nohead', 'lstm', 1, 'rnn', None),
]

ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
        f.write('\n')


def plain_case(outdir, name, unit, layers, rnn_name, head_name, seed):
    torch.manual_seed(seed)
    module_name, make = MODULES[unit]
    rnn = make(layers)
    module = rnn if rnn_name is None else Net(rnn, rnn_name, head_name) if head_name else None
    if module is None:  # a wrapper without a head
        module = nn.Module()
        setattr(module, rnn_name, rnn)
    sd = module.state_dict()
    torch.save(sd, os.path.join(outdir, name + '.pt'))
    write_safetensors(os.path.join(outdir, name + '.safetensors'), sd)

    x = torch.randn(T, B, I)  # float32, time-major
    m64 = copy.deepcopy(module).double()
    r64 = m64 if rnn_name is None else getattr(m64, rnn_name)
    with torch.no_grad():
        hidden, state = r64(x.double())
        out = {}
        if unit == 'lstm':
            out['h_n'], out['c_n'] = flat(state[0]), flat(state[1])
        else:
            out['h_n'] = flat(state)
        if head_name:
            out['logits'] = flat(getattr(m64, head_name)(hidden))
    write_json(os.path.join(outdir, name + '.json'), {
        'generator': 'scripts/torch_plain.py', 'torchVersion': torch.__version__,
        'case': name, 'module': 'nn.' + module_name, 'unit': unit, 'layers': layers,
        'inputSize': I, 'hiddenSize': H, 'outputSize': O if head_name else None,
        'recurrentPrefix': '' if rnn_name is None else rnn_name + '.',
        'headPrefix': head_name + '.' if head_name else None,
        'names': list(sd.keys()), 'shapes': {k: list(v.shape) for k, v in sd.items()},
        'T': T, 'B': B, 'x': flat(x), 'hidden': flat(hidden), **out,
    })


def reader_cases(outdir):
    torch.manual_seed(7)
    w = torch.randn(4, 6)
    views = collections.OrderedDict([
        ('weight', w),
        ('transposed', w.t()),              # stride (1, 6)
        ('rows', w[1:3]),                   # offset 6
        ('column', w[:, 2]),                # offset 2, stride (6,)
        ('element', w[2, 3]),               # rank 0, offset 15
        ('expanded', w[0].unsqueeze(0).expand(3, 6)),  # stride (0, 1)
        ('every_other', w[::2, 1::2]),      # stride (12, 2), offset 1
        ('empty', w[:0]),
    ])
    torch.save(views, os.path.join(outdir, 'views.pt'))
    write_safetensors(os.path.join(outdir, 'views.safetensors'), views)

    torch.manual_seed(8)
    base = torch.randn(3, 5)
    dtypes = collections.OrderedDict([
        ('f64', base.double() * 1.000000123),
        ('f64_big', torch.tensor([1e39, -1e39, 3.4028235677973366e38, 1e-46], dtype=torch.float64)),
        ('f16', base.half()),
        ('bf16', base.bfloat16()),
        ('f16_specials', torch.tensor([float('inf'), -float('inf'), 6.0e-8, 65504.0, -0.0], dtype=torch.float16)),
        ('num_batches_tracked', torch.tensor(17)),
        ('mask', torch.tensor([True, False, True])),
        ('f32', base),
    ])
    torch.save(dtypes, os.path.join(outdir, 'dtypes.pt'))
    write_safetensors(os.path.join(outdir, 'dtypes.safetensors'),
                      {k: v.float() for k, v in dtypes.items() if v.is_floating_point()})
    write_json(os.path.join(outdir, 'dtypes.json'), {
        'generator': 'scripts/torch_plain.py', 'torchVersion': torch.__version__,
        'dtypes': {k: str(v.dtype).replace('torch.', '') for k, v in dtypes.items() if v.is_floating_point()},
        'skipped': [{'name': k, 'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape)}
                    for k, v in dtypes.items() if not v.is_floating_point()],
    })

    torch.manual_seed(9)
    lin = nn.Linear(4, 2)
    params = dict(lin.named_parameters())
    torch.save(params, os.path.join(outdir, 'parameters.pt'))
    write_safetensors(os.path.join(outdir, 'parameters.safetensors'), params)

    torch.manual_seed(10)
    gru = nn.GRU(I, H)
    torch.save(gru.state_dict(), os.path.join(outdir, 'protocol4.pt'), pickle_protocol=4)
    write_safetensors(os.path.join(outdir, 'protocol4.safetensors'), gru.state_dict())

    # views.pt as a big-endian machine writes it: byteorder "big", every storage byte-swapped
    src = zipfile.ZipFile(os.path.join(outdir, 'views.pt'))
    with zipfile.ZipFile(os.path.join(outdir, 'bigendian.pt'), 'w', zipfile.ZIP_STORED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            name = info.filename.replace('views/', 'bigendian/', 1)
            if '/data/' in name:
                data = b''.join(data[k:k + 4][::-1] for k in range(0, len(data), 4))
            z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data)
            if name.endswith('/data.pkl'):
                z.writestr(zipfile.ZipInfo('bigendian/byteorder', ZIP_TIME), b'big')


# --- evil files: the torch.save layout, written by hand

class FakeStorage:
    def __init__(self, key, numel, storage_type='FloatStorage'):
        self.key, self.numel, self.storage_type = key, numel, storage_type


class FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride


class TorchLikePickler(pickle.Pickler):
    """Pickles FakeTensors as torch.save does: _rebuild_tensor_v2 over persistent storages."""

    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ('storage', getattr(torch, obj.storage_type), obj.key, 'cpu', obj.numel)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, FakeTensor):
            return (torch._utils._rebuild_tensor_v2,
                    (obj.storage, obj.offset, tuple(obj.size), tuple(obj.stride), False, collections.OrderedDict()))
        return NotImplemented


def torch_like_zip(path, archive, pkl, storages, compress=()):
    """A zip in torch.save's layout: data.pkl, data/<key> (stored unless the key is in
    `compress`), version."""
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        z.writestr(zipfile.ZipInfo(archive + '/data.pkl', ZIP_TIME), pkl)
        for key, data in storages.items():
            info = zipfile.ZipInfo(archive + '/data/' + key, ZIP_TIME)
            if key in compress:
                info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data, compress_type=info.compress_type, compresslevel=9 if key in compress else None)
        z.writestr(zipfile.ZipInfo(archive + '/version', ZIP_TIME), b'3\n')


def torch_like_pickle(obj):
    f = io.BytesIO()
    TorchLikePickler(f, protocol=2).dump(obj)
    return f.getvalue()


class Shell:
    """What an attacker pickles: unpickling it runs a shell command."""

    def __reduce__(self):
        return (os.system, ('echo pwned > /tmp/gatedrnn-pwned',))


class SkipStateDict(pickle.Unpickler):
    """Reads past the legacy file's state_dict pickle (our own file) without building it."""

    def persistent_load(self, pid):
        return None

    def find_class(self, module, name):
        return lambda *args: Anything()


class Anything(dict):
    """Stands for every object SkipStateDict meets: takes items and attributes."""


def deterministic_legacy(path):
    """The legacy format keys its storages by their memory addresses (decimal strings): replaced
    by fixed strings of the same length, so that the file is the same on every run."""
    with open(path, 'rb') as f:
        data = f.read()
        f.seek(0)
        for _ in range(3):  # magic number, protocol version, sys info
            pickle.load(f)
        SkipStateDict(f).load()
        keys = pickle.load(f)
    for i, key in enumerate(keys):
        old = key.encode('ascii')
        new = str(i).rjust(len(key), '0').encode('ascii')
        assert data.count(old) == 2, key  # in the state_dict's pickle and in the key list
        data = data.replace(old, new)
    with open(path, 'wb') as f:
        f.write(data)


def evil_cases(outdir):
    floats = struct.pack('<4f', 1, 2, 3, 4)
    ok = FakeTensor(FakeStorage('0', 4), 0, [4], [1])

    # 1. a state_dict whose second value runs os.system (GLOBAL posix.system, then REDUCE)
    pkl = pickle.dumps(collections.OrderedDict([('weight', 0), ('bias', Shell())]), protocol=2)
    torch_like_zip(os.path.join(outdir, 'os-system.pt'), 'os-system', pkl, {})

    # 2. a global outside the allow-list: builtins.eval of a string, in place of a tensor
    class Eval:
        def __reduce__(self):
            return (eval, ('1 + 1',))
    pkl = torch_like_pickle(collections.OrderedDict([('weight', ok), ('bias', Eval())]))
    torch_like_zip(os.path.join(outdir, 'builtins-eval.pt'), 'builtins-eval', pkl, {'0': floats})

    # 3. a whole module saved with torch.save(model): its class is a global too
    torch.manual_seed(1)
    torch.save(nn.Linear(3, 2), os.path.join(outdir, 'whole-module.pt'))

    # 4. a tensor reaching past the end of its storage: 4 elements stored, (2, 3) read
    pkl = torch_like_pickle(collections.OrderedDict([('weight', FakeTensor(FakeStorage('0', 4), 0, [2, 3], [3, 1]))]))
    torch_like_zip(os.path.join(outdir, 'storage-past-end.pt'), 'storage-past-end', pkl, {'0': floats})
    #    and a storage entry shorter than its declared element count (numel 8, 16 bytes)
    pkl = torch_like_pickle(collections.OrderedDict([('weight', FakeTensor(FakeStorage('0', 8), 0, [8], [1]))]))
    torch_like_zip(os.path.join(outdir, 'storage-short.pt'), 'storage-short', pkl, {'0': floats})

    # 5. a zip bomb: one storage of 32 MiB of zeros, deflated to a few kB
    n = 8 * 1024 * 1024
    pkl = torch_like_pickle(collections.OrderedDict([('weight', FakeTensor(FakeStorage('0', n), 0, [n], [1]))]))
    torch_like_zip(os.path.join(outdir, 'zip-bomb.pt'), 'zip-bomb', pkl, {'0': bytes(4 * n)}, compress=('0',))

    # 6. the legacy format: pickles and raw storages, no zip
    torch.manual_seed(2)
    path = os.path.join(outdir, 'legacy.pt')
    torch.save(nn.Linear(3, 2).state_dict(), path, _use_new_zipfile_serialization=False)
    deterministic_legacy(path)

    # 7. TorchScript: an archive with code
    torch.manual_seed(3)
    torch.jit.save(torch.jit.script(nn.Linear(3, 2)), os.path.join(outdir, 'torchscript.pt'))

    # 8. a training checkpoint of several things (an int beside the state_dict)
    torch.manual_seed(4)
    torch.save({'epoch': 3, 'model': nn.Linear(3, 2).state_dict()}, os.path.join(outdir, 'checkpoint.pt'))


def main(argv):
    if os.environ.get('PYTHONHASHSEED') != '0':
        # TorchScript writes a module's constants in set order, which follows str hashes
        os.execve(sys.executable, [sys.executable] + argv, {**os.environ, 'PYTHONHASHSEED': '0'})
    plain = argv[1] if len(argv) > 1 else 'tests/fixtures/torch-plain'
    evil = argv[2] if len(argv) > 2 else 'tests/fixtures/torch-pt-evil'
    os.makedirs(plain, exist_ok=True)
    os.makedirs(evil, exist_ok=True)
    for k, (name, unit, layers, rnn_name, head_name) in enumerate(CASES):
        plain_case(plain, name, unit, layers, rnn_name, head_name, 100 + k)
    reader_cases(plain)
    evil_cases(evil)
    for d in (plain, evil):
        total = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print('%s: %d files, %d bytes' % (d, len(os.listdir(d)), total))


if __name__ == '__main__':
    main(sys.argv)
