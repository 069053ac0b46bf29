"""embed.settings: EMBED_* variables read in one place, with one-line errors for bad values."""
import pytest

from embed import settings
from embed.errors import EmbedError


def test_defaults_from_an_empty_environment(tmp_path):
    s = settings.read({"HOME": str(tmp_path), "EMBED_CACHE": str(tmp_path / "c")})
    assert s.cache_dir == str(tmp_path / "c") and s.native_dir == str(tmp_path / "c" / "native")
    assert s.data_dirs == () and not s.data_var_set
    assert s.fifo_wait == 5.0 and s.kernels == "auto" and s.progress is None


@pytest.mark.parametrize("raw,seconds", [("0.25", 0.25), ("30", 30.0), ("", 5.0), (" ", 5.0)])
def test_fifo_wait(raw, seconds):
    assert settings.read({"EMBED_FIFO_WAIT": raw}).fifo_wait == seconds


@pytest.mark.parametrize("raw", ["0", "-1", "nan", "inf", "soon"])
def test_a_bad_fifo_wait_is_one_line(raw):
    with pytest.raises(EmbedError, match=f"^EMBED_FIFO_WAIT must be a positive number of seconds, got '{raw}'$"):
        settings.read({"EMBED_FIFO_WAIT": raw})
