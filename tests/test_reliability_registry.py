"""Fault tests of the download registry (issue 11): overall deadline, size cap, stale .part files, modes."""

from __future__ import annotations

import hashlib
import http.server
import os
import subprocess
import sys
import threading
import time

import pytest

from paperlab.data import registry
from paperlab.data.registry import DataUnavailable, Entry, IntegrityError, fetch

BODY = b"x" * 5000
SHA = hashlib.sha256(BODY).hexdigest()


class _Trickle(http.server.BaseHTTPRequestHandler):
    """/trickle: one byte every 0.1 s (each read is quick, the whole is slow); /big: BODY, no length."""

    def do_GET(self) -> None:  # noqa: N802
        try:
            self.send_response(200)
            if self.path == "/trickle":
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                for i in range(len(BODY)):
                    self.wfile.write(BODY[i : i + 1])
                    self.wfile.flush()
                    time.sleep(0.1)
            else:
                self.end_headers()
                self.wfile.write(BODY)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_trickling_server_hits_the_overall_deadline(server, tmp_path):
    entry = Entry(name="slow.bin", url=server + "/trickle", sha256=SHA, size=len(BODY))
    t0 = time.monotonic()
    with pytest.raises(DataUnavailable, match="deadline of 1 s"):
        fetch(entry, timeout=5, deadline=1, cache=tmp_path)
    assert time.monotonic() - t0 < 4
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="deadline"):
        fetch(entry, deadline=0, cache=tmp_path)


def test_the_default_deadline_grows_with_the_size():
    small = Entry(name="a", url="https://e.org/a", sha256=SHA, size=1)
    big = Entry(name="b", url="https://e.org/b", sha256=SHA, size=10**9)
    assert registry._deadline_for(small) == pytest.approx(600, abs=1) and registry._deadline_for(big) > 4000


def test_an_entry_without_a_size_is_capped(server, tmp_path):
    entry = Entry(name="nosize.bin", url=server + "/big", sha256=SHA)
    with pytest.raises(IntegrityError, match="no size recorded"):
        fetch(entry, max_size=1000, cache=tmp_path)
    assert not list(tmp_path.iterdir())
    assert fetch(entry, cache=tmp_path).read_bytes() == BODY  # under the default cap


def test_cached_files_are_group_readable(server, tmp_path):
    old = os.umask(0o077)
    try:
        path = fetch(Entry(name="ok.bin", url=server + "/big", sha256=SHA), cache=tmp_path)
    finally:
        os.umask(old)
    assert (path.stat().st_mode & 0o777) == 0o644


def test_stale_part_files_are_removed(server, tmp_path):
    host = registry._host()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    killed = tmp_path / f".ok.bin.{host}.{dead_pid}.abc123.part"  # a download killed with SIGKILL
    old = tmp_path / ".ok.bin.otherhost.1.abc.part"  # another host's, untouched for two hours
    live = tmp_path / f".ok.bin.otherhost.{os.getpid()}.xyz.part"  # another host's, being written now
    mine = tmp_path / f".ok.bin.{host}.{os.getpid()}.def.part"  # this process, in flight
    other = tmp_path / f".other.bin.{host}.{dead_pid}.ghi.part"  # another entry's: not this fetch's business
    for p in (killed, old, live, mine, other):
        p.write_bytes(b"partial")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    fetch(Entry(name="ok.bin", url=server + "/big", sha256=SHA), cache=tmp_path)
    assert not killed.exists() and not old.exists()
    assert live.exists() and mine.exists() and other.exists()


def test_killed_download_leaves_a_part_that_the_next_fetch_removes(server, tmp_path):
    code = (
        "import sys; sys.path.insert(0, sys.argv[3]);"
        "from paperlab.data.registry import Entry, fetch;"
        f"fetch(Entry(name='slow.bin', url=sys.argv[1] + '/trickle', sha256='{SHA}', size={len(BODY)}),"
        " timeout=30, deadline=600, cache=sys.argv[2])"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-c", code, server, str(tmp_path), root])
    deadline = time.time() + 30
    while not list(tmp_path.glob(".slow.bin.*.part")) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.kill()
    proc.wait()
    assert list(tmp_path.glob(".slow.bin.*.part"))  # SIGKILL leaves it behind
    with pytest.raises(DataUnavailable):
        fetch(
            Entry(name="slow.bin", url=server + "/trickle", sha256=SHA, size=len(BODY)),
            deadline=0.5,
            cache=tmp_path,
        )
    assert not list(tmp_path.glob(".slow.bin.*.part"))
