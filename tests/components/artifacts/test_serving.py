"""Tests for the serving folder: versions, the newest one, the lock and atomic publishing."""

import fcntl
import threading

import pytest

from components.artifacts.serving import ServingFolder, version_numbers


def version(folder, number, complete=True):
    """A version folder; a complete one has the files of a loadable SavedModel (their bytes are not read)."""
    path = folder.version_path(number)
    path.mkdir(parents=True)
    if complete:
        (path / "saved_model.pb").write_text("x")
        (path / "variables").mkdir()
        (path / "variables" / "variables.index").write_text("x")
        (path / "variables" / "variables.data-00000-of-00001").write_text("x")
    return path


def test_publish_never_overwrites_and_cleans_up_a_failed_write(tmp_path):
    model_dir = tmp_path / "m"
    folder = ServingFolder(model_dir)

    def good(path):
        path.mkdir()
        (path / "saved_model.pb").write_text("x")

    assert folder.publish(good)[0] == 1
    (model_dir / "1" / "saved_model.pb").write_text("original")
    assert folder.publish(good)[0] == 2
    assert (model_dir / "1" / "saved_model.pb").read_text() == "original"

    def dies_mid_write(path):
        path.mkdir()
        (path / "variables").mkdir()
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        folder.publish(dies_mid_write)
    assert sorted(p.name for p in model_dir.iterdir()) == [".last_version", ".lock", "1", "2"]
    (model_dir / ".tmp-left-by-a-killed-run").mkdir()
    folder.publish(good)
    assert sorted(p.name for p in model_dir.iterdir()) == [".last_version", ".lock", "1", "2", "3"]


def test_publish_numbers_past_an_incomplete_version_and_returns_its_path(tmp_path):
    folder = ServingFolder(tmp_path / "m")
    version(folder, 4, complete=False)  # a version folder someone left half-copied: never reused

    def good(path):
        path.mkdir()
        (path / "saved_model.pb").write_text("new")

    number, path = folder.publish(good)
    assert (number, path) == (5, tmp_path / "m" / "5")
    assert (path / "saved_model.pb").read_text() == "new" and not list((tmp_path / "m" / "4").iterdir())


def test_versions_newest_and_complete(tmp_path):
    folder = ServingFolder.of(tmp_path, "m")
    assert folder.model_dir == tmp_path / "m"
    assert folder.versions() == [] and folder.newest() is None and folder.newest_path() is None  # no folder yet
    version(folder, 2)
    version(folder, 10)
    version(folder, 11, complete=False)
    (folder.model_dir / ".tmp-123").mkdir()
    (folder.model_dir / "notes").mkdir()
    assert folder.versions() == [2, 10]  # numerically, not by name
    assert folder.versions(complete=False) == [2, 10, 11]
    assert folder.newest() == 10 and folder.newest_path() == folder.version_path(10) == tmp_path / "m" / "10"
    assert folder.next_version() == 12


def test_version_numbers_are_the_integer_names():
    assert version_numbers(["3", "10", ".tmp-1", "x2", "1", "3"]) == [1, 3, 10]


def test_the_lock_is_exclusive_and_created_with_the_folder(tmp_path):
    folder = ServingFolder(tmp_path / "new" / "m")
    held, released = threading.Event(), threading.Event()

    def holder():
        with folder.lock():
            held.set()
            released.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    with open(folder.model_dir / ".lock", "w") as handle:
        with pytest.raises(BlockingIOError):
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    released.set()
    thread.join(10)
    with open(folder.model_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again
