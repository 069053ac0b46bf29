"""embed.progress: bars on stderr only when wanted, byte counts in B/kB/MB, one-line notes."""
import io
import re

from embed import progress


def _drawn(monkeypatch, total, steps, step, **kwargs):
    monkeypatch.setenv("EMBED_PROGRESS", "1")                 # the suite turns bars off
    out = io.StringIO()
    monkeypatch.setattr(progress.sys, "stderr", out)
    with progress.bar(total=total, desc="data", mininterval=0, **kwargs) as b:
        for _ in range(steps):
            b.update(step)
    return out.getvalue().split("\r")[-1]


def test_a_byte_bar_shows_sizes_and_speed_in_bytes(monkeypatch):
    last = _drawn(monkeypatch, 2_500_000, 5, 500_000, unit="B")
    assert "data: 100%" in last and "| 2.50MB/2.50MB [" in last
    assert re.search(r", \d+(\.\d+)?[kMG]?B/s\]", last), last


def test_a_byte_bar_of_unknown_size_still_says_bytes(monkeypatch):
    last = _drawn(monkeypatch, None, 3, 1500, unit="B")
    assert last.startswith("data: 4.50kB [") and "B/s]" in last


def test_other_units_are_counts(monkeypatch):
    last = _drawn(monkeypatch, 3000, 3, 1000, unit="words")
    assert "| 3.00k/3.00k [" in last and "words/s]" in last


def test_bars_are_off_when_asked(monkeypatch):
    monkeypatch.setenv("EMBED_PROGRESS", "0")
    out = io.StringIO()
    monkeypatch.setattr(progress.sys, "stderr", out)
    with progress.bar(total=10, desc="data") as b:
        b.update(10)
    assert out.getvalue() == ""


def test_notice_is_one_line_on_stderr(capsys):
    progress.notice("perplexity lowered from 30 to 5")
    assert capsys.readouterr().err == "embed: note: perplexity lowered from 30 to 5\n"
