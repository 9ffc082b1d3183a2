"""Tests for scoring.publish: the output folder appears whole, file by file where no rename exists."""

from components.scoring import publish


def test_publishing_file_by_file_moves_everything_and_writes_success_last(tmp_path):
    staging = tmp_path / ".out.staging-1"
    (staging / "predictions").mkdir(parents=True)
    (staging / "predictions" / "part-00000-of-00001.jsonl").write_text('{"id": "a"}\n')
    (staging / "summary.json").write_text("{}")
    (staging / "_SUCCESS").write_text("")
    publish.publish(str(staging), str(tmp_path / "out"), atomic_rename=False)  # as on an object store
    moved = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert moved == ["_SUCCESS", "predictions/part-00000-of-00001.jsonl", "summary.json"]
    assert not staging.exists()
