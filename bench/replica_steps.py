#!/usr/bin/env python3
"""A version-2 example and its PyTorch replica from the same weights on the same batches, step by step.

usage: /usr/bin/python3 bench/replica_steps.py mobilenet_mnist|resnet_fashion|autoencoder
           [--mode one-step|trajectory] [--steps 0,1,10,100,599] [--seed 0] [--double] [--threads 2]

graphc draws the example's initial weights (`graphc run --steps 1 --lr 1e-30 --save`: an update of
1e-30 leaves every weight as drawn; the moving statistics are reset to 0 and 1 and the optimizer
state dropped). Both sides train on the training set in file order: a copy of the example with
`shuffle = false` (and `eval_every = 1` where every step's loss is wanted).

--mode one-step (the default) checks each training step on its own: for each K of --steps, graphc
trains K steps from the initial weights and saves everything (weights, moving statistics, the
optimizer's slots and step count); the replica loads that state and trains step K + 1 on batch
K + 1; graphc resumes from its checkpoint for the same step (`--load`, which continues bit for bit);
both step K + 1's are compared: the loss of the batch, every weight, moving statistic and optimizer
slot. Differences of float rounding (1e-6 of the largest value) say the two compute the same step:
the same forward pass, gradient, optimizer formula, schedule and BatchNorm update. A larger
difference names the variable, hence the component.

--mode trajectory trains both sides from the initial weights and prints every step's loss on both
sides and, after each K of --steps, the largest differences and both test losses: how fast the
two runs drift apart (rounding grows through Adam's normalized updates and ReLU boundaries).

--mode budget trains both sides for the example's whole budget from the same weights in file
order and prints both test losses (and accuracies).

--double runs the replica in float64, a reference for both float32 computations.
Differences are max |graphc - replica| / max |replica| over each kind of variable, naming the worst.
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replicas  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRAPHC = os.path.join(ROOT, "build", "graphc")
OPTIMIZERS = ("adam", "adamw")


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    tensors = {}
    for name, v in header.items():
        if name != "__metadata__":
            a, b = v["data_offsets"]
            tensors[name] = np.frombuffer(data[8 + n + a:8 + n + b], "<f4").reshape(v["shape"]).copy()
    return tensors, header.get("__metadata__", {})


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name, v in tensors.items():
        b = np.ascontiguousarray(v, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def layouts(model, names):
    """(graphc name, torch tensor, graphc-to-torch layout, torch-to-graphc layout) for each variable.

    graphc's checkpoint lists a model's variables in the order its layers are made, and the
    replicas register their modules in the same order: each kernel goes to the next convolution or
    dense layer, each gamma (with its beta and moving statistics) to the next BatchNorm.
    """
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.BatchNorm2d))]
    bn_fields = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean", "moving_variance": "running_var"}
    same = (lambda a: a, lambda t: t)
    out, i = [], -1
    for name in names:
        leaf = name.rsplit("/", 1)[-1]
        if leaf in ("kernel", "depthwise_kernel", "pointwise_kernel", "gamma"):
            i += 1
        m = layers[i]
        if leaf in bn_fields:
            assert isinstance(m, nn.BatchNorm2d), (name, m)
            out.append((name, getattr(m, bn_fields[leaf])) + same)
        elif leaf == "bias":
            out.append((name, m.bias) + same)
        elif isinstance(m, nn.Linear):  # graphc [in, out], torch [out, in]
            out.append((name, m.weight, lambda a: a.T, lambda t: t.T))
        elif isinstance(m, nn.ConvTranspose2d):  # graphc [kh, kw, out, in], torch [in, out, kh, kw]
            out.append((name, m.weight, lambda a: a.transpose(3, 2, 0, 1), lambda t: t.transpose(2, 3, 1, 0)))
        elif leaf == "depthwise_kernel":  # graphc [kh, kw, C, M], torch [C * M, 1, kh, kw]
            out.append((name, m.weight, lambda a: a.reshape(a.shape[0], a.shape[1], -1, 1).transpose(2, 3, 0, 1),
                        lambda t: t.transpose(2, 3, 0, 1)))
        else:  # graphc HWIO, torch OIHW
            out.append((name, m.weight, lambda a: a.transpose(3, 2, 0, 1), lambda t: t.transpose(2, 3, 1, 0)))
    assert i == len(layers) - 1, f"{i + 1} of {len(layers)} layers matched"
    return out


class Replica:
    """bench/replicas.py's module and optimizer for an example, reading and writing graphc's checkpoints."""

    def __init__(self, example, names, double):
        ex = replicas.EXAMPLES[example]
        self.example, self.ex, self.dtype = example, ex, torch.float64 if double else torch.float32
        self.model = ex["model"]().to(self.dtype)
        self.variables = layouts(self.model, names)
        self.opt = ex["optimizer"](list(self.model.parameters()))
        self.slot = {id(p): i for i, p in enumerate(self.opt.params)}

    def tensors(self, optimizer):
        """(graphc name, torch tensor, layouts) of every variable and optimizer slot."""
        for name, t, to_torch, to_graphc in self.variables:
            yield name, t, to_torch, to_graphc
            if isinstance(t, nn.Parameter):
                j = self.slot[id(t)]
                yield f"{optimizer}/m/{name}", self.opt.m[j], to_torch, to_graphc
                yield f"{optimizer}/v/{name}", self.opt.v[j], to_torch, to_graphc

    @torch.no_grad()
    def load(self, state, optimizer):
        """Takes graphc's state: what a checkpoint lacks (the optimizer's slots of a fresh start) is zero."""
        for name, t, to_torch, _ in self.tensors(optimizer):
            if name in state:
                value = np.ascontiguousarray(to_torch(state[name]))
                assert tuple(t.shape) == value.shape, (name, tuple(t.shape), value.shape)
                t.copy_(torch.from_numpy(value))
            else:
                assert name.startswith(optimizer + "/"), f"{name} is not in graphc's checkpoint"
                t.zero_()
        self.opt.t = int(state.get(f"{optimizer}/iterations", np.zeros(())).item())

    def step(self, x, y):
        """One training step on a batch; returns its loss."""
        x = x.to(self.dtype)
        loss = self.ex["loss"](self.model(x), x, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    def test_loss(self, x, y):
        return replicas.evaluate(self.example, self.model, x.to(self.dtype), y)[0]


def kind(name, optimizer):
    if name.startswith(optimizer + "/m/"):
        return "adam m"
    if name.startswith(optimizer + "/v/"):
        return "adam v"
    return "moving statistics" if "/moving_" in name else "weights"


def differences(graphc_state, replica, optimizer):
    """The largest relative difference of each kind of variable, and the variable it is in."""
    worst = {}
    for name, t, _, to_graphc in replica.tensors(optimizer):
        ref = to_graphc(t.detach().double().numpy())
        d = float(np.abs(graphc_state[name] - ref).max() / (np.abs(ref).max() + 1e-30))
        k = kind(name, optimizer)
        if d >= worst.get(k, (-1.0, ""))[0]:
            worst[k] = (d, name)
    return worst


def print_differences(worst):
    for k, (d, name) in worst.items():
        print(f"    {k}: {d:.2e} ({name})")


class Graphc:
    """graphc run on in-order copies of the example, with its checkpoints and per-step losses."""

    def __init__(self, example, folder, seed, threads):
        self.folder, self.seed, self.threads = folder, seed, threads
        source = open(os.path.join(ROOT, "examples", example + ".mnn")).read()
        self.files = {}
        for key, extra in (("plain", "  shuffle   = false\n"), ("every", "  shuffle   = false\n  eval_every = 1\n")):
            text, n = re.subn(r"\n}\s*$", "\n" + extra + "}\n", source)
            assert n == 1, "the example should end with its train block"
            self.files[key] = os.path.join(folder, f"{example}_{key}.mnn")
            with open(self.files[key], "w") as f:
                f.write(text)

    def run(self, flags, every=False, tag="run"):
        """Runs graphc; returns every step's loss (with every) and the final test loss."""
        log = os.path.join(self.folder, "log_" + tag)
        subprocess.run([GRAPHC, "run", self.files["every" if every else "plain"], "--threads", str(self.threads),
                        "--seed", str(self.seed), "--progress", "none", "--log-dir", log] + flags,
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(log, "metrics.csv")) as f:
            rows = [line.strip().split(",") for line in f][1:]
        with open(os.path.join(log, "test.csv")) as f:
            test = [line.strip().split(",") for line in f][1:]
        return [float(r[4]) for r in rows], float(test[-1][1])

    def initial_state(self):
        """The weights graphc draws for its seed, saved as a fresh start."""
        drawn = os.path.join(self.folder, "drawn.safetensors")
        self.run(["--steps", "1", "--lr", "1e-30", "--save", drawn], tag="draw")
        tensors, metadata = read_safetensors(drawn)
        init = {}
        for name, v in tensors.items():
            if name.split("/")[0] in OPTIMIZERS:
                continue
            init[name] = (np.zeros_like(v) if name.endswith("moving_mean") else
                          np.ones_like(v) if name.endswith("moving_variance") else v)
        path = os.path.join(self.folder, "init.safetensors")
        write_safetensors(path, init, dict(metadata, step="0"))
        return path, init, metadata["optimizer"]


