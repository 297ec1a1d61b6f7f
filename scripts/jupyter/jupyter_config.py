"""Jupyter configuration of a class JupyterHub / Binder image: which notebooks are trusted.

``postBuild`` installs this file as ``{sys.prefix}/etc/jupyter/jupyter_config.py``, read by every
Jupyter application of the image (JupyterLab, jupyterhub-singleuser, ``jupyter trust``).

A hub mounts a persistent volume over the student's home folder, hiding whatever the image build
wrote there — the trust database (``~/.local/share/jupyter/nbsignatures.db``) included. So the
committed notebooks are signed at build time into a database outside ``$HOME``
(``{sys.prefix}/share/jupyter/paperlab-trust/nbsignatures.db``, written by ``jupyter trust``
with ``JUPYTER_DATA_DIR`` pointing there, only read here), with a key kept
beside it; a notebook the student runs and saves is signed, with the same key, into the usual
database in their (persistent) home. A notebook is trusted when either database knows it, so the
committed notebooks — wherever their copy is, e.g. pulled into the home folder by nbgitpuller —
show their saved diagrams, widgets and plotly figures before anything is run.
"""

import os
import sqlite3
import sys

from jupyter_core.paths import jupyter_data_dir
from nbformat.sign import SignatureStore, SQLiteSignatureStore

TRUST_DIR = os.path.join(sys.prefix, "share", "jupyter", "paperlab-trust")
COMMITTED_DB = os.path.join(TRUST_DIR, "nbsignatures.db")
SECRET_FILE = os.path.join(TRUST_DIR, "notebook_secret")


class CommittedAndHomeStore(SignatureStore):
    """Signatures from the image's read-only database of committed notebooks, then the user's own."""

    def __init__(self, home_db: str, committed_db: str = COMMITTED_DB) -> None:
        os.makedirs(os.path.dirname(home_db), mode=0o700, exist_ok=True)
        self.home = SQLiteSignatureStore(home_db)
        self.committed = None
        if os.path.isfile(committed_db):
            try:
                self.committed = sqlite3.connect(f"file:{committed_db}?mode=ro", uri=True)
            except sqlite3.Error:
                self.committed = None

    def _committed(self, digest: str, algorithm: str) -> bool:
        if self.committed is None:
            return False
        try:
            row = self.committed.execute(
                "SELECT 1 FROM nbsignatures WHERE algorithm = ? AND signature = ?;", (algorithm, digest)
            ).fetchone()
        except sqlite3.Error:
            return False
        return row is not None

    def store_signature(self, digest: str, algorithm: str) -> None:
        self.home.store_signature(digest, algorithm)

    def check_signature(self, digest: str, algorithm: str) -> bool:
        return self._committed(digest, algorithm) or self.home.check_signature(digest, algorithm)

    def remove_signature(self, digest: str, algorithm: str) -> None:
        self.home.remove_signature(digest, algorithm)

    def close(self) -> None:
        self.home.close()
        if self.committed is not None:
            self.committed.close()


def _store() -> CommittedAndHomeStore:
    return CommittedAndHomeStore(os.path.join(jupyter_data_dir(), "nbsignatures.db"))


c = get_config()  # noqa: F821  (traitlets defines get_config for config files)
c.NotebookNotary.secret_file = SECRET_FILE
c.NotebookNotary.store_factory = _store
