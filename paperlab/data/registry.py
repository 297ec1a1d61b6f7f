"""A small download registry for full mode: each file is ``(name, url, sha256, size)``.

Fast mode never downloads anything. In full mode a loader calls :func:`fetch`, which returns the
cached copy when its hash matches and otherwise downloads the file with a timeout into a temporary
file beside its final place, checks the size and the sha256, and moves it into place atomically
(``os.replace``, mode 0644), so the cache never holds a partial or unverified file. Each download has
an overall deadline as well as a per-read timeout, an entry without a recorded size is capped
(:data:`DEFAULT_MAX_SIZE`), and ``.part`` files left by a killed download are removed on the next fetch. Offline, :func:`fetch`
raises :class:`DataUnavailable`, whose message names the file, its URL and hash, the exact path
where a copy fetched by hand should go, and how to run in fast mode instead.

The cache folder is ``paperlab.config.cache_dir() / "data"`` (``PAPERLAB_CACHE`` moves it).
Entries are added only with a URL and hash that have been checked, e.g.::

    register(Entry(name="example.csv", url="https://example.org/example.csv",
                   sha256="<64 hex digits of the file>", size=12345))
    path = fetch("example.csv")
"""

from __future__ import annotations

import glob
import hashlib
import http.client
import os
import re
import socket
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from paperlab.config import cache_dir

_CHUNK = 1 << 16
_SCHEMES = ("https", "http", "file")


