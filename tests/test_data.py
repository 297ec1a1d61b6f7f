"""Download registry (local file:// and a tiny HTTP server on 127.0.0.1) and the bundled data sets."""

import hashlib
import http.server
import socket
import threading
import time

import networkx as nx
import pytest
import torch

from paperlab.data import bundled, registry
from paperlab.data.registry import DataUnavailable, Entry, IntegrityError, fetch

PAYLOAD = b"paperlab test payload\n" * 100
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves PAYLOAD at /ok, a body cut short at /truncated, and a slow answer at /slow."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        type(self).hits.append(self.path)
        if self.path == "/slow":
            time.sleep(2)
        if self.path not in ("/ok", "/truncated", "/slow"):
            self.send_error(404)
            return
        body = PAYLOAD[: len(PAYLOAD) // 2] if self.path == "/truncated" else PAYLOAD
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    _Handler.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler.hits
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- registry ---------------------------------------------------------------------------------


def test_file_url_fetch(tmp_path, cache):
    src = tmp_path / "src.bin"
    src.write_bytes(PAYLOAD)
    entry = Entry("payload.bin", src.as_uri(), SHA, len(PAYLOAD))
    path = fetch(entry, cache=cache)
    assert path == cache / "payload.bin" and path.read_bytes() == PAYLOAD
    assert _leftovers(cache) == ["payload.bin"]


def test_http_fetch_then_cached_without_network(server, cache):
    base, hits = server
    entry = Entry("payload.bin", f"{base}/ok", SHA, len(PAYLOAD))
    path = fetch(entry, cache=cache, timeout=5)
    assert path.read_bytes() == PAYLOAD and hits == ["/ok"]
    assert fetch(entry, cache=cache, timeout=5) == path
    assert hits == ["/ok"]  # second call served from the cache


def test_cached_copy_used_when_offline(tmp_path, cache):
    cache.mkdir()
    (cache / "payload.bin").write_bytes(PAYLOAD)
    entry = Entry("payload.bin", f"http://127.0.0.1:{_free_port()}/x", SHA, len(PAYLOAD))
    assert fetch(entry, cache=cache).read_bytes() == PAYLOAD


def test_hash_mismatch_raises_and_leaves_nothing(server, cache):
    base, _ = server
    wrong = "0" * 64
    with pytest.raises(IntegrityError) as exc:
        fetch(Entry("payload.bin", f"{base}/ok", wrong, len(PAYLOAD)), cache=cache, timeout=5)
    msg = str(exc.value)
    assert "sha256 mismatch" in msg and wrong in msg and SHA in msg
    assert exc.value.expected == wrong and exc.value.actual == SHA
    assert _leftovers(cache) == []


def test_size_mismatch_raises(tmp_path, cache):
    src = tmp_path / "src.bin"
    src.write_bytes(PAYLOAD)
    with pytest.raises(IntegrityError, match="size mismatch"):
        fetch(Entry("payload.bin", src.as_uri(), SHA, len(PAYLOAD) - 1), cache=cache)
    with pytest.raises(IntegrityError, match="size mismatch"):
        fetch(Entry("payload.bin", src.as_uri(), SHA, len(PAYLOAD) + 1), cache=cache)
    assert _leftovers(cache) == []


def test_offline_message_names_everything(cache):
    url = f"http://127.0.0.1:{_free_port()}/payload.bin"  # nothing listens there
    entry = Entry("payload.bin", url, SHA, len(PAYLOAD))
    with pytest.raises(DataUnavailable) as exc:
        fetch(entry, cache=cache, timeout=5)
    msg = str(exc.value)
    where = str(cache / "payload.bin")
    for needle in ("'payload.bin'", url, SHA, where, "PAPERLAB_MODE=fast", "PAPERLAB_CACHE"):
        assert needle in msg, needle
    assert exc.value.path == cache / "payload.bin" and exc.value.entry is entry
    assert _leftovers(cache) == []


def test_http_error_is_unavailable(server, cache):
    base, _ = server
    with pytest.raises(DataUnavailable, match="HTTP 404"):
        fetch(Entry("missing.bin", f"{base}/missing", SHA), cache=cache, timeout=5)


def test_missing_file_url_is_unavailable(tmp_path, cache):
    with pytest.raises(DataUnavailable):
        fetch(Entry("payload.bin", (tmp_path / "absent.bin").as_uri(), SHA), cache=cache)


def test_truncated_download_leaves_no_partial_file(server, cache):
    base, _ = server
    with pytest.raises(DataUnavailable, match="IncompleteRead"):
        fetch(Entry("payload.bin", f"{base}/truncated", SHA), cache=cache, timeout=5)
    assert _leftovers(cache) == []


def test_timeout(server, cache):
    base, _ = server
    start = time.monotonic()
    with pytest.raises(DataUnavailable):
        fetch(Entry("payload.bin", f"{base}/slow", SHA), cache=cache, timeout=0.3)
    assert time.monotonic() - start < 1.5
    assert _leftovers(cache) == []


def test_corrupt_cached_copy_is_replaced_atomically(server, cache):
    base, hits = server
    cache.mkdir()
    (cache / "payload.bin").write_bytes(b"corrupted")
    path = fetch(Entry("payload.bin", f"{base}/ok", SHA, len(PAYLOAD)), cache=cache, timeout=5)
    assert path.read_bytes() == PAYLOAD and hits == ["/ok"]
    assert _leftovers(cache) == ["payload.bin"]


def test_failed_redownload_keeps_old_file_and_says_so(cache):
    cache.mkdir()
    (cache / "payload.bin").write_bytes(b"corrupted")
    with pytest.raises(DataUnavailable, match="does not match the registered hash"):
        fetch(Entry("payload.bin", f"http://127.0.0.1:{_free_port()}/x", SHA), cache=cache, timeout=5)
    assert (cache / "payload.bin").read_bytes() == b"corrupted"
    assert _leftovers(cache) == ["payload.bin"]


def test_default_cache_follows_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERLAB_CACHE", str(tmp_path / "envcache"))
    src = tmp_path / "src.bin"
    src.write_bytes(PAYLOAD)
    path = fetch(Entry("payload.bin", src.as_uri(), SHA), timeout=5)
    assert path == tmp_path / "envcache" / "data" / "payload.bin"


def test_names_resolve_through_registry(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {})
    src = tmp_path / "src.bin"
    src.write_bytes(PAYLOAD)
    entry = registry.register(Entry("payload.bin", src.as_uri(), SHA, len(PAYLOAD)))
    assert registry.register(Entry("payload.bin", src.as_uri(), SHA, len(PAYLOAD))) == entry
    assert fetch("payload.bin", cache=cache).read_bytes() == PAYLOAD
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Entry("payload.bin", src.as_uri(), "1" * 64))
    with pytest.raises(ValueError, match=r"unknown data file 'paylod.bin'; known names: payload.bin"):
        fetch("paylod.bin", cache=cache)


