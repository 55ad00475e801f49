#!/usr/bin/env python3
"""Does the data pipeline keep up? `graphc run`'s training speed against `graphc bench`'s train step.

usage: python3 bench/data_pipeline.py [--graphc build/graphc] [--rounds 3] [--steps 3000] [--threads N]

`graphc bench examples/lenet5.mnn --json` times the train step alone (median of its runs, inputs
already in place); `graphc run examples/lenet5.mnn --steps N --metrics-json F` reports
train_images_per_second over the steps that compiled nothing, batches fed, augmented and
shuffled as training does it. The same run is made again with `augment = {flip: horizontal,
translate: 0.1}` added to the train block. Each round runs the three in turn (bench, run, run with
augment); the rounds alternate the order of the two runs, and the medians over the rounds are
compared: the run should reach 90 % of the bench figure, and 85 % with augment (issue 14).
The load average is printed with every figure: on a machine shared with other work the three
measurements see different loads, and the ratios move with it.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AUGMENT = "  augment   = {flip: horizontal, translate: 0.1}\n"


def augmented_copy(source, folder):
    """examples/lenet5.mnn with the augment line after `metrics`."""
    lines = open(source).read().splitlines(keepends=True)
    out = []
    for line in lines:
        out.append(line.replace("model lenet5\n", "model lenet5_augment\n"))
        if line.strip().startswith("metrics"):
            out.append(AUGMENT)
    if AUGMENT not in out:
        sys.exit(f"no metrics line in {source} to put the augment line after")
    path = os.path.join(folder, "lenet5_augment.mnn")
    with open(path, "w") as f:
        f.writelines(out)
    return path


def load():
    return os.getloadavg()[0]


def bench(graphc, model, threads):
    cmd = [graphc, "bench", model, "--json"] + threads
    j = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return j["train_step"]["images_per_second"]


def run(graphc, model, steps, threads, folder):
    metrics = os.path.join(folder, "metrics.json")
    cmd = [graphc, "run", model, "--steps", str(steps), "--quiet", "--metrics-json", metrics] + threads
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    with open(metrics) as f:
        return json.load(f)["train_images_per_second"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--graphc", default=os.path.join(ROOT, "build", "graphc"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--threads", type=int)
    a = p.parse_args()
    threads = ["--threads", str(a.threads)] if a.threads else []
    model = os.path.join(ROOT, "examples", "lenet5.mnn")
    figures = {"bench": [], "run": [], "run with augment": []}
    with tempfile.TemporaryDirectory() as folder:
        augmented = augmented_copy(model, folder)
        for r in range(a.rounds):
            runs = [("run", model), ("run with augment", augmented)]
            if r % 2:
                runs.reverse()
            before = load()
            figures["bench"].append((bench(a.graphc, model, threads), before, load()))
            for name, path in runs:
                before = load()
                figures[name].append((run(a.graphc, path, a.steps, threads, folder), before, load()))
            for name, values in figures.items():
                ips, l0, l1 = values[-1]
                print(f"round {r + 1}: {name:17s} {ips:9.0f} images/s (load average {l0:.1f} -> {l1:.1f})",
                      flush=True)
    medians = {name: statistics.median(v[0] for v in values) for name, values in figures.items()}
    print(f"\nmedians over {a.rounds} rounds (lenet5, batch 32, {a.steps} steps):")
    for name, m in medians.items():
        ratio = "" if name == "bench" else f"  {100 * m / medians['bench']:5.1f} % of bench's train step"
        print(f"  {name:17s} {m:9.0f} images/s{ratio}")
    run_ok = medians["run"] >= 0.90 * medians["bench"]
    aug_ok = medians["run with augment"] >= 0.85 * medians["bench"]
    print(f"run >= 90 %: {'yes' if run_ok else 'no'}; run with augment >= 85 %: {'yes' if aug_ok else 'no'}")
    return 0 if run_ok and aug_ok else 1


if __name__ == "__main__":
    sys.exit(main())
