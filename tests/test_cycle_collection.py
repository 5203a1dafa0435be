"""Bulk work holds Python's cycle collector back and always hands it back (decision 0166)."""

import gc

import pytest

from awards_portal.cycle_collection import cycle_collection_deferred


def test_the_collector_is_back_on_after_the_block_even_when_it_raises():
    with pytest.raises(ValueError), cycle_collection_deferred():
        assert not gc.isenabled()
        raise ValueError("a refused file")
    assert gc.isenabled()


def test_a_nested_block_leaves_the_collector_off_until_the_outer_block_ends():
    with cycle_collection_deferred():
        with cycle_collection_deferred():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_cycles_made_in_the_block_are_freed_at_its_end():
    import weakref

    class Node:
        pass

    with cycle_collection_deferred():
        node = Node()
        node.self = node  # type: ignore[attr-defined]
        watcher = weakref.ref(node)
        del node
        assert watcher() is not None  # a cycle: reference counting alone cannot free it
    assert watcher() is None


@pytest.mark.django_db
def test_validating_an_import_and_building_a_batch_run_with_the_collector_held_back(
    monkeypatch,
):
    from lrs_sync import achievement_batches
    from registrations.imports import jobs

    seen: list[bool] = []

    def validate_watching(job_id):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        raise jobs.ImportJob.DoesNotExist

    def candidates_watching(**kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return []

    monkeypatch.setattr(jobs, "_validate", validate_watching)
    monkeypatch.setattr(achievement_batches, "candidates_lock", candidates_watching)
    with pytest.raises(jobs.ImportJob.DoesNotExist):
        jobs.registration_import_validate(job_id=0)
    achievement_batches.achievement_batches_build(submission_type="Final", acting_user=None)

    assert seen == [False, False]
    assert gc.isenabled()
