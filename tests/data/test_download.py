"""embed.data.download: fetch with checksums, atomic, through a fake opener (never the network)."""
import dataclasses
import hashlib
import io
import os
import urllib.error
import zipfile

import pytest

from embed import data as ds
from embed.data import download
from embed.errors import EmbedError


pytestmark = pytest.mark.usefixtures("private_cache")  # tests/conftest.py


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def _fake_dataset(monkeypatch, name, **changes):
    monkeypatch.setitem(ds.DATASETS, name, dataclasses.replace(ds.DATASETS[name], **changes))


def test_fetch_from_a_file_url_checks_sha256(tmp_path, monkeypatch):
    payload = b"one two three\n" * 100
    src = tmp_path / "upstream.txt"
    src.write_bytes(payload)
    _fake_dataset(monkeypatch, "tinyshakespeare", url=src.as_uri(), sha256=_sha(payload),
                  size=len(payload))
    path = ds.fetch("tinyshakespeare")
    assert path == str(tmp_path / "cache" / "tinyshakespeare.txt")
    assert open(path, "rb").read() == payload
    assert ds.find("tinyshakespeare") == path
    src.write_bytes(b"changed")
    assert ds.fetch("tinyshakespeare") == path  # cached copy reused without downloading
    with pytest.raises(EmbedError, match="checksum mismatch"):
        ds.fetch("tinyshakespeare", force=True)
    assert open(path, "rb").read() == payload  # the good copy survives a bad download
    assert sorted(os.listdir(tmp_path / "cache")) == ["tinyshakespeare.txt"]  # no temp files


def test_fetch_checksum_mismatch_leaves_nothing(tmp_path, monkeypatch):
    src = tmp_path / "upstream.tsv"
    src.write_bytes(b"tampered")
    _fake_dataset(monkeypatch, "wordsim353", url=src.as_uri())
    with pytest.raises(EmbedError, match="checksum mismatch for wordsim353"):
        ds.fetch("wordsim353")
    assert os.listdir(tmp_path / "cache") == []


def test_fetch_unzips_a_member_through_a_fake_opener(tmp_path, monkeypatch):
    text = b" anarchism originated as a term of abuse" * 10
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("text8", text)
    archive = buf.getvalue()
    _fake_dataset(monkeypatch, "text8", sha256=_sha(archive), size=len(text))
    seen = []

    def opener(url, timeout=None):
        seen.append(url.full_url)
        return io.BytesIO(archive)

    monkeypatch.setattr(download, "urlopen", opener)
    path = ds.fetch("text8")
    assert seen == ["http://mattmahoney.net/dc/text8.zip"]
    assert open(path, "rb").read() == text
    assert sorted(os.listdir(tmp_path / "cache")) == ["text8"]
    assert ds.default_corpus()[0] == path  # text8 now wins


def test_fetch_offline_is_a_one_line_error(tmp_path, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(download, "urlopen", offline)
    with pytest.raises(EmbedError, match="cannot download simlex999.*offline"):
        ds.fetch("simlex999")
    assert os.listdir(tmp_path / "cache") == []
    with pytest.raises(EmbedError, match="unknown data set"):
        ds.fetch("nope")