@dataclass(frozen=True)
class Entry:
    """One downloadable file: its name in the cache, where it comes from, and what it must hash to."""

    name: str
    url: str
    sha256: str
    size: int | None = None

    def __post_init__(self) -> None:
        if not self.name or self.name in (".", "..") or re.search(r"[/\\\x00]", self.name):
            raise ValueError(f"name must be a plain file name (no folders); got {self.name!r}")
        scheme = self.url.split("://", 1)[0].lower() if "://" in self.url else ""
        if scheme not in _SCHEMES:
            allowed = ", ".join(s + "://" for s in _SCHEMES)
            raise ValueError(f"url must start with one of {allowed}; got {self.url!r}")
        if not re.fullmatch(r"[0-9a-f]{64}", self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits; got {self.sha256!r}")
        if self.size is not None and (not isinstance(self.size, int) or self.size < 0):
            raise ValueError(f"size must be a non-negative int (bytes) or None; got {self.size!r}")


REGISTRY: dict[str, Entry] = {}
"""Known files by name. Empty until a loader registers an entry whose URL and sha256 were checked."""


class DataUnavailable(RuntimeError):
    """A registered file could not be downloaded (offline, refused, timed out, HTTP error)."""

    def __init__(self, entry: Entry, path: Path, reason: str) -> None:
        self.entry, self.path, self.reason = entry, path, reason
        size = f"{entry.size} bytes" if entry.size is not None else "not recorded"
        super().__init__(
            f"could not download {entry.name!r}: {reason}\n"
            f"  url:    {entry.url}\n"
            f"  sha256: {entry.sha256}\n"
            f"  size:   {size}\n"
            f"To use it without a network, fetch it elsewhere, check its sha256, and put it at exactly\n"
            f"  {path}\n"
            f"(the cache folder moves with PAPERLAB_CACHE). Or run in fast mode, which needs no downloads:\n"
            f"  PAPERLAB_MODE=fast paperlab run <slug>\n"
            f"(in Jupyter: export PAPERLAB_MODE=fast before starting it)."
        )


class IntegrityError(RuntimeError):
    """A downloaded file does not have the registered size or sha256; nothing was written to the cache."""

    def __init__(self, entry: Entry, what: str, expected: str, actual: str) -> None:
        self.entry, self.what, self.expected, self.actual = entry, what, expected, actual
        super().__init__(
            f"{what} mismatch for {entry.name!r} downloaded from {entry.url}\n"
            f"  expected {what}: {expected}\n"
            f"  actual {what}:   {actual}\n"
            f"The download was discarded. The file at the URL has changed or the transfer was corrupted;"
            f" retry, or update the registry entry only after checking the new file."
        )


def register(entry: Entry) -> Entry:
    """Add ``entry`` to :data:`REGISTRY` (re-registering the identical entry is a no-op)."""
    if not isinstance(entry, Entry):
        raise ValueError(f"entry must be a registry.Entry; got {type(entry).__name__}")
    known = REGISTRY.get(entry.name)
    if known is not None and known != entry:
        raise ValueError(f"a different entry named {entry.name!r} is already registered: {known}")
    REGISTRY[entry.name] = entry
    return entry


def resolve(entry_or_name: Entry | str) -> Entry:
    """The :class:`Entry` itself, or the registered entry of that name (else a ValueError naming them all)."""
    if isinstance(entry_or_name, Entry):
        return entry_or_name
    if isinstance(entry_or_name, str) and entry_or_name in REGISTRY:
        return REGISTRY[entry_or_name]
    known = ", ".join(sorted(REGISTRY)) or "(none registered yet)"
    raise ValueError(f"unknown data file {entry_or_name!r}; known names: {known}")


def data_dir(cache: str | os.PathLike[str] | None = None) -> Path:
    """The folder downloads go to: ``cache`` if given, else ``cache_dir() / "data"``; created if missing."""
    path = Path(cache).expanduser() if cache is not None else cache_dir() / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_valid(entry: Entry, path: Path) -> bool:
    """Whether ``path`` is a file with the entry's size (when recorded) and sha256."""
    if not path.is_file():
        return False
    if entry.size is not None and path.stat().st_size != entry.size:
        return False
    return sha256_file(path) == entry.sha256


DEFAULT_MAX_SIZE = 4 << 30
"""The most bytes fetched for an entry that records no size (4 GiB): a server cannot fill the disk."""
STALE_PART_SECONDS = 3600
"""A ``.part`` file untouched this long is left over from a killed download and is removed."""


def _deadline_for(entry: Entry) -> float:
    """The default overall deadline of one download: 10 minutes, plus 1 s per 250 kB recorded."""
    return 600.0 + (entry.size or 0) / 250_000


def _remove_stale_parts(folder: Path, entry: Entry) -> None:
    """Delete ``.part`` files of ``entry`` left by a download that was killed (SIGKILL, power loss).

    One is stale when its process (named in the file name, on this host) is gone, or when it has
    not been written for :data:`STALE_PART_SECONDS` (another host's download, or a reused pid).
    """
    host = _host()
    now = time.time()
    for part in folder.glob(f".{glob.escape(entry.name)}.*.part"):
        try:
            fields = part.name[len(entry.name) + 2 :].split(".")
            dead = len(fields) >= 3 and fields[0] == host and not _alive(int(fields[1]))
            if dead or now - part.stat().st_mtime > STALE_PART_SECONDS:
                part.unlink(missing_ok=True)
        except (OSError, ValueError):
            continue


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fetch(
    entry_or_name: Entry | str,
    *,
    timeout: float = 30,
    deadline: float | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
    cache: str | os.PathLike[str] | None = None,
) -> Path:
    """The verified local path of a registered file, downloading it first if the cache lacks a valid copy.

    ``timeout`` (seconds) bounds each blocking network operation; ``deadline`` (seconds; default
    10 minutes plus 1 s per 250 kB of the recorded size) bounds the whole download, so a server
    trickling bytes cannot hold it forever. An entry without a recorded size is cut off past
    ``max_size`` bytes. A cached file whose hash does not match is downloaded again and replaced;
    cached files are readable by everyone (0644). Raises :class:`DataUnavailable` when the download
    fails and :class:`IntegrityError` when the downloaded bytes have the wrong size or sha256.
    """
    entry = resolve(entry_or_name)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
    if deadline is None:
        deadline = _deadline_for(entry)
    if isinstance(deadline, bool) or not isinstance(deadline, int | float) or not deadline > 0:
        raise ValueError(f"deadline must be a positive number of seconds; got {deadline!r}")
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
        raise ValueError(f"max_size must be a positive number of bytes; got {max_size!r}")
    folder = data_dir(cache)
    target = folder / entry.name
    if is_valid(entry, target):
        return target
    _remove_stale_parts(folder, entry)
    stale = " (the file already there does not match the registered hash)" if target.exists() else ""
    fd, tmp_name = tempfile.mkstemp(
        dir=folder, prefix=f".{entry.name}.{_host()}.{os.getpid()}.", suffix=".part"
    )
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest, n = _download(entry, out, timeout, time.monotonic() + deadline, deadline, max_size)
        if entry.size is not None and n != entry.size:
            raise IntegrityError(entry, "size", f"{entry.size} bytes", f"{n} bytes")
        if digest != entry.sha256:
            raise IntegrityError(entry, "sha256", entry.sha256, digest)
        tmp.chmod(0o644)
        os.replace(tmp, target)
    except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
        if isinstance(exc, urllib.error.HTTPError):
            reason = f"HTTP {exc.code} {exc.reason}"
        else:
            reason = f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}"
        raise DataUnavailable(entry, target, reason + stale) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _download(
    entry: Entry, out: BinaryIO, timeout: float, until: float, deadline: float, max_size: int
) -> tuple[str, int]:
    """Stream ``entry.url`` into ``out`` until the monotonic time ``until``; return (sha256 hex, bytes).

    Stops early past the recorded size (or ``max_size`` when none is recorded); a body shorter than
    its Content-Length is an IncompleteRead; past the deadline a TimeoutError.
    """
    digest, n = hashlib.sha256(), 0
    cap = entry.size if entry.size is not None else max_size
    request = urllib.request.Request(entry.url, headers={"User-Agent": "paperlab"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        announced = response.headers.get("Content-Length")
        read = getattr(response, "read1", response.read)  # whatever has arrived, not a full chunk
        while True:
            if time.monotonic() > until:
                raise TimeoutError(
                    f"the download took longer than its deadline of {deadline:g} s ({n} bytes)"
                )
            chunk = read(_CHUNK)
            if not chunk:
                break
            n += len(chunk)
            if n > cap:
                if entry.size is not None:
                    raise IntegrityError(
                        entry, "size", f"{entry.size} bytes", f"more than {entry.size} bytes"
                    )
                raise IntegrityError(
                    entry,
                    "size",
                    f"at most {max_size} bytes (no size recorded)",
                    f"more than {max_size} bytes",
                )
            digest.update(chunk)
            out.write(chunk)
    if announced is not None and announced.isdigit() and n != int(announced):
        raise http.client.IncompleteRead(b"", int(announced) - n)
    return digest.hexdigest(), n
