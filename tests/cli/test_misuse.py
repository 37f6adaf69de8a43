"""Misuse through the real command line: every bad input gets one clear line,
the documented exit status, no traceback, and nothing lost (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indicators.snapshot import FeedHealth, LiquidationSnapshot, Snapshot
from tui.cli.status import FIELDS
from tui.runtime import paths, statefile
from tui.runtime.status_data import status_dict

ROOT = Path(__file__).resolve().parents[2]


def liqwatch(*args: str, state_dir: Path | None = None, shell_pipe: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if state_dir is not None:
        env[paths.STATE_DIR_ENV] = str(state_dir)
    cmd = [sys.executable, "-m", "tui", *args]
    if shell_pipe:
        # The command's own exit status, through a pipe whose reader leaves early.
        line = " ".join(f"'{c}'" for c in cmd) + f" | {shell_pipe}; exit ${{PIPESTATUS[0]}}"
        return subprocess.run(["bash", "-c", line], cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)


def usage_error(out: subprocess.CompletedProcess, flag: str, command: str) -> None:
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert f"argument {flag}" in out.stderr
    # The subcommand's own usage, not the top level's.
    assert out.stderr.startswith(f"usage: liqwatch {command}".rstrip()), out.stderr


@pytest.mark.parametrize(
    ("args", "flag", "command"),
    [
        (["tape", "--demo", "--speed", "nan"], "--speed", "tape"),
        (["tape", "--demo", "--speed", "inf"], "--speed", "tape"),
        (["tape", "--demo", "--min-usd", "nan"], "--min-usd", "tape"),
        (["tape", "--demo", "--min-usd", "-5"], "--min-usd", "tape"),
        (["record", "x.jsonl", "--demo", "--duration", "nan"], "--duration", "record"),
        (["record", "x.jsonl", "--demo", "--duration", "0"], "--duration", "record"),
        (["record", "x.jsonl", "--demo", "--speed", "-inf"], "--speed", "record"),
        (["replay", "x.jsonl", "--speed", "nan"], "--speed", "replay"),
        (["--demo", "--speed", "0"], "--speed", ""),
    ],
)
def test_non_finite_or_out_of_range_flags_are_usage_errors(args, flag, command, tmp_path):
    usage_error(liqwatch(*args, state_dir=tmp_path), flag, command)


def test_version():
    out = liqwatch("--version")
    assert out.returncode == 0 and out.stdout.startswith("liqwatch ") and out.stdout.split()[1][0].isdigit()


def _write_status(state_dir: Path, data: dict) -> None:
    statefile.write_atomic(str(state_dir / paths.STATUS_NAME), data)


def _snapshot(feeds: tuple[FeedHealth, ...]) -> Snapshot:
    return Snapshot(as_of=0, events=1, liquidations=LiquidationSnapshot(windows=()), feeds=feeds)


def test_status_template_is_checked_before_the_status_file(tmp_path):
    """No status file, a bad template: the documented 2, not 3."""
    for template in ("{bogus", "{not_a_field}"):
        out = liqwatch("status", "--format", template, state_dir=tmp_path)
        assert out.returncode == 2 and "bad --format template" in out.stderr and "Traceback" not in out.stderr


def test_status_template_fields_are_the_writers():
    """The fields `status --format` accepts are exactly what the writer formats (plus age and stale)."""
    text = status_dict(_snapshot(()), "LIVE", 0)["text"]
    assert set(FIELDS) == set(text) | {"age", "stale"}


@pytest.mark.parametrize("written_ms", ['"abc"', "null", "true", "[1]"])
def test_a_corrupt_status_file_reads_as_not_running(written_ms, tmp_path):
    (tmp_path / paths.STATUS_NAME).write_text('{"v":1,"written_ms":%s,"line":"x"}' % written_ms)
    out = liqwatch("status", state_dir=tmp_path)
    assert out.returncode == 3 and out.stdout.strip() == "liq: not running" and "Traceback" not in out.stderr


def test_status_into_a_closed_pipe_is_quiet(tmp_path):
    now = int(time.time() * 1000)
    _write_status(tmp_path, status_dict(_snapshot((FeedHealth(feed="binance", state="live"),)), "LIVE", now))
    out = liqwatch("status", "--json", state_dir=tmp_path, shell_pipe="head -c 10")
    assert out.returncode == 0 and len(out.stdout) == 10
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr


def test_status_says_feeds_down_when_no_feed_is_live(tmp_path):
    """0 of 2 feeds live must not read as a calm market in a tmux bar."""
    now = int(time.time() * 1000)
    feeds = (FeedHealth(feed="binance", state="down"), FeedHealth(feed="okx", state="stale"))
    _write_status(tmp_path, status_dict(_snapshot(feeds), "LIVE", now))
    out = liqwatch("status", state_dir=tmp_path)
    assert out.returncode == 4
    assert out.stdout.startswith("feeds down 0/2 live | ")
    assert json.loads(liqwatch("status", "--json", state_dir=tmp_path).stdout)["feeds_down"] is True


def test_starting_feeds_are_not_down(tmp_path):
    """Feeds still connecting (a start) or one live among failures: not "feeds down"."""
    now = int(time.time() * 1000)
    for feeds in ((FeedHealth(feed="binance", state="connecting"), FeedHealth(feed="okx", state="down")),
                  (FeedHealth(feed="binance", state="live"), FeedHealth(feed="okx", state="down"))):
        _write_status(tmp_path, status_dict(_snapshot(feeds), "LIVE", now))
        out = liqwatch("status", state_dir=tmp_path)
        assert out.returncode == 0 and "feeds down" not in out.stdout


# -- data loss ------------------------------------------------------------------


LINE = ('{"type":"liquidation","ts":1762203612345,"exchange":"binance","symbol":"BTC/USDT:USDT",'
        '"side":"long","price":101234.5,"qty":0.5,"usd":50617.25}\n')


def no_traceback(out: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout, out.stderr


@pytest.mark.parametrize("spelling", ["same", "./same", "link", "hardlink"])
def test_record_refuses_to_write_over_the_recording_it_replays(spelling, tmp_path, monkeypatch):
    source = tmp_path / "same.jsonl"
    source.write_text(LINE * 1000)
    (tmp_path / "link.jsonl").symlink_to(source)
    os.link(source, tmp_path / "hardlink.jsonl")
    before = source.read_bytes()
    out = subprocess.run([sys.executable, "-m", "tui", "record", f"{spelling}.jsonl", "--replay", "same.jsonl"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT), paths.STATE_DIR_ENV: str(tmp_path / "state")})
    assert out.returncode == 2 and "is the recording replayed" in out.stderr
    assert out.stderr.startswith("usage: liqwatch record")
    no_traceback(out)
    assert source.read_bytes() == before


def test_record_refuses_to_write_over_its_config(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ui]\ntheme = 'liqwatch-dark'\n")
    out = liqwatch("record", str(cfg), "--demo", "--duration", "1", "--config", str(cfg), state_dir=tmp_path)
    assert out.returncode == 2 and "is the config file" in out.stderr
    assert cfg.read_text() == "[ui]\ntheme = 'liqwatch-dark'\n"


def test_append_onto_a_torn_last_line_starts_a_new_line(tmp_path):
    out_path, source = tmp_path / "out.jsonl", tmp_path / "src.jsonl"
    out_path.write_text(LINE + LINE[:40])  # a recorder killed mid-write
    source.write_text(LINE * 3)
    out = liqwatch("record", str(out_path), "--append", "--replay", str(source), "--speed", "1000", state_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    report = liqwatch("report", str(out_path), "--json", state_dir=tmp_path)
    # The first line and all three new ones; only the torn line is lost, and named.
    assert json.loads(report.stdout)["liquidations"]["count"] == 4
    assert f"{out_path}:2: not valid JSON" in report.stderr


def test_append_onto_a_cut_gzip_is_refused(tmp_path):
    import gzip

    out_path, source = tmp_path / "out.jsonl.gz", tmp_path / "src.jsonl"
    data = gzip.compress((LINE * 2000).encode())
    out_path.write_bytes(data[: len(data) // 2])
    source.write_text(LINE)
    out = liqwatch("record", str(out_path), "--append", "--replay", str(source), state_dir=tmp_path)
    assert out.returncode == 2 and "gzip stream is cut off" in out.stderr and str(out_path) in out.stderr
    no_traceback(out)


# -- file errors ---------------------------------------------------------------


@pytest.mark.parametrize("where", ["missing-dir", "a-directory", "dev-full", "file-size-limit"])
def test_record_file_errors_are_one_line(where, tmp_path):
    target = {"missing-dir": tmp_path / "no" / "x.jsonl", "a-directory": tmp_path, "dev-full": Path("/dev/full"),
              "file-size-limit": tmp_path / "x.jsonl"}[where]
    cmd = [sys.executable, "-m", "tui", "record", str(target), "--demo", "--speed", "3000", "--duration", "20"]
    limit = None
    if where == "file-size-limit":
        import resource

        def limit() -> None:  # a disk that fills after 8 KiB
            resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60, preexec_fn=limit,
                         env={**os.environ, paths.STATE_DIR_ENV: str(tmp_path / "state")})
    no_traceback(out)
    assert out.returncode in (1, 2) and str(target) in out.stderr, out.stderr
    cause = {"missing-dir": "No such file or directory", "a-directory": "Is a directory",
             "dev-full": "No space left on device", "file-size-limit": "File too large"}[where]
    assert cause in out.stderr.splitlines()[-1]
    if where == "file-size-limit":
        # What was written before the disk filled is a readable recording.
        report = liqwatch("report", str(target), "--json", state_dir=tmp_path)
        assert report.returncode == 0 and json.loads(report.stdout)["events"] > 10


def test_config_init_on_a_read_only_place_is_one_line(tmp_path):
    for target in ("/proc/liqwatch/config.toml", "/dev/full"):
        out = liqwatch("config", "init", "--force", "--config", target, state_dir=tmp_path)
        no_traceback(out)
        assert out.returncode == 1 and target in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


# -- recordings: absurd values, files that are not recordings ---------------------


def _liq(**change: object) -> str:
    return json.dumps({**json.loads(LINE), **change}) + "\n"


_CANDLE = {"type": "candle", "ts": 1762200000000, "exchange": "binance", "symbol": "BTC/USDT:USDT", "tf": "1h",
           "open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5, "volume_usd": 10.0}


@pytest.mark.parametrize(("bad", "reason"), [
    (_liq(ts=253402300800000), "ts must be ms between 2009-01-01 and a day past now"),  # year 10000
    (_liq(ts=2**63 - 1), "ts must be ms between 2009-01-01"),
    (_liq(ts=-1), "ts must be ms between 2009-01-01"),
    (_liq(ts=0), "ts must be ms between 2009-01-01"),
    (_liq(ts=1762203612), "is in seconds"),
    (_liq(usd="100"), "expected a number, got '100'"),
    (_liq(price=-3.0), "price must be in [0, 1e+15]"),
    (_liq(usd=1.7e308), "usd must be in [0, 1e+15]"),
    (json.dumps({"type": "market_cap", "ts": 1762203612345, "source": "x", "usd": -3e12}) + "\n", "usd must be"),
    (json.dumps({"type": "open_interest", "ts": 1762203612345, "exchange": "okx", "symbol": "BTC/USDT:USDT",
                 "usd": -5.0}) + "\n", "usd must be"),
    (json.dumps({**_CANDLE, "high": 0.4}) + "\n", "is below low"),
])
def test_report_skips_an_absurd_value_with_its_line_number(bad, reason, tmp_path):
    """Each is a malformed line: named with its number, skipped, and the rest reported (in seconds, not minutes)."""
    path = tmp_path / "r.jsonl"
    path.write_text(LINE + bad + LINE)
    start = time.monotonic()
    out = liqwatch("report", str(path), "--json", state_dir=tmp_path)
    assert time.monotonic() - start < 30
    no_traceback(out)
    assert out.returncode == 0 and f"{path}:2: " in out.stderr and reason in out.stderr, out.stderr
    report = json.loads(out.stdout)
    assert report["liquidations"]["count"] == 2 and report["liquidations"]["usd"] == 2 * 50617.25
    assert report["start_ts"] == report["end_ts"] == 1762203612345


_NOT_RECORDINGS = {
    "binary": lambda: __import__("random").Random(13).randbytes(200_000),
    "zeros": lambda: b"\x00" * 5000,
    "log": lambda: ("this is a log file, not a recording\n" * 500).encode(),
    "bad-events": lambda: ('{"type":"liquidation","ts":"x"}\n' * 100).encode(),
}


@pytest.mark.parametrize("kind", sorted(_NOT_RECORDINGS))
def test_a_file_that_is_not_a_recording_is_one_message_and_non_zero(kind, tmp_path):
    path = tmp_path / "not.jsonl"
    path.write_bytes(_NOT_RECORDINGS[kind]())
    out = liqwatch("report", str(path), state_dir=tmp_path)
    no_traceback(out)
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "not a liqwatch recording" in out.stderr
    for cmd in (["tape", "--replay", str(path)], ["record", str(tmp_path / "o.jsonl"), "--replay", str(path)]):
        out = liqwatch(*cmd, state_dir=tmp_path)
        no_traceback(out)
        assert out.returncode == 2 and "not a liqwatch recording" in out.stderr


def test_a_recording_with_a_few_bad_lines_keeps_its_warnings(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("garbage\n" * 3 + LINE * 5 + "{bad\n")
    out = liqwatch("report", str(path), "--json", state_dir=tmp_path)
    assert out.returncode == 0 and json.loads(out.stdout)["liquidations"]["count"] == 5
    assert [f"{path}:{n}: " in out.stderr for n in (1, 2, 3, 9)] == [True] * 4


# -- config values that pass `check`, then crash ---------------------------------


@pytest.mark.parametrize(("table", "key", "value", "message"), [
    ("indicators", "cap_range_days", "1e308", "must be in (0, 3650]"),
    ("indicators", "bai_window_days", "1e308", "must be in [2, 3650]"),
    ("indicators", "lvr_median_days", "inf", "must be in (0, 365]"),
    ("indicators", "lvr_median_days", "1e300", "must be in (0, 365]"),
    ("indicators", "storm_multiple", "nan", "must be in (1, 1000]"),
    ("marketcap", "poll_seconds", "1e300", "must be in [60, 86400]"),
    ("marketcap", "poll_seconds", "nan", "must be in [60, 86400]"),
    ("ui", "large_usd", "nan", "must be in (0, 1e15]"),
    ("alerts", "bai", "nan", "must be in [0, 100]"),
    ("alerts", "cooldown_minutes", "inf", "must be in [0, 10080]"),
    ("history", "retention_days", "nan", "must be in [2, 3650]"),
    ("ui", "timezone", '"Mars/Olympus"', "IANA zone"),
    ("ui", "theme", '"nope"', "no such theme 'nope'"),
    ("exchanges.okx", "ws_url", '"not a url"', "ws(s) origin"),
    ("exchanges.okx", "rest_url", '"ftp://x"', "http(s) origin"),
])
def test_config_check_refuses_what_a_command_would_fail_on(table, key, value, message, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"# liqwatch\n[{table}]\n{key} = {value}\n")
    # Only the commands that draw read the theme.
    commands = [["config", "check"]]
    if key != "theme":
        commands += [["report", "--demo"], ["tape", "--demo"]]
    for cmd in commands:
        out = liqwatch(*cmd, "--config", str(cfg), state_dir=tmp_path)
        no_traceback(out)
        assert out.returncode == 2, (cmd, out.stderr)
        assert out.stderr == f"{cfg}: {table}.{key} (line 3): {out.stderr.split(': ', 2)[2]}"
        assert message in out.stderr


def test_an_unknown_theme_flag_is_a_usage_error_of_its_command(tmp_path):
    for cmd in (["--demo"], ["replay", str(ROOT / "feeds" / "data" / "demo.jsonl.gz")]):
        out = liqwatch(*cmd, "--theme", "nope", state_dir=tmp_path)
        assert out.returncode == 2 and "argument --theme: no such theme 'nope'" in out.stderr
        assert out.stderr.startswith(f"usage: liqwatch {cmd[0] if cmd[0] == 'replay' else ''}".rstrip())
        no_traceback(out)


# -- status events in data time ------------------------------------------------


def test_a_recording_of_the_demo_reports_and_replays_in_data_time(tmp_path):
    """record --demo writes status events at the data's time, and a wall-clock
    status in older data moves neither report's clock nor its 24 h windows."""
    path = tmp_path / "demo.jsonl"
    out = liqwatch("record", str(path), "--demo", "--speed", "3000", "--duration", "2", state_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    data = [d["ts"] for d in lines if d["type"] != "feed_status"]
    statuses = [d["ts"] for d in lines if d["type"] == "feed_status"]
    assert statuses and all(min(data) <= ts <= max(data) for ts in statuses)
    clean = json.loads(liqwatch("report", str(path), "--json", state_dir=tmp_path).stdout)
    wall = {"type": "feed_status", "ts": int(time.time() * 1000), "feed": "binance", "state": "live", "detail": ""}
    with path.open("a") as fh:
        fh.write(json.dumps(wall) + "\n")
    stamped = json.loads(liqwatch("report", str(path), "--json", state_dir=tmp_path).stdout)
    assert stamped["end_ts"] == clean["end_ts"] == max(data)
    assert stamped["liquidations"]["windows"] == clean["liquidations"]["windows"]
    assert clean["liquidations"]["windows"]["24h"]["count"] > 0


@pytest.mark.parametrize("command", [["tape"], ["report"], ["record", "x.jsonl"], ["replay", "x.jsonl"],
                                     ["config", "check"], ["config", "init"], ["status"], []])
def test_an_unknown_flag_is_reported_with_its_commands_usage(command, tmp_path):
    out = liqwatch(*command, "--bogus", state_dir=tmp_path)
    assert out.returncode == 2 and "unrecognized arguments: --bogus" in out.stderr
    words = " ".join(w for w in command if not w.endswith(".jsonl"))
    assert out.stderr.startswith(f"usage: liqwatch {words}".rstrip() + " ["), out.stderr
    no_traceback(out)


# -- logs ------------------------------------------------------------------------


def test_log_lines_go_to_the_log_file_not_the_terminal(tmp_path):
    """What the app logs while it owns the screen (a feed that failed, numpy's warnings) lands in the file."""
    log = tmp_path / "sub" / "liqwatch.log"
    code = ("import logging, warnings\n"
            "from tui.runtime.logs import log_to_file\n"
            f"log_to_file({str(log)!r})\n"
            "logging.getLogger('liqwatch.supervisor').warning('feed gate failed (ConnectionResetError)')\n"
            "warnings.warn('overflow encountered', RuntimeWarning)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stderr == "" and out.stdout == ""
    text = log.read_text()
    assert "WARNING liqwatch.supervisor: feed gate failed" in text and "overflow encountered" in text


def test_an_unwritable_log_file_is_a_usage_error(tmp_path):
    out = liqwatch("--demo", "--log-file", "/proc/liqwatch/x.log", state_dir=tmp_path)
    assert out.returncode == 2 and "argument --log-file: cannot write /proc/liqwatch/x.log" in out.stderr
    no_traceback(out)


# -- progress ------------------------------------------------------------------


def _report_with_stderr_on_a_terminal(path: Path, *flags: str) -> tuple[str, bytes, int]:
    """report PATH with stdout a pipe and stderr a pseudo-terminal: (stdout, what the terminal got, exit)."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "tui", "report", str(path), *flags], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=slave, env={**os.environ, "COLUMNS": "100"})
        os.close(slave)
        seen = bytearray()
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        out = proc.stdout.read().decode()
        proc.wait(60)
        proc.stdout.close()
    finally:
        os.close(master)
    return out, bytes(seen), proc.returncode


def test_report_on_a_large_file_shows_progress_on_a_terminal_only(tmp_path):
    from tui.cli import report

    path = tmp_path / "large.jsonl"
    line = LINE.encode()
    path.write_bytes(line * (report.PROGRESS_MIN_BYTES // len(line) + 1000))
    out, terminal, code = _report_with_stderr_on_a_terminal(path)
    assert code == 0 and "liqwatch report:" in out and "reading large.jsonl" in terminal.decode(errors="replace")
    assert "reading" not in out  # stdout, the pipe, gets the report alone
    # --json: nothing on the terminal but the JSON on stdout.
    out, terminal, code = _report_with_stderr_on_a_terminal(path, "--json")
    assert code == 0 and json.loads(out)["events"] > 1000 and b"reading" not in terminal
    # A pipeline (stderr not a terminal): no progress either.
    piped = liqwatch("report", str(path), state_dir=tmp_path)
    assert piped.returncode == 0 and piped.stderr == ""


# -- two instances on one state dir ------------------------------------------------


def test_two_instances_share_the_status_file_one_writer_at_a_time(tmp_path):
    """While A runs, `status` is A's, never flipping to B's; once A has said
    "stopped", B's within a second or two (issue 13)."""
    env = {**os.environ, paths.STATE_DIR_ENV: str(tmp_path)}
    env.pop("LIQWATCH_CONFIG", None)

    def start(name: str, seconds: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "tui", "record", str(tmp_path / name), "--demo", "--duration",
                                 seconds], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def writer() -> tuple[str, str] | None:
        st = statefile.read(str(tmp_path / paths.STATUS_NAME))
        return (Path(st["path"]).name, st["state"]) if st else None

    a = start("a.jsonl", "6")
    b = None
    try:
        deadline = time.monotonic() + 60
        while writer() != ("a.jsonl", "running") and time.monotonic() < deadline:
            time.sleep(0.05)
        b = start("b.jsonl", "40")
        seen: list[tuple[str, str] | None] = []
        stopped_at = None
        while time.monotonic() < deadline:
            now = writer()
            if not seen or seen[-1] != now:
                seen.append(now)
            if now == ("a.jsonl", "stopped") and stopped_at is None:
                stopped_at = time.monotonic()
            if now == ("b.jsonl", "running"):
                break
            time.sleep(0.02)
        # A, running, then A stopped (unless B was quicker than a poll), then B: never back and forth.
        assert [w for w in seen if w != ("a.jsonl", "stopped")] == [("a.jsonl", "running"), ("b.jsonl", "running")]
        if stopped_at is not None:
            # B bids each second; on a loaded machine its loop may be busy a little longer.
            assert time.monotonic() - stopped_at < 5.0
    finally:
        for proc in (a, b):
            if proc is not None:
                proc.terminate()
                proc.wait(30)
