"""Fault tests of the PAPERLAB_* settings (issue 11): every bad value names its variable and what it takes."""

from __future__ import annotations

import os

import pytest

import paperlab
from paperlab import config
from paperlab.config import SettingError, settings


@pytest.mark.parametrize("value", ["abc", "2.5", "-1", "0", "1e3", "two"])
def test_bad_threads_name_the_variable(value):
    with pytest.raises(SettingError, match=r"PAPERLAB_THREADS must be a whole number >= 1.*" + repr(value)):
        settings({"PAPERLAB_THREADS": value})


@pytest.mark.parametrize(
    ("name", "value", "accepts"),
    [
        ("PAPERLAB_MODE", "turbo", "'fast', 'full'"),
        ("PAPERLAB_SMOKE", "maybe", "1/true/yes/on"),
        ("PAPERLAB_PROGRESS", "sometimes", "auto"),
        ("PAPERLAB_DEVICE", "tpu", "'cuda:N'"),
    ],
)
def test_bad_choices_name_the_variable_and_the_accepted_values(name, value, accepts):
    with pytest.raises(SettingError) as err:
        settings({name: value})
    assert name in str(err.value) and accepts in str(err.value) and repr(value) in str(err.value)


@pytest.mark.parametrize(
    "name", ["PAPERLAB_MODE", "PAPERLAB_SMOKE", "PAPERLAB_DEVICE", "PAPERLAB_THREADS", "PAPERLAB_CACHE"]
)
def test_empty_means_unset(name):
    assert settings({name: ""}) == settings({}) == settings({name: "   "})


def test_values_parse():
    s = settings(
        {
            "PAPERLAB_MODE": " FULL ",
            "PAPERLAB_SMOKE": "yes",
            "PAPERLAB_DEVICE": "cuda:1",
            "PAPERLAB_THREADS": "3",
            "PAPERLAB_PROGRESS": "off",
        }
    )
    assert (s.mode, s.smoke, s.device, s.threads, s.progress) == ("full", True, "cuda:1", 3, False)
    assert settings({"PAPERLAB_PROGRESS": "auto"}).progress is None


def test_setup_reports_a_bad_variable_by_name(monkeypatch):
    monkeypatch.setenv("PAPERLAB_THREADS", "abc")
    with pytest.raises(SettingError, match="PAPERLAB_THREADS"):
        paperlab.setup(verbose=False)
    monkeypatch.setenv("PAPERLAB_THREADS", "-1")
    with pytest.raises(SettingError, match="PAPERLAB_THREADS"):
        paperlab.setup(verbose=False)
    monkeypatch.delenv("PAPERLAB_THREADS")
    with pytest.raises(SettingError, match="threads"):
        paperlab.setup(threads=0, verbose=False)
    paperlab.setup(verbose=False)


def test_cache_path_is_absolute_and_made_lazily(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERLAB_CACHE", "rel/cache")
    assert config.cache_dir() == tmp_path / "rel" / "cache"
    cfg = paperlab.setup(mode="full", verbose=False)
    monkeypatch.chdir(tmp_path.parent)  # a later chdir does not move the run's cache
    assert cfg.cache_dir == tmp_path / "rel" / "cache" and not (tmp_path / "rel").exists()
    assert paperlab.current().cache_dir.is_absolute()
    monkeypatch.setenv("PAPERLAB_CACHE", "")  # empty is the default, never "."
    assert config.cache_dir() == config.Path.home() / ".cache" / "paperlab"
    paperlab.setup(verbose=False)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_cache_does_not_fail_setup(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    monkeypatch.setenv("PAPERLAB_CACHE", str(ro / "cache"))
    paperlab.setup(verbose=False)  # fast mode never uses the cache
    paperlab.setup(mode="full", verbose=False)
    paperlab.setup(verbose=False)


def test_unwritable_cache_path_does_not_fail_setup(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PAPERLAB_CACHE", str(blocker / "cache"))  # cannot be created, even by root
    paperlab.setup(verbose=False)
    paperlab.setup(mode="full", verbose=False)
    paperlab.setup(verbose=False)
