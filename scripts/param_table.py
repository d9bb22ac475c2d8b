#!/usr/bin/python3
"""PyTorch's state_dict names and shapes for the models gatedrnn's parameter table describes.

Run:  /usr/bin/python3 scripts/param_table.py [out]   (default tests/fixtures/param-table.json)

Each case is an nn.RNN(tanh) / nn.LSTM / nn.GRU with an nn.Linear output layer registered as
`head`, exactly as a PyTorch user would write the model whose weights gatedrnn files hold. The
test tests/params.test.ts checks bindings/model/params.ts against these names, shapes, order
and parameter counts. (The paper's peephole LSTM has no nn module; its extra tensor is checked
by hand there.)
"""
import json
import sys

import torch
import torch.nn as nn

CASES = [
    {'unit': 'tanh', 'inputSize': 88, 'hiddenSize': 100, 'layers': 1, 'head': 88},
    {'unit': 'lstm', 'inputSize': 88, 'hiddenSize': 36, 'layers': 1, 'head': 88},
    {'unit': 'gru', 'inputSize': 88, 'hiddenSize': 46, 'layers': 1, 'head': 88},
    {'unit': 'lstm', 'inputSize': 7, 'hiddenSize': 5, 'layers': 3, 'head': 11},
    {'unit': 'gru', 'inputSize': 3, 'hiddenSize': 9, 'layers': 2, 'head': 4},
    {'unit': 'tanh', 'inputSize': 1, 'hiddenSize': 2, 'layers': 2, 'head': 1},
]


class Net(nn.Module):
    def __init__(self, c):
        super().__init__()
        cls = {'tanh': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[c['unit']]
        self.rnn = cls(c['inputSize'], c['hiddenSize'], num_layers=c['layers'])
        self.head = nn.Linear(c['hiddenSize'], c['head'])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/fixtures/param-table.json'
    cases = []
    for c in CASES:
        net = Net(c)
        # the recurrent module's own names (weight_ih_l0, …) and the head's (head.weight, head.bias)
        tensors = [{'name': k, 'shape': list(v.shape)} for k, v in net.rnn.state_dict().items()]
        tensors += [{'name': 'head.' + k, 'shape': list(v.shape)} for k, v in net.head.state_dict().items()]
        recurrent = sum(p.numel() for p in net.rnn.parameters())
        cases.append({'config': c, 'tensors': tensors, 'recurrentParams': recurrent})
    doc = {'torch': torch.__version__, 'cases': cases}
    with open(out, 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
