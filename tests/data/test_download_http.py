"""embed.data.download against a loopback HTTP server: resume after an interruption, restart when
the server ignores Range, checksum mismatch, and the demo's offline fallback (never the network)."""
import dataclasses
import hashlib
import http.server
import io
import os
import re
import threading
import zipfile

import pytest

from embed import data as ds
from embed.data import download, offline
from embed.errors import EmbedError
from embed.word2vec import demo

TEXT = b" anarchism originated as a term of abuse first used against early working class radicals" * 400


def _zip(text):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("text8", text)
    return buf.getvalue()


ARCHIVE = _zip(TEXT)


class Server:
    """Serves `payload` at /text8.zip; honours Range unless told not to; can cut the first reply short."""

    def __init__(self, payload, cut_after=None, ranges=True):
        self.payload, self.cut_after, self.ranges, self.requests = payload, cut_after, ranges, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.headers.get("Range"))
                start = 0
                rng = self.headers.get("Range")
                if rng and outer.ranges:
                    start = int(rng.removeprefix("bytes=").rstrip("-"))
                    self.send_response(206)
                    self.send_header("Content-Range",
                                     f"bytes {start}-{len(outer.payload) - 1}/{len(outer.payload)}")
                else:
                    self.send_response(200)
                body = outer.payload[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.cut_after is not None:
                    body, outer.cut_after = body[:outer.cut_after], None  # then drop the connection
                self.wfile.write(body)

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/text8.zip"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def _isolated(private_cache, monkeypatch):
    """A private cache (tests/conftest.py), and text8 is the small archive served here."""
    monkeypatch.setitem(ds.DATASETS, "text8", dataclasses.replace(
        ds.DATASETS["text8"], sha256=hashlib.sha256(ARCHIVE).hexdigest(), size=len(TEXT)))


def test_download_checks_unzips_and_leaves_only_the_data_set(tmp_path):
    with Server(ARCHIVE) as server:
        path = ds.fetch("text8", url=server.url)
    assert open(path, "rb").read() == TEXT
    assert os.listdir(tmp_path / "cache") == ["text8"]
    assert server.requests == [None]


def test_an_interrupted_download_resumes_with_a_range_request(tmp_path):
    half = len(ARCHIVE) // 2
    with Server(ARCHIVE, cut_after=half) as server:
        with pytest.raises(ds.DownloadError, match="interrupted after .* run it again to resume"):
            ds.fetch("text8", url=server.url)
        part = tmp_path / "cache" / "text8.zip.part"
        assert part.stat().st_size == half and not (tmp_path / "cache" / "text8").exists()
        path = ds.fetch("text8", url=server.url)
    assert server.requests == [None, f"bytes={half}-"]
    assert open(path, "rb").read() == TEXT and not part.exists()


def test_a_server_that_ignores_range_gets_a_clean_restart(tmp_path):
    part = tmp_path / "cache" / "text8.zip.part"
    part.parent.mkdir()
    part.write_bytes(b"garbage that is not the start of the archive")
    with Server(ARCHIVE, ranges=False) as server:
        path = ds.fetch("text8", url=server.url)
    assert server.requests[0].startswith("bytes=")
    assert open(path, "rb").read() == TEXT and not part.exists()


def test_checksum_mismatch_removes_the_download_with_one_line(tmp_path):
    with Server(_zip(b"not text8 " * 100)) as server:
        with pytest.raises(EmbedError) as e:
            ds.fetch("text8", url=server.url)
    assert "checksum mismatch for text8" in str(e.value) and "\n" not in str(e.value)
    assert os.listdir(tmp_path / "cache") == []


def test_demo_downloads_text8_then_reuses_it(tmp_path):
    with Server(ARCHIVE) as server:
        path, description, note = demo.choose_corpus(url=server.url)
        assert demo.choose_corpus(url=server.url)[0] == path  # found in the cache: not fetched again
    assert note is None and description.startswith("text8") and len(server.requests) == 1


def test_demo_falls_back_to_the_offline_corpus_in_one_line(tmp_path, monkeypatch):
    small = tmp_path / "small.txt"
    small.write_text("a small offline corpus\n")
    monkeypatch.setattr(offline, "build_offline_corpus", lambda force=False: str(small))
    with Server(ARCHIVE) as server:
        url = server.url  # the server is gone after this block: the port refuses connections
    path, description, note = demo.choose_corpus(url=url)
    assert path == str(small) and description == ds.DATASETS["offline"].description
    assert note.startswith("text8 not downloaded (cannot download text8") and "\n" not in note
    assert note.endswith("training on the offline corpus instead")
    assert os.listdir(tmp_path / "cache") == []
    path, _, note = demo.choose_corpus(download=False)
    assert path == str(small) and "downloads are off" in note


def test_the_progress_bar_shows_size_and_speed(capsys, monkeypatch):
    monkeypatch.setenv("EMBED_PROGRESS", "1")  # the suite turns bars off
    with Server(ARCHIVE) as server:
        ds.fetch("text8", url=server.url, show_progress=True)
    err = capsys.readouterr().err
    size = f"{len(ARCHIVE) / 1000:.1f}kB"  # sizes in kB (1000 bytes), then the speed in B/s, kB/s or MB/s
    assert "text8: 100%" in err and f"| {size}/{size} [" in err
    assert re.search(r", \d+(\.\d+)?[kMG]?B/s\]", err), err