def batch_of(data, step, batch):
    """The batch of a step (0 first) in file order; the last partial batch of an epoch too, as graphc's."""
    xtr, ytr = data[0], data[1]
    per_epoch = -(-len(xtr) // batch)
    i = step % per_epoch * batch
    return xtr[i:i + batch], ytr[i:i + batch]


def one_step(args, g, init_path, init, optimizer, data):
    batch = replicas.EXAMPLES[args.example]["batch"]
    print(f"{args.example}: from graphc's state after K steps (graphc --seed {args.seed}'s initial weights, file order, "
          f"batch {batch}), step K + 1 on each side{' (replica in float64)' if args.double else ''}:")
    replica = Replica(args.example, list(init), args.double)
    done = 0
    for k in [int(s) for s in args.steps.split(",")]:
        if k == 0:
            before = init_path
        else:
            before = os.path.join(g.folder, f"graphc_{k}.safetensors")
            # Continues the last checkpoint (bit for bit the same as a run from the start).
            g.run(["--load", init_path if done == 0 else os.path.join(g.folder, f"graphc_{done}.safetensors"),
                   "--steps", str(k), "--save", before], tag=f"to_{k}")
            done = k
        after = os.path.join(g.folder, f"graphc_{k}_plus1.safetensors")
        losses, graphc_test = g.run(["--load", before, "--steps", str(k + 1), "--save", after], every=True,
                                    tag=f"step_{k + 1}")
        state, _ = read_safetensors(before)
        replica.load(state, optimizer)
        x, y = batch_of(data, k, batch)
        loss = replica.step(x, y)
        print(f"  step {k + 1}: loss graphc {losses[-1]:.7f} replica {loss:.7f} ({losses[-1] - loss:+.1e})")
        graphc_after = read_safetensors(after)[0]
        print_differences(differences(graphc_after, replica, optimizer))
        # The evaluation on the test set (BatchNorm on its moving statistics) of graphc's weights.
        replica.load(graphc_after, optimizer)
        test = replica.test_loss(data[2], data[3])
        print(f"    test loss of graphc's weights: graphc {graphc_test:.7f} replica {test:.7f} ({graphc_test - test:+.1e})",
              flush=True)


def trajectory(args, g, init_path, init, optimizer, data):
    batch = replicas.EXAMPLES[args.example]["batch"]
    print(f"{args.example}: both from graphc --seed {args.seed}'s initial weights, file order, batch {batch}"
          f"{' (replica in float64)' if args.double else ''}:")
    replica = Replica(args.example, list(init), args.double)
    replica.load(init, optimizer)
    losses, step = [], 0
    for k in [int(s) for s in args.steps.split(",") if int(s) > 0]:
        while step < k:
            losses.append(replica.step(*batch_of(data, step, batch)))
            step += 1
        saved = os.path.join(g.folder, f"trajectory_{k}.safetensors")
        graphc_losses, graphc_test = g.run(["--load", init_path, "--steps", str(k), "--save", saved], every=True,
                                           tag=f"trajectory_{k}")
        print(f"  after {k} steps:")
        for s in range(max(0, k - 10), k):
            print(f"    step {s + 1}: loss graphc {graphc_losses[s]:.7f} replica {losses[s]:.7f} "
                  f"({graphc_losses[s] - losses[s]:+.1e})")
        print_differences(differences(read_safetensors(saved)[0], replica, optimizer))
        print(f"    test loss graphc {graphc_test:.6f} replica {replica.test_loss(data[2], data[3]):.6f}", flush=True)


def budget(args, g, init_path, init, optimizer, data):
    """The example's whole budget on both sides, from the same weights, in the same (file) order."""
    ex = replicas.EXAMPLES[args.example]
    steps = -(-len(data[0]) // ex["batch"]) * ex["epochs"]
    replica = Replica(args.example, list(init), args.double)
    replica.load(init, optimizer)
    for step in range(steps):
        replica.step(*batch_of(data, step, ex["batch"]))
    _, graphc_test = g.run(["--load", init_path, "--steps", str(steps)], tag="budget")
    with open(os.path.join(g.folder, "log_budget", "test.csv")) as f:
        graphc_row = [line.strip().split(",") for line in f][-1]
    test_loss, test_acc = replicas.evaluate(args.example, replica.model, data[2].to(replica.dtype), data[3])
    metric = f" test accuracy graphc {float(graphc_row[2]):.4f} replica {test_acc:.4f}" if ex["accuracy"] else ""
    print(f"{args.example} seed {args.seed}, {steps} steps in file order from the same weights"
          f"{' (replica in float64)' if args.double else ''}: test loss graphc {graphc_test:.4f} "
          f"replica {test_loss:.4f};{metric}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("example", choices=sorted(replicas.EXAMPLES))
    ap.add_argument("--mode", choices=("one-step", "trajectory", "budget"), default="one-step")
    ap.add_argument("--steps", help="the numbers of steps K, ascending (default: one-step 0,1,10,100 and the epoch's "
                    "next to last step; trajectory 1,2,10,100)")
    ap.add_argument("--seed", type=int, default=0, help="graphc's --seed, which draws the initial weights")
    ap.add_argument("--double", action="store_true", help="run the replica in float64")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", help="a folder for the files (default: a temporary one)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ex = replicas.EXAMPLES[args.example]
    data = replicas.load(ex["data"])
    if not args.steps:
        last = -(-len(data[0]) // ex["batch"]) * ex["epochs"] - 1
        args.steps = f"0,1,10,100,{last}" if args.mode == "one-step" else "1,2,10,100"
    folder = args.keep or tempfile.mkdtemp(prefix="replica_steps.")
    os.makedirs(folder, exist_ok=True)
    g = Graphc(args.example, folder, args.seed, args.threads)
    init_path, init, optimizer = g.initial_state()
    modes = {"one-step": one_step, "trajectory": trajectory, "budget": budget}
    modes[args.mode](args, g, init_path, init, optimizer, data)


if __name__ == "__main__":
    sys.exit(main())
