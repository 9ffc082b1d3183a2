"""The serving folder's invariants, over seeded sequences of pushes, deletions by hand, gc and kills.

After every step: at least one loadable version remains (once one was pushed); the served version
(the newest loadable one, which TensorFlow Serving serves) is the one the history says, holding
what was pushed as it; and no version is published twice: a number is never used again, and a
re-push of what the newest version already holds publishes nothing. Everything is real: SavedModels
written by TensorFlow, the run store, gc's plan and its deletions.
"""

import random
import shutil
from pathlib import Path

import pytest

from components.artifacts.serving import TMP_PREFIX, ServingFolder
from pipeline.gc import apply_gc, plan_gc
from pipeline.store import RunStore

STEPS = 40
IDENTITIES = ("model-a", "model-b", "model-c")


class History:
    """What the test did, and so what the folder must hold: live version -> identity pushed as it."""

    def __init__(self, root: Path, build):
        self.root, self.build = root, build
        self.store = RunStore(root)
        self.store.start_run("run", "test", {})
        self.folder = ServingFolder.of(root / "serving", "m")
        self.live: dict[int, str] = {}
        self.published: list[int] = []

    def push(self, identity: str, record: bool = True) -> int:
        """Publishes ``identity`` as the exporter does; ``record=False``: killed before its record."""
        expected_reuse = self.live and self.live[max(self.live)] == identity
        version, path = self.folder.publish(self.build, identity)
        if expected_reuse:
            assert version == max(self.live), "a re-push of the newest version published it again"
        else:
            assert version > max(self.published, default=0), f"version {version} published twice"
            self.published.append(version)
            self.live[version] = identity
        if record:
            execution = self.store.start_execution("run", "exporter", identity, cached=False)
            self.store.add_artifact(execution, "pushed_model", "PushedModel", str(self.root / f"e{execution}"),
                                    "fp", {"pushed": True, "version": version, "path": str(path)})
        return version

    def check(self) -> None:
        """The invariants."""
        assert self.folder.versions() == sorted(self.live)
        if self.published:
            assert self.live, "no loadable version left"
            served = self.folder.newest()
            assert served == max(self.live) and self.folder.identity(served) == self.live[served]


def step(history: History, rng: random.Random) -> str:
    """One random action; returns its name."""
    live, folder = history.live, history.folder
    action = rng.choice(["push", "push", "repush", "delete", "damage", "gc", "kill_building", "kill_after_rename"])
    if action == "push" or not live:
        history.push(rng.choice(IDENTITIES))
        return "push"
    if action == "repush":
        history.push(live[max(live)])
    elif action in ("delete", "damage") and len(live) > 1:  # a rollback by hand leaves something to serve
        version = rng.choice(sorted(live))
        del live[version]
        if action == "delete":
            shutil.rmtree(folder.version_path(version))
        else:  # half deleted: the SavedModel's variables are gone
            shutil.rmtree(folder.version_path(version) / "variables")
    elif action == "gc":
        keep = rng.randint(1, 3)
        apply_gc(plan_gc(history.root, keep_runs=1, keep_versions=keep))
        for version in sorted(live)[:-keep]:
            del live[version]
    elif action == "kill_building":  # what a kill during the SavedModel's write leaves
        partial = folder.model_dir / f"{TMP_PREFIX}killed{rng.randrange(10**6)}"
        history.build(partial)
        shutil.rmtree(partial / "variables")
    elif action == "kill_after_rename":  # renamed into place, the run store never told; then the re-run
        identity = rng.choice(IDENTITIES)
        first = history.push(identity, record=False)
        assert history.push(identity) == first
    return action


@pytest.mark.parametrize("seed", range(5))
def test_any_sequence_of_pushes_deletions_gc_and_kills_keeps_the_invariants(tmp_path, copy_of, seed):
    rng = random.Random(seed)
    history = History(tmp_path / "root", copy_of)
    done = []
    for _ in range(STEPS):
        done.append(step(history, rng))
        history.check()
        assert not any(path.name.isdigit() and not path.is_dir() for path in history.folder.model_dir.iterdir())
    assert {"push", "gc"} <= set(done)  # the sequence did exercise retention


def test_gc_keeps_the_newest_versions_on_disk_not_those_the_store_remembers(tmp_path, copy_of):
    history = History(tmp_path / "root", copy_of)
    history.push("model-a")
    history.push("model-b")
    shutil.rmtree(history.folder.version_path(2))  # a rollback by hand; the run store still records 2
    plan = plan_gc(history.root, keep_runs=1, keep_versions=1)
    assert plan.versions == () and plan.kept_versions == (history.folder.version_path(1),)
    apply_gc(plan)
    assert history.folder.versions() == [1]


def test_gc_never_deletes_the_last_loadable_version_even_if_it_goes_after_the_plan(tmp_path, copy_of):
    history = History(tmp_path / "root", copy_of)
    for identity in IDENTITIES:
        history.push(identity)
    (history.folder.version_path(4)).mkdir()  # newer but not loadable: a copy in progress, left alone
    plan = plan_gc(history.root, keep_runs=1, keep_versions=1)
    assert plan.versions == (history.folder.version_path(1), history.folder.version_path(2))
    shutil.rmtree(history.folder.version_path(3))  # the one kept goes by hand between plan and apply
    apply_gc(plan)
    assert history.folder.versions() == [1, 2] and history.folder.version_path(4).is_dir()
