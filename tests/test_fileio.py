"""embed.fileio: atomic writes, stale temporary files, output/input checks."""
import os
import stat
import subprocess
import sys
import time

import pytest

from embed import fileio
from embed.errors import EmbedError


def test_import_does_not_touch_umask():
    code = ("import os; os.umask(0o027); import embed.fileio; "
            "print(oct(os.umask(0)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0o27"


def test_atomic_write_mode_follows_umask(tmp_path):
    old = os.umask(0o027)
    try:
        with fileio.atomic_write(tmp_path / "a.txt") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "a.txt").st_mode) == 0o640


def test_atomic_write_failure_leaves_target_and_no_temp(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with fileio.atomic_write(target) as f:
            f.write("new")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_temp_names_are_recognisable(tmp_path):
    name = os.path.basename(fileio.temp_name(tmp_path / "v.txt"))
    assert name.startswith(".v.txt.") and name.endswith(fileio.TEMP_SUFFIX)
    assert str(os.getpid()) in name


def _dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temp_of_dead_writer_is_removed_on_next_write(tmp_path):
    own = os.path.basename(fileio.temp_name(tmp_path / "v.txt"))
    host = own.split(".")[-3].split("-")[1]
    stale = tmp_path / f".v.txt.{_dead_pid()}-{host}-0123abcd{fileio.TEMP_SUFFIX}"
    stale.write_bytes(b"x" * 100)
    alive = tmp_path / f".v.txt.{os.getppid()}-{host}-89abcdef{fileio.TEMP_SUFFIX}"
    alive.write_bytes(b"y")
    other = tmp_path / f".w.txt.{_dead_pid()}-{host}-0123abcd{fileio.TEMP_SUFFIX}"
    other.write_bytes(b"z")
    with fileio.atomic_write(tmp_path / "v.txt") as f:
        f.write("data")
    names = set(os.listdir(tmp_path))
    assert stale.name not in names
    assert alive.name in names  # its writer may still be running
    assert other.name in names  # another destination's temp file is not ours to judge
    assert (tmp_path / "v.txt").read_text() == "data"


def test_old_temps_are_removed_whatever_their_pid(tmp_path):
    old = tmp_path / f".v.txt.{os.getppid()}-abcdef-0123abcd{fileio.TEMP_SUFFIX}"
    legacy = tmp_path / ".v.txt.k2j_x9aa.tmp"
    fresh_legacy = tmp_path / ".v.txt.zzzzzzzz.tmp"
    for p in (old, legacy, fresh_legacy):
        p.write_bytes(b"x")
    past = time.time() - (fileio.STALE_HOURS + 1) * 3600
    os.utime(old, (past, past))
    os.utime(legacy, (past, past))
    removed = fileio.remove_stale_temps(tmp_path / "v.txt")
    assert sorted(removed) == sorted([old.name, legacy.name])
    assert fresh_legacy.exists()


@pytest.mark.parametrize("spelling", ["same", "dot", "absolute", "symlink", "hardlink"])
def test_check_distinct_refuses_the_input(tmp_path, monkeypatch, spelling):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus.txt").write_text("a b c\n")
    out = {"same": "corpus.txt", "dot": "./corpus.txt", "absolute": str(tmp_path / "corpus.txt"),
           "symlink": "link.txt", "hardlink": "hard.txt"}[spelling]
    if spelling == "symlink":
        os.symlink("corpus.txt", "link.txt")
    if spelling == "hardlink":
        os.link("corpus.txt", "hard.txt")
    with pytest.raises(EmbedError, match="is the input file"):
        fileio.check_distinct(out, ["other.txt", "corpus.txt"])


def test_check_distinct_accepts_other_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus.txt").write_text("a b c\n")
    (tmp_path / "copy.txt").write_text("a b c\n")  # same content, another file
    fileio.check_distinct(["copy.txt", "new.txt", None], ["corpus.txt", None])
    fileio.check_distinct("new.txt", [])


def test_check_writable(tmp_path, readonly_dir):
    assert fileio.check_writable(tmp_path / "x.lm") == str(tmp_path / "x.lm")
    assert os.listdir(tmp_path) == ["ro"]  # the probe file is gone
    with pytest.raises(EmbedError, match="cannot write"):
        fileio.check_writable(os.path.join(str(readonly_dir), "x.lm"))
    with pytest.raises(EmbedError, match="does not exist"):
        fileio.check_writable(tmp_path / "missing" / "x.lm")
    with pytest.raises(EmbedError, match="is a folder"):
        fileio.check_writable(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(EmbedError, match="not a folder"):
        fileio.check_writable(tmp_path / "file" / "x.lm")


@pytest.mark.parametrize("target", ["/dev/null", "/dev/stdout", "fifo"])
def test_devices_and_pipes_are_not_replaced(tmp_path, target):
    if target == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    before = os.lstat(target)
    with pytest.raises(EmbedError, match="not a regular file"):
        fileio.check_writable(target)
    with pytest.raises(EmbedError, match="not a regular file"):
        with fileio.atomic_write(target) as f:
            f.write("x")
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


def test_a_symlinked_output_is_written_through_and_the_link_stays(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    os.symlink("real.txt", tmp_path / "link.txt")
    with fileio.atomic_write(tmp_path / "link.txt") as f:
        f.write("new")
    assert os.path.islink(tmp_path / "link.txt")
    assert (tmp_path / "real.txt").read_text() == "new"


# ------------------------------------------------------------------ opening inputs

def test_a_fifo_with_no_writer_fails_within_the_wait(tmp_path, fifo):
    path = fifo(tmp_path / "pipe")
    t0 = time.monotonic()
    with pytest.raises(EmbedError, match=f"^corpus file {path} is a FIFO with no writer: nothing arrived in 0.2 s"):
        fileio.open_input(path, "corpus file", wait=0.2)
    assert time.monotonic() - t0 < 3


def test_the_fifo_wait_comes_from_the_settings(tmp_path, fifo, monkeypatch):
    monkeypatch.setenv("EMBED_FIFO_WAIT", "0.1")                    # conftest re-reads settings
    with pytest.raises(EmbedError, match="nothing arrived in 0.1 s"):
        fileio.open_input(fifo(tmp_path / "pipe"))


@pytest.mark.parametrize("name", ["pipe.txt", "pipe.txt.gz", "pipe.txt.xz"])
def test_a_fifo_with_a_writer_is_read_to_its_end_and_decompressed(tmp_path, fifo, name):
    import gzip
    import lzma

    text = b"one line\n" * 20000                                     # more than a pipe holds
    packed = {".gz": gzip.compress, ".xz": lzma.compress}.get(os.path.splitext(name)[1], bytes)(text)
    path = fifo(tmp_path / name, data=packed)
    f = fileio.open_input(path, wait=10)
    with f:
        assert f.read() == text
    assert f.closed


def test_a_writer_that_sends_nothing_gives_an_empty_input(tmp_path, fifo):
    path = fifo(tmp_path / "pipe", data=b"")
    with fileio.open_input(path, wait=10) as f:
        assert f.read() == b""


def test_an_anonymous_pipe_is_not_timed_out(tmp_path):
    """`slow | embed ...`: the writer exists from the start, so a slow first byte is waited for."""
    import threading

    r, w = os.pipe()

    def slow():
        time.sleep(0.5)
        os.write(w, b"late but fine\n")
        os.close(w)

    writer = threading.Thread(target=slow)
    writer.start()
    try:
        assert not fileio.is_named_fifo(f"/dev/fd/{r}")
        with fileio.open_input(f"/dev/fd/{r}", wait=0.1) as f:
            assert f.read() == b"late but fine\n"
    finally:
        writer.join()
        os.close(r)


def test_open_seekable_holds_a_fifo_in_memory(tmp_path, fifo):
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, a=np.arange(5))
    path = fifo(tmp_path / "m.npz", data=buffer.getvalue())
    with fileio.open_seekable(path, "model file", wait=10) as f, np.load(f) as z:
        assert z["a"].tolist() == [0, 1, 2, 3, 4]
    regular = tmp_path / "r.npz"
    regular.write_bytes(buffer.getvalue())
    with fileio.open_seekable(regular) as f:
        assert f.name == str(regular)                               # a file on disk is opened, not copied


def test_urls_are_told_from_local_paths():
    assert fileio.is_url("s3://bucket/c.txt") and fileio.is_url("zip://a.txt::/data/c.zip")
    assert fileio.is_url("simplecache::s3://bucket/c.txt")
    assert not fileio.is_url("/data/a::b.txt") and not fileio.is_url("corpus/c.txt")


def test_a_local_file_named_like_a_chained_url_stays_local(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes::v2.txt").write_text("one two\n")
    assert not fileio.is_url("notes::v2.txt")
    assert fileio.check_readable("notes::v2.txt", "corpus file") == "notes::v2.txt"
    with fileio.open_input("notes::v2.txt", "corpus file") as f:
        assert f.read() == b"one two\n"


def test_a_url_is_opened_decompressed_sized_and_checked_through_fsspec(tmp_path):
    import gzip
    import zipfile
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("c.txt.gz", gzip.compress(b"one two\nthree\n"))
        z.writestr("sub/d.txt", b"x\n")
    url = f"zip://c.txt.gz::{archive}"
    assert fileio.check_readable(url, "corpus file") == url and fileio.is_compressed(url)
    with fileio.open_input(url, "corpus file") as f:
        assert f.read() == b"one two\nthree\n"
    assert fileio.input_size(f"zip://sub/d.txt::{archive}") == 2
    with pytest.raises(EmbedError, match="corpus file is a folder, not a file: zip://sub::"):
        fileio.check_readable(f"zip://sub::{archive}", "corpus file")
    with pytest.raises(EmbedError, match="^corpus file not found: zip://nothing.txt::"):
        fileio.open_input(f"zip://nothing.txt::{archive}", "corpus file")
