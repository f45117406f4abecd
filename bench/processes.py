"""Measuring in fresh processes: a server start is a new process, and so is a memory figure.

``measure(module, args)`` runs ``python -m module --one …`` and returns the JSON its last line
prints; ``best(runs)`` keeps, per figure, the smallest of several runs (CPU seconds are what a shared
machine disturbs least: other processes take cores, not this process's CPU time). Variants of one
figure are run in turn (project, floor, project, floor…), so a burst of load hits both.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager


def measure(module: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", module, "--one", *args], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def in_turn(variants: dict[str, Callable[[], dict]], repeat: int) -> dict[str, dict]:
    """Each variant ``repeat`` times, interleaved; per variant the best (smallest) of every figure."""
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, run in variants.items():
            runs[name].append(run())
    return {name: best(found) for name, found in runs.items()}


def best(runs: list[dict]) -> dict:
    out = dict(runs[0])
    for r in runs[1:]:
        for k, v in r.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out[k] = min(out[k], v)
    return out


@contextmanager
def clock(into: dict, name: str):
    """Wall and CPU seconds of the block: ``into[name]`` (CPU) and ``into[name + '_wall']``."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into[name] = time.process_time() - cpu
    into[name + "_wall"] = time.perf_counter() - wall


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ratio(project: float, floor: float) -> str:
    return f"×{project / floor:.2f}" if floor else "—"
