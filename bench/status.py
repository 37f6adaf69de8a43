"""Benchmark: how long ``liqwatch status`` takes, as tmux runs it.

tmux runs the command every ``status-interval`` seconds; the target is under
50 ms wall time per call.  This writes a realistic status file into a temp
state dir, then times, against the python-startup baseline:

* ``liqwatch status``   (the console script, as tmux calls it);
* ``liqwatch status --format ...``;
* ``python -c pass``    (the floor: interpreter start-up with this venv's site).

With hyperfine installed (``apt-get install hyperfine``) it is used; otherwise
a loop of subprocess runs.  It also prints what the status command imports
beyond the interpreter's own start-up (``python -X importtime``).

Run ``python -m bench.status``.  Note: an editable install (``pip install -e``)
adds a path finder to every start-up (~20 ms here); a normal install does not.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from indicators.snapshot import CapSnapshot, LiquidationSnapshot, Mood, Snapshot, WindowTotals
from tui.runtime import paths, statefile
from tui.runtime.status_data import status_dict

RUNS = 60


def sample_file(state_dir: str) -> None:
    now = int(time.time() * 1000)
    w1 = WindowTotals("1h", 3600, long_usd=495.7e6, short_usd=116.3e6, count=900)
    w24 = WindowTotals("24h", 86400, long_usd=1.2e9, short_usd=0.8e9, count=9000)
    cap = CapSnapshot(usd=3.5e12, ts=now, source="coingecko", low=3.2e12, high=3.84e12, position=0.47,
                      state="inside", days_in_range=12.0)
    snap = Snapshot(as_of=now, events=1, liquidations=LiquidationSnapshot(windows=(w1, w24)), cap=cap,
                    moods=(Mood("FROG/USDT:USDT", price=0.08, bai=82.4),))
    statefile.write_atomic(os.path.join(state_dir, paths.STATUS_NAME), status_dict(snap, "LIVE", now))


def loop_times(cmd: list[str], env: dict, runs: int = RUNS) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=False)
        out.append((time.perf_counter() - t) * 1000)
    return out


def hyperfine_times(cmds: dict[str, list[str]], env: dict, fresh: Callable[[], None]) -> dict[str, dict]:
    """One hyperfine run per command, each on a just-written status file:
    all of them in one run take over 10 s on a loaded machine, and the file
    would turn stale (exit 1, which hyperfine counts as a failure)."""
    out = {}
    for name, cmd in cmds.items():
        fresh()
        with tempfile.NamedTemporaryFile(suffix=".json") as fh:
            args = ["hyperfine", "-N", "--warmup", "5", "--runs", str(RUNS), "--export-json", fh.name, "--style", "none",
                    " ".join(f"'{c}'" if " " in c else c for c in cmd)]
            subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            r = json.load(open(fh.name))["results"][0]
        out[name] = {"median_ms": r["median"] * 1000, "mean_ms": r["mean"] * 1000, "max_ms": r["max"] * 1000,
                     "min_ms": r["min"] * 1000}
    return out


def import_profile(env: dict, top: int = 6) -> list[tuple[int, str]]:
    code = "from tui.cli import main; main(['status'])"
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, capture_output=True,
                         text=True).stderr
    base = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"], env=env, capture_output=True,
                          text=True).stderr
    seen = {line.split("|")[-1].strip() for line in base.splitlines() if "|" in line}
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].strip()
            if name not in seen and not name.startswith(" "):
                rows.append((int(parts[1]), parts[2].rstrip()))
    return sorted(rows, reverse=True)[:top]


def plain_install(where: str) -> Path | None:
    """liqwatch installed the way users install it (not editable), in a fresh
    venv; no dependencies are needed for `status`.  None if that fails."""
    venv = Path(where) / "venv"
    root = Path(__file__).resolve().parent.parent
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", str(root)], check=True,
                       capture_output=True)
    except (subprocess.CalledProcessError, OSError):
        return None
    return venv / "bin" / "liqwatch"


def run() -> dict:
    state_dir = tempfile.mkdtemp(prefix="liqwatch-bench-")
    try:
        env = {**os.environ, paths.STATE_DIR_ENV: state_dir}
        script = str(Path(sys.executable).with_name("liqwatch"))
        cmds = {}
        plain = plain_install(state_dir)
        if plain is not None:
            cmds["liqwatch status (pip install .)"] = [str(plain), "status"]
        cmds.update({
            "liqwatch status (this venv)": [script, "status"],
            "liqwatch status --format": [script, "status", "--format", "{liq_1h} {side} | BAI {bai_symbol} {bai}"],
            "python -c pass (this venv)": [sys.executable, "-c", "pass"],
        })
        sample_file(state_dir)  # fresh: a stale file would time the same path, but exit 1
        if shutil.which("hyperfine"):
            figures = hyperfine_times(cmds, env, lambda: sample_file(state_dir))
            tool = "hyperfine"
        else:
            figures = {}
            for name, cmd in cmds.items():
                sample_file(state_dir)
                ms = loop_times(cmd, env)
                figures[name] = {"median_ms": statistics.median(ms), "mean_ms": statistics.fmean(ms),
                                 "max_ms": max(ms), "min_ms": min(ms)}
            tool = "subprocess loop"
        sample_file(state_dir)  # fresh again: the profile is of the common (fresh) path
        return {"tool": tool, "runs": RUNS, "figures": figures, "imports_us": import_profile(env)}
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


def main() -> None:
    res = run()
    print(f"liqwatch status, {res['runs']} runs each ({res['tool']}):")
    for name, f in res["figures"].items():
        print(f"  {name:<34} median {f['median_ms']:6.1f} ms   mean {f['mean_ms']:6.1f}   "
              f"min {f['min_ms']:6.1f}   max {f['max_ms']:6.1f}")
    print("heaviest imports of the status path beyond start-up (cumulative us):")
    for us, name in res["imports_us"]:
        print(f"  {us:>7}  {name.strip()}")


if __name__ == "__main__":
    main()
