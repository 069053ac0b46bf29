import os

import pytest

# Headless plots, and a Numba cache that works in a fresh clone.
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NUMBA_CACHE_DIR",
                      os.path.join(os.path.expanduser("~"), ".cache", "embed", "numba"))
os.environ.setdefault("EMBED_PROGRESS", "0")


@pytest.fixture(autouse=True)
def _settings_follow_monkeypatched_env(monkeypatch):
    """embed reads EMBED_* once (embed.settings); a test that changes them with
    monkeypatch.setenv / delenv gets settings re-read after every change."""
    from embed import settings

    setenv, delenv = monkeypatch.setenv, monkeypatch.delenv

    def setenv_and_reload(*args, **kwargs):
        setenv(*args, **kwargs)
        settings.reload()

    def delenv_and_reload(*args, **kwargs):
        delenv(*args, **kwargs)
        settings.reload()

    monkeypatch.setenv, monkeypatch.delenv = setenv_and_reload, delenv_and_reload
    settings.reload()
    yield
    monkeypatch.undo()
    settings.reload()
