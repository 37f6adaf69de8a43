"""Theme files: a bad user theme is refused at load, naming its file and key."""

from __future__ import annotations

from pathlib import Path

from tui.themes import load_themes


def test_a_theme_with_a_bad_colour_is_skipped_naming_file_and_key(tmp_path: Path):
    (tmp_path / "bad.toml").write_text('name = "bad"\nprimary = "notacolour"\n')
    (tmp_path / "badvar.toml").write_text('name = "badvar"\nprimary = "#ffffff"\n[variables]\nlong = "reddish"\n')
    (tmp_path / "good.toml").write_text('name = "good"\nprimary = "#ffffff"\n')
    skipped: list[str] = []
    names = {t.name for t in load_themes(tmp_path, skipped)}
    assert "good" in names and "bad" not in names and "badvar" not in names
    assert any(str(tmp_path / "bad.toml") in r and "primary" in r and "notacolour" in r for r in skipped)
    assert any(str(tmp_path / "badvar.toml") in r and "variables.long" in r for r in skipped)


def test_every_bundled_theme_loads():
    skipped: list[str] = []
    names = {t.name for t in load_themes(None, skipped)}
    assert not skipped and {"liqwatch-dark", "liqwatch-light", "liqwatch-contrast"} <= names
