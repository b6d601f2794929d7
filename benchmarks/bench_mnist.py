"""Benchmark: train the 784-128-10 MLP on MNIST with dlcore and with Keras, side by side.

    python benchmarks/bench_mnist.py            # or: make bench

For each batch size (32 and 128) and each repeat, dlcore and Keras (TensorFlow, CPU) train
the same network (ReLU, softmax + sparse cross-entropy, Adam, float32) from the same initial
weights, each in a fresh worker process so that its peak memory (RSS) is its own. Reported:
seconds per epoch (median over the timed epochs and repeats, with min-max spread), samples
per second, the ratio, the time of the epoch's matrix products alone done with NumPy (the
"floor" no NumPy implementation can beat), peak RSS and final test accuracy.
Results go to benchmarks/results/mnist_mlp.json and .md.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before any TensorFlow import, here and in workers
HERE = Path(__file__).resolve().parent
SIZES = (784, 128, 10)


def load_data():
    """MNIST as float32 in [0, 1], flattened to 784 inputs, plus where it came from."""
    import dlcore
    (x_train, y_train), (x_test, y_test), info = _load_with_info(dlcore)
    flat = lambda x: (x.reshape(len(x), -1) / np.float32(255)).astype(np.float32)
    return flat(x_train), y_train.astype(np.int64), flat(x_test), y_test.astype(np.int64), info


def _load_with_info(dlcore):
    (train, test), info = dlcore.data.load_mnist(verbose=False, return_info=True)
    return train, test, info


def initial_weights(seed):
    """Glorot-uniform kernels and zero biases (Keras's Dense defaults), shared by both frameworks."""
    from dlcore import initializers
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        weights += [initializers.glorot_uniform((n_in, n_out), rng).astype(np.float32),
                    np.zeros(n_out, np.float32)]
    return weights


def peak_rss_mb():
    """Peak resident memory of this process in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train_dlcore(data, weights, batch_size, epochs, seed):
    import dlcore
    from dlcore import Dense, Sequential
    x_train, y_train, x_test, y_test = data
    model = Sequential([Dense(784, 128, "relu", dtype=np.float32),
                        Dense(128, 10, "softmax", dtype=np.float32)])
    model.set_weights(weights)
    model.compile(dlcore.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    rng = np.random.default_rng(seed)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x_train, y_train, epochs=1, batch_size=batch_size, rng=rng)
        times.append(time.perf_counter() - start)
    accuracy = float(np.mean(model.predict(x_test).argmax(axis=1) == y_test))
    return times, accuracy


def train_keras(data, weights, batch_size, epochs, seed):
    import keras
    keras.utils.set_random_seed(seed)
    x_train, y_train, x_test, y_test = data
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.set_weights(weights)
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x_train, y_train, epochs=1, batch_size=batch_size, verbose=0)
        times.append(time.perf_counter() - start)
    accuracy = float(np.mean(model.predict(x_test, verbose=0).argmax(axis=1) == y_test))
    return times, accuracy


def matmul_floor(n_train, batch_size, repeats=5):
    """Seconds for one epoch of the MLP's matrix products alone (forward and backward, float32).

    Per batch of B rows: X@W1 (B x 784 x 128), H@W2 (B x 128 x 10), then H.T@G2, G2@W2.T and
    X.T@G1 for the gradients (the input gradient of the first layer is not needed). The operands
    are made before the clock starts, so only the products are timed.
    """
    rng = np.random.default_rng(0)
    f32 = lambda *shape: rng.random(shape, dtype=np.float32)
    W1, W2 = f32(784, 128), f32(128, 10)
    sizes = [min(batch_size, n_train - first) for first in range(0, n_train, batch_size)]
    operands = {B: (f32(B, 784), f32(B, 10), f32(B, 128)) for B in set(sizes)}
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for B in sizes:
            X, G2, G1 = operands[B]
            H = X @ W1
            H @ W2
            H.T @ G2
            G2 @ W2.T
            X.T @ G1
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def worker(args):
    """Run one framework once and print a JSON line (called in a fresh process)."""
    x_train, y_train, x_test, y_test, info = load_data()
    data = (x_train, y_train, x_test, y_test)
    trainer = {"dlcore": train_dlcore, "keras": train_keras}[args.worker]
    times, accuracy = trainer(data, initial_weights(args.seed), args.batch_size, args.epochs, args.seed)
    print(json.dumps({"times": times, "accuracy": accuracy, "peak_rss_mb": peak_rss_mb(),
                      "n_train": len(x_train), "n_test": len(x_test), "source": info.source}))


def run_worker(framework, batch_size, epochs, seed):
    cmd = [sys.executable, __file__, "--worker", framework, "--batch-size", str(batch_size),
           "--epochs", str(epochs), "--seed", str(seed)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def progress(done, total, label):
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<28}")
    sys.stderr.flush()
    if done == total:
        sys.stderr.write("\n")


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    import tensorflow as tf
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "tensorflow": tf.__version__, "platform": platform.platform(),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "unset (all cores)")}


def summarise(runs, n_train):
    """Median and spread of the per-epoch times (the first epoch of each run is a warm-up)."""
    times = [t for run in runs for t in run["times"][1:]]
    median = statistics.median(times)
    return {"sec_per_epoch": median, "sec_min": min(times), "sec_max": max(times),
            "samples_per_sec": n_train / median,
            "accuracy": statistics.median(run["accuracy"] for run in runs),
            "peak_rss_mb": max(run["peak_rss_mb"] for run in runs)}


def markdown(result):
    lines = [f"MNIST 784-128-10 MLP (ReLU, softmax, Adam, float32), data: {result['data']}.",
             f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores; "
             f"NumPy {result['machine']['numpy']}, TensorFlow {result['machine']['tensorflow']}; "
             f"OPENBLAS_NUM_THREADS={result['machine']['OPENBLAS_NUM_THREADS']} (NumPy's matrix products, so "
             "dlcore and the floor; TensorFlow uses its own thread pool).",
             f"{result['repeats']} runs per cell, {result['epochs'] - 1} timed epochs each (first epoch is warm-up); "
             "median seconds per epoch with [min, max].", "",
             "| batch | framework | s/epoch [min, max] | samples/s | vs Keras | vs matmul floor | peak RSS MiB | test acc |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for batch, row in result["by_batch"].items():
        floor = row["matmul_floor_sec"]
        for name in ("dlcore", "keras"):
            s = row[name]
            speedup = s["samples_per_sec"] / row["keras"]["samples_per_sec"]
            lines.append(f"| {batch} | {name} | {s['sec_per_epoch']:.3f} [{s['sec_min']:.3f}, {s['sec_max']:.3f}] "
                         f"| {s['samples_per_sec']:,.0f} | {speedup:.2f}x | {s['sec_per_epoch'] / floor:.2f}x "
                         f"| {s['peak_rss_mb']:.0f} | {100 * s['accuracy']:.2f}% |")
        lines.append(f"| {batch} | matmul floor | {floor:.3f} | {result['n_train'] / floor:,.0f} | | 1.00x | | |")
    return "\n".join(lines) + "\n"


def main(args):
    tasks = [(b, f) for b in args.batch_sizes for f in ("dlcore", "keras") for _ in range(args.repeats)]
    runs = {}
    for i, (batch, framework) in enumerate(tasks):
        progress(i, len(tasks), f"batch {batch}, {framework}")
        runs.setdefault(batch, {}).setdefault(framework, []).append(
            run_worker(framework, batch, args.epochs, args.seed + i))
    progress(len(tasks), len(tasks), "done")
    first = runs[args.batch_sizes[0]]["dlcore"][0]
    result = {"data": f"{first['source']} ({first['n_train']} train / {first['n_test']} test)",
              "n_train": first["n_train"], "repeats": args.repeats, "epochs": args.epochs,
              "machine": machine(), "by_batch": {}}
    for batch in args.batch_sizes:
        row = {name: summarise(runs[batch][name], first["n_train"]) for name in ("dlcore", "keras")}
        row["matmul_floor_sec"] = matmul_floor(first["n_train"], batch)
        result["by_batch"][str(batch)] = row
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "mnist_mlp.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "mnist_mlp.md").write_text(markdown(result))
    print(markdown(result))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run; the first is a warm-up")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--worker", choices=["dlcore", "keras"], help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    worker(arguments) if arguments.worker else main(arguments)
