#!/usr/bin/env python3
"""PyTorch reference of the DER protocol on Seq-MNIST (Buzzega et al., NeurIPS 2020; Mammoth's seq-mnist setting).

The same protocol as dl4j-continual's `rehearsal reproduce` runs, written the way Mammoth writes it
(models/sgd.py, er.py, derpp.py; datasets/seq_mnist.py; utils/buffer.py), so that the side-by-side benchmark
(bin/vs-pytorch) compares like with like:

* data: the MNIST IDX files of the data directory, pixels / 255, flattened; 5 experiences of 2 classes (0-1, ..., 8-9);
* model: MLP 784-100-100-10 (ReLU), Xavier-uniform weights and zero biases (Mammoth's MNISTMLP);
* training: plain SGD, batch 10, one epoch per experience, a fresh random permutation per experience (the order
  Mammoth's shuffled DataLoader gives, sliced directly: the DataLoader's per-row collate would only slow it);
* naive: CE, lr 0.03; er: buffer 500 (reservoir over every example seen), replay batch 10 joined to the current
  batch, lr 0.1; der++: buffer 500 with the logits of the training forward, alpha 1.0 (logit MSE) and beta 0.5
  (CE) on two replayed batches of 10, lr 0.03 (Mammoth's best_args for seq-mnist);
* evaluation after every experience on the test images of the experiences seen so far (Mammoth's evaluate()):
  class-IL and task-IL (logits outside the task's two classes masked) accuracy.

Prints one JSON line: method, seed, class-IL and task-IL accuracies (mean over seen tasks) after the last
experience, training and total seconds. Nothing here is tuned for speed beyond what Mammoth does.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    d = os.path.join(data_dir, "mnist")
    for name in (prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz"):
        if not os.path.isfile(os.path.join(d, name)):
            sys.exit("missing %s: put the MNIST IDX files under %s (see the data README)" % (name, d))
    x = read_idx(os.path.join(d, prefix + "-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(os.path.join(d, prefix + "-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


class MnistMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 100)
        self.fc2 = nn.Linear(100, 100)
        self.fc3 = nn.Linear(100, 10)
        for m in (self.fc1, self.fc2, self.fc3):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class Reservoir:
    """Mammoth's utils/buffer.py in reservoir mode."""

    def __init__(self, size, logits):
        self.size = size
        self.seen = 0
        self.x = torch.zeros(size, 784)
        self.y = torch.zeros(size, dtype=torch.int64)
        self.z = torch.zeros(size, 10) if logits else None

    def add(self, x, y, z=None):
        for i in range(x.shape[0]):
            if self.seen < self.size:
                j = self.seen
            else:
                j = np.random.randint(0, self.seen + 1)
                j = j if j < self.size else -1
            self.seen += 1
            if j >= 0:
                self.x[j] = x[i]
                self.y[j] = y[i]
                if self.z is not None:
                    self.z[j] = z[i]

    def empty(self):
        return self.seen == 0

    def sample(self, n):
        filled = min(self.seen, self.size)
        idx = np.random.choice(filled, size=min(n, filled), replace=False)
        return idx


def evaluate(net, test_x, test_y, seen_tasks):
    net.eval()
    cil, til = [], []
    with torch.no_grad():
        for t in range(seen_tasks):
            m = (test_y >= 2 * t) & (test_y < 2 * t + 2)
            x, y = test_x[m], test_y[m]
            correct_c = correct_t = 0
            for s in range(0, x.shape[0], 256):
                out = net(x[s:s + 256])
                correct_c += (out.argmax(1) == y[s:s + 256]).sum().item()
                masked = out.clone()
                masked[:, :2 * t] = -float("inf")
                masked[:, 2 * t + 2:] = -float("inf")
                correct_t += (masked.argmax(1) == y[s:s + 256]).sum().item()
            cil.append(correct_c / x.shape[0])
            til.append(correct_t / x.shape[0])
    net.train()
    return float(np.mean(cil)), float(np.mean(til))


def bare(a):
    """Times a.bare_steps SGD steps (CE, lr 0.03) of the MLP on consecutive batches of 10 of shuffled MNIST."""
    torch.manual_seed(a.seed)
    train_x, train_y = load(a.data_dir, "train")
    order = torch.randperm(train_x.shape[0])
    x_all, y_all = train_x[order], train_y[order]
    net = MnistMlp()
    opt = torch.optim.SGD(net.parameters(), lr=0.03)
    n = train_x.shape[0] // 10
    for warm in (True, False):
        ts = time.time()
        for i in range(500 if warm else a.bare_steps):
            s = (i % n) * 10
            opt.zero_grad()
            F.cross_entropy(net(x_all[s:s + 10]), y_all[s:s + 10]).backward()
            opt.step()
    secs = time.time() - ts
    print(json.dumps({"bare_steps": a.bare_steps, "seconds": round(secs, 3),
                      "us_per_step": round(1e6 * secs / a.bare_steps, 1)}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--method", choices=["naive", "er", "der++"], required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--buffer", type=int, default=500)
    p.add_argument("--bare-steps", type=int, default=0,
                   help="instead of the protocol: time this many plain SGD steps of batch 10 (the framework's floor)")
    a = p.parse_args()
    t0 = time.time()
    torch.set_num_threads(a.threads)
    if a.bare_steps > 0:
        bare(a)
        return
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    train_x, train_y = load(a.data_dir, "train")
    test_x, test_y = load(a.data_dir, "test")
    lr = {"naive": 0.03, "er": 0.1, "der++": 0.03}[a.method]
    net = MnistMlp()
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    buf = None if a.method == "naive" else Reservoir(a.buffer, logits=a.method == "der++")
    train_secs = 0.0
    for t in range(5):
        m = (train_y >= 2 * t) & (train_y < 2 * t + 2)
        task_x, task_y = train_x[m], train_y[m]
        ts = time.time()
        order = torch.randperm(task_x.shape[0])  # what DataLoader(shuffle=True) draws, without its per-row collate
        for s in range(0, task_x.shape[0], 10):
            x, y = task_x[order[s:s + 10]], task_y[order[s:s + 10]]
            opt.zero_grad()
            if a.method == "er":
                inputs, labels = x, y
                if not buf.empty():
                    idx = buf.sample(10)
                    inputs = torch.cat((x, buf.x[idx]))
                    labels = torch.cat((y, buf.y[idx]))
                loss = F.cross_entropy(net(inputs), labels)
                loss.backward()
                opt.step()
                buf.add(x, y)
            elif a.method == "der++":
                outputs = net(x)
                loss = F.cross_entropy(outputs, y)
                if not buf.empty():
                    idx = buf.sample(10)
                    loss = loss + 1.0 * F.mse_loss(net(buf.x[idx]), buf.z[idx])
                    idx = buf.sample(10)
                    loss = loss + 0.5 * F.cross_entropy(net(buf.x[idx]), buf.y[idx])
                loss.backward()
                opt.step()
                buf.add(x, y, outputs.data)
            else:
                loss = F.cross_entropy(net(x), y)
                loss.backward()
                opt.step()
        train_secs += time.time() - ts
        cil, til = evaluate(net, test_x, test_y, t + 1)
    print(json.dumps({"method": a.method, "seed": a.seed, "class_il": cil, "task_il": til,
                      "train_seconds": round(train_secs, 2), "seconds": round(time.time() - t0, 2)}))


if __name__ == "__main__":
    main()
