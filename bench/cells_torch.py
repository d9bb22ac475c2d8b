"""PyTorch side of bench/cells.mjs: forward + backward of one recurrent layer, one thread.

  /usr/bin/python3 bench/cells_torch.py '[{"unit":"lstm","I":88,"H":36}]' 32 100 7

Prints one JSON object {"lstm-36": best_ms, ...}: the best of `rounds` timings of
out = layer(x); (out * dhs).sum().backward(), with x not requiring a gradient (a first layer),
as bench/cells.mjs times cell_pack + cell_forward + cell_backward.
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
cases, B, T, rounds = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
layers = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "tanh": torch.nn.RNN}
out = {}
for c in cases:
    torch.manual_seed(0)
    layer = layers[c["unit"]](c["I"], c["H"])
    x = torch.rand(T, B, c["I"])
    dhs = torch.rand(T, B, c["H"]) * 0.01

    def step():
        layer.zero_grad(set_to_none=False)
        y, _ = layer(x)
        (y * dhs).sum().backward()

    for _ in range(2):
        step()
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        step()
        best = min(best, (time.perf_counter() - t0) * 1e3)
    out[f'{c["unit"]}-{c["H"]}'] = best
print(json.dumps(out))
