#!/usr/bin/python3
"""PyTorch contender of bench/run.mjs, one CPU thread.

Speaks JSON lines on stdin/stdout so that the Node benchmark can interleave it with the
in-process contenders and time it in its own process (timing is done here, around the calls
only):

  {"cmd": "hello"}                                  -> {"torch": version, "threads": n}
  {"cmd": "setup", "id", "unit", "I","H","O","T","B", "params": {W,U,bih,bhh,V,c}, "x", "y"}
  {"cmd": "infer_out", "id"}                        -> {"p": [...]} probabilities (T*B*O)
  {"cmd": "time", "id", "what": "train"|"infer", "min_time", "max_iters"} -> {"sec": s/iter, "iters"}
  {"cmd": "free", "id"}   {"cmd": "quit"}

Params arrive in our layout (docs/DESIGN.md): W (I, G*H), U (H, G*H) row-major, gate order
i f g o / r z n, which is PyTorch's gate order; PyTorch stores the transposes.
Variants: nn.RNN (tanh), nn.LSTM (no peepholes), nn.GRU (reset-after). Head: Linear + sum of
BCE-with-logits; optimizer RMSprop(alpha=decay, momentum, eps).

  --probe     reads one setup message from stdin, runs 1 training step and 1 inference in this
              fresh process and prints {"rss0": peak RSS after imports, "peak": peak RSS}, bytes.
"""
import json
import resource
import sys
import time

import torch

torch.set_num_threads(1)


class Net(torch.nn.Module):
    def __init__(self, s):
        super().__init__()
        unit, I, H, O = s["unit"], s["I"], s["H"], s["O"]
        if unit == "tanh":
            self.rnn = torch.nn.RNN(I, H, nonlinearity="tanh")
        elif unit == "lstm":
            self.rnn = torch.nn.LSTM(I, H)
        else:
            self.rnn = torch.nn.GRU(I, H)
        self.head = torch.nn.Linear(H, O)
        p = s["params"]
        G = {"tanh": 1, "lstm": 4, "gru": 3}[unit]
        with torch.no_grad():
            self.rnn.weight_ih_l0.copy_(torch.tensor(p["W"], dtype=torch.float32).view(I, G * H).t())
            self.rnn.weight_hh_l0.copy_(torch.tensor(p["U"], dtype=torch.float32).view(H, G * H).t())
            self.rnn.bias_ih_l0.copy_(torch.tensor(p["bih"], dtype=torch.float32))
            self.rnn.bias_hh_l0.copy_(torch.tensor(p["bhh"], dtype=torch.float32))
            self.head.weight.copy_(torch.tensor(p["V"], dtype=torch.float32).view(H, O).t())
            self.head.bias.copy_(torch.tensor(p["c"], dtype=torch.float32))

    def forward(self, x):
        hs, _ = self.rnn(x)
        return self.head(hs)


class Job:
    def __init__(self, s):
        T, B, I, O = s["T"], s["B"], s["I"], s["O"]
        self.net = Net(s)
        self.x = torch.tensor(s["x"], dtype=torch.float32).view(T, B, I)
        self.y = torch.tensor(s["y"], dtype=torch.float32).view(T, B, O)
        o = s.get("rmsprop", {})
        self.opt = torch.optim.RMSprop(self.net.parameters(), lr=o.get("lr", 1e-4), alpha=o.get("decay", 0.9),
                                       momentum=o.get("momentum", 0.9), eps=o.get("eps", 1e-6))
        self.loss = torch.nn.BCEWithLogitsLoss(reduction="sum")

    def train(self):
        self.opt.zero_grad(set_to_none=True)
        l = self.loss(self.net(self.x), self.y)
        l.backward()
        self.opt.step()

    def infer(self):
        with torch.inference_mode():
            return torch.sigmoid(self.net(self.x))


def timed(fn, min_time, max_iters):
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        el = time.perf_counter() - t0
        if el >= min_time or n >= max_iters:
            return el / n, n


def peak_rss():
    """Peak resident set in bytes: VmHWM of this address space (getrusage's ru_maxrss keeps the
    high-water mark of the forked parent across exec on Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--probe":
        setup = json.loads(sys.stdin.read())
        rss0 = peak_rss()
        job = Job(setup)
        job.train()
        job.infer()
        peak = peak_rss()
        print(json.dumps({"rss0": rss0, "peak": peak}), flush=True)
        return
    jobs = {}
    for line in sys.stdin:
        m = json.loads(line)
        cmd = m["cmd"]
        try:
            if cmd == "hello":
                out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
            elif cmd == "setup":
                jobs[m["id"]] = Job(m)
                out = {"ok": True}
            elif cmd == "infer_out":
                out = {"p": jobs[m["id"]].infer().reshape(-1).tolist()}
            elif cmd == "time":
                job = jobs[m["id"]]
                fn = job.train if m["what"] == "train" else job.infer
                sec, iters = timed(fn, m["min_time"], m["max_iters"])
                out = {"sec": sec, "iters": iters}
            elif cmd == "free":
                jobs.pop(m["id"], None)
                out = {"ok": True}
            elif cmd == "quit":
                break
            else:
                out = {"error": f"unknown command {cmd}"}
        except Exception as e:  # report, keep serving
            out = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
