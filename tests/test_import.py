"""`import dlcore` is light: NumPy only, no TensorFlow, no matplotlib, and quick.

Each check runs in a fresh interpreter, because this test process may already have
imported TensorFlow or matplotlib for other tests.
"""
import json
import statistics
import subprocess
import sys

HEAVY = ("tensorflow", "keras", "matplotlib")

PROBE = """
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
import dlcore
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "version": dlcore.__version__,
                  "loaded": sorted(m for m in sys.modules if m.split(".")[0] in %r)}))
""" % (HEAVY,)


def probe():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            check=True, timeout=120)
    return json.loads(result.stdout)


def test_import_dlcore_loads_no_tensorflow_or_matplotlib():
    loaded = probe()["loaded"]
    assert loaded == [], f"`import dlcore` imported {loaded}; import them lazily where used"


def test_dlcore_has_a_version():
    version = probe()["version"]
    assert isinstance(version, str) and version[0].isdigit(), version


def test_import_dlcore_is_quick_weak_timing_check():
    # Weak check: it catches an accidental heavy import (TensorFlow takes seconds), not a
    # slow-down of a few milliseconds. It bounds the CPU time of the import, NumPy included,
    # median of three fresh interpreters: wall-clock time depends on what else the machine
    # runs (on the shared 2-core machine at load 11 we measured 0.53-0.88 s wall-clock for a
    # CPU time of 0.13-0.15 s).
    runs = [probe() for _ in range(3)]
    cpu = statistics.median(r["cpu"] for r in runs)
    wall = statistics.median(r["wall"] for r in runs)
    assert cpu < 0.5, (f"`import dlcore` took {cpu:.2f} s of CPU time ({wall:.2f} s wall-clock), "
                       "median of 3; limit 0.5 s")
