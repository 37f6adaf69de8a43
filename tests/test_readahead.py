"""Reading a recording in a child process gives exactly what ``read_events`` gives.

``min_bytes=0`` forces the child on these small files; ``_cores`` is patched
where the test needs a second core it may not have.
"""

from __future__ import annotations

import gzip
import json

import pytest

from feeds import readahead
from feeds.events import to_dict
from feeds.readahead import CHUNK, read_events_ahead
from feeds.recording import ReadStats, RecordingWriter, dumps, read_events
from tests.test_recording import EVENTS


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    monkeypatch.setattr(readahead, "_cores", lambda: 2)


def both(path):
    """(events, bad lines reported, stats) from each reader."""
    out = []
    for read in (read_events, lambda p, on_bad_line, stats: read_events_ahead(p, on_bad_line, stats, min_bytes=0)):
        bad: list = []
        st = ReadStats()
        events = list(read(path, on_bad_line=lambda n, r: bad.append((n, r)), stats=st))
        out.append((events, [type(e) for e in events], bad, st))
    return out


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_same_events_bad_lines_and_stats_as_read_events(tmp_path, name):
    lines = [dumps(ev) for ev in EVENTS] * 3
    lines[4:4] = ["{not json", "", json.dumps({**to_dict(EVENTS[0]), "side": "up"}),
                  json.dumps({"type": "funding_rate", "ts": 1})]
    path = tmp_path / name
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    plain, ahead = both(path)
    assert ahead == plain
    events, _types, bad, st = ahead
    assert len(events) == 3 * len(EVENTS)
    assert [n for n, _ in bad] == [5, 7]
    assert (st.lines, st.unknown, st.truncated) == (len(lines), 1, False)


def test_many_chunks_and_a_cut_gzip(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    n = 2 * CHUNK + 5
    with RecordingWriter(path) as w:
        for i in range(n):
            w.write(EVENTS[i % len(EVENTS)])
        w.flush()
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - 7])  # killed mid-write: the end of the stream is gone
    plain, ahead = both(path)
    assert ahead == plain
    assert ahead[3].truncated and len(ahead[0]) == n


def test_the_childs_os_error_is_raised_here_as_read_events_raises_it(tmp_path):
    """A directory has a size, so the child starts, and fails to open it."""
    with pytest.raises(IsADirectoryError) as plain:
        list(read_events(tmp_path))
    with pytest.raises(IsADirectoryError) as ahead:
        list(read_events_ahead(tmp_path, min_bytes=0))
    assert (ahead.value.errno, ahead.value.strerror, ahead.value.filename) == (
        plain.value.errno, plain.value.strerror, plain.value.filename)


def test_a_missing_file_raises_before_any_child(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(read_events_ahead(tmp_path / "nope.jsonl", min_bytes=0))


def test_stopping_early_ends_the_child(tmp_path, monkeypatch):
    children = []
    popen = readahead.subprocess.Popen
    monkeypatch.setattr(readahead.subprocess, "Popen", lambda *a, **k: children.append(popen(*a, **k)) or children[-1])
    path = tmp_path / "big.jsonl"
    path.write_text("".join(dumps(EVENTS[i % len(EVENTS)]) + "\n" for i in range(3 * CHUNK)))
    reader = read_events_ahead(path, min_bytes=0)
    assert next(reader) == EVENTS[0]
    reader.close()
    assert len(children) == 1 and children[0].returncode is not None


def test_small_files_and_single_cores_are_read_in_process(tmp_path, monkeypatch):
    path = tmp_path / "rec.jsonl"
    path.write_text("".join(dumps(ev) + "\n" for ev in EVENTS))
    monkeypatch.setattr(readahead.subprocess, "Popen", None)  # any child would fail
    assert list(read_events_ahead(path)) == EVENTS  # under MIN_BYTES
    monkeypatch.setattr(readahead, "_cores", lambda: 1)
    assert list(read_events_ahead(path, min_bytes=0)) == EVENTS
