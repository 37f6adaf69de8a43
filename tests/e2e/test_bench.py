"""CI runs of the benchmark suite and of a 1-minute soak.

They check that the tools work and that the soak's correctness holds (the
recorder lives, every liquidation is recorded exactly once); speed and
recovery times are the benchmarks' business, not the tests', so nothing
here is judged by the clock.  Both run as subprocesses, as a user runs them,
each with a hard time bound.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.first
def test_one_minute_soak_records_exactly_the_ground_truth(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--minutes", "1", "--json", str(out), "--keep", str(tmp_path / "files")],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    # 0 pass, 1 an assertion failed; anything else is the soak itself breaking.
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["process_died"] is None
    assert result["exit_code"] == 0, (tmp_path / "files" / "recorder.log").read_text()[-3000:]
    kinds = {f["kind"] for f in result["faults"]}
    assert kinds == {"drop", "stall", "429", "burst"}
    assert result["garbage_frames"] > 0 and result["resent_frames"] > 0
    assert sum(result["expected"].values()) > 1000
    assert result["missing"] == {} and result["extra"] == {}, proc.stdout
    assert result["recorded"] == result["expected"]


@pytest.mark.first
def test_bench_quick_runs_every_benchmark_and_saves_the_results(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (saved,) = tmp_path.glob("*_quick.json")
    doc = json.loads(saved.read_text())
    assert doc["quick"] is True
    assert doc["machine"]["cores"] and doc["machine"]["python"]
    assert len(doc["commit"]["hash"]) in (40, len("unknown"))
    figures = [row["figure"] for row in doc["table"]]
    assert any(f.startswith("normalisation") for f in figures)
    assert any(f.startswith("first frame") for f in figures)
    assert any(f.startswith("desk 1,000/s") for f in figures)
    assert all(r["every_viewer_got_every_event_once"] for r in doc["figures"]["bus"]["runs"])
    # a quick run judges nothing; only a missing or skipped benchmark says so
    assert {row["verdict"] for row in doc["table"]} <= {"", "missing", "skipped"}
    tui_rates = [t["rate"] for t in doc["figures"]["tui"]["rates"]]
    assert tui_rates == [0, 1000] and all("error" not in t for t in doc["figures"]["tui"]["rates"])
    assert "figure" in proc.stdout and "target" in proc.stdout


def test_peer_figures_agree_with_the_report_and_a_changed_figure_is_caught(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    pytest.importorskip("polars")
    from bench import peer
    from bench.report import write_recording

    path = tmp_path / "small.jsonl"
    write_recording(path, 5_000)
    out = peer.compare(path, repeat=1)
    assert out["agree"] == {"duckdb": True, "polars": True}
    assert out["events"] == 5_000 and out["ratio_vs_duckdb"] > 0


def test_peer_disagreements_name_what_differs() -> None:
    from bench.peer import disagreements

    ours = {"count": 3, "long_usd": 1.0, "windows": {"1h": [1.0, 2.0, 3]}}
    assert disagreements(ours, ours) == []
    assert disagreements(ours, {**ours, "count": 4}) == ["liquidations.count: 3 != 4"]
    assert disagreements(ours, {**ours, "windows": {"1h": [1.0, 2.1, 3]}}) == ["liquidations.windows.1h[1]: 2.0 != 2.1"]
    assert disagreements(ours, {**ours, "long_usd": 1.0 + 1e-12}) == []