def test_unknown_name_with_empty_registry(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", {})
    with pytest.raises(ValueError, match="none registered yet"):
        fetch("mnist.npz")


def test_registered_entries_are_well_formed():
    for name, entry in registry.REGISTRY.items():
        assert name == entry.name and entry.url.startswith("https://")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "a/b.bin"}, "name"),
        ({"name": ""}, "name"),
        ({"url": "ftp://example.org/x"}, "url"),
        ({"sha256": "abc"}, "sha256"),
        ({"sha256": SHA.upper()}, "sha256"),
        ({"size": -1}, "size"),
    ],
)
def test_entry_validation(kwargs, match):
    args = {"name": "x.bin", "url": "https://example.org/x.bin", "sha256": SHA, "size": 3} | kwargs
    with pytest.raises(ValueError, match=match):
        Entry(**args)


@pytest.mark.parametrize("timeout", [0, -1, "30", True])
def test_bad_timeout(tmp_path, cache, timeout):
    with pytest.raises(ValueError, match="timeout"):
        fetch(Entry("x.bin", (tmp_path / "x").as_uri(), SHA), cache=cache, timeout=timeout)


# --- bundled ----------------------------------------------------------------------------------


def test_digits_split_shapes_types_and_range():
    X_train, X_test, y_train, y_test = bundled.digits()
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    assert X_train.dtype == torch.float32 and y_train.dtype == torch.int64
    assert 0 <= X_train.min() and X_train.max() <= 1 and 0 <= X_test.min() and X_test.max() <= 1
    assert set(y_train.tolist()) == set(range(10)) == set(y_test.tolist())
    counts = torch.bincount(y_test, minlength=10)
    assert counts.min() >= 43 and counts.max() <= 47  # stratified: ~45 per class


def test_digits_deterministic_and_seeded():
    a, b = bundled.digits(seed=0), bundled.digits(seed=0)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    c = bundled.digits(seed=1)
    assert not torch.equal(a[0], c[0])


def test_digits_unsplit_and_unscaled():
    X, y = bundled.digits(split=False, scale=False)
    assert X.shape == (1797, 64) and y.shape == (1797,) and X.max() == 16


def test_tabular_sets():
    sets = ((bundled.iris, 150, 4, 3), (bundled.wine, 178, 13, 3), (bundled.breast_cancer, 569, 30, 2))
    for loader, n, d, k in sets:
        X_train, X_test, y_train, y_test = loader(test_size=0.2)
        assert len(X_train) + len(X_test) == n and X_train.shape[1] == d
        assert X_train.min() == 0 and X_train.max() == 1  # scaled on the training split
        assert set(y_train.tolist()) == set(range(k))
        X, y = loader(split=False)
        assert X.shape == (n, d) and X.min() == 0 and X.max() == 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"test_size": 0}, "test_size"),
        ({"test_size": 1.5}, "test_size"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"split": "yes"}, "split"),
        ({"scale": 1}, "scale"),
    ],
)
def test_bad_arguments(kwargs, match):
    for loader in (bundled.digits, bundled.iris):
        with pytest.raises(ValueError, match=match):
            loader(**kwargs)


def test_karate_club():
    graph, labels = bundled.karate_club()
    assert isinstance(graph, nx.Graph)
    assert graph.number_of_nodes() == 34 and graph.number_of_edges() == 78
    assert labels.dtype == torch.int64 and labels.shape == (34,)
    assert labels[0] == 0 and labels[33] == 1  # Mr. Hi and the Officer themselves
    assert set(labels.tolist()) == {0, 1}
