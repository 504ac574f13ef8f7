"""Which queue a sync worker's loop takes from: a due order action before a listing job; while
listing jobs keep it busy, the order-action claim is looked at again only after a short window."""

from __future__ import annotations

from integrations.sync import worker as worker_module


def queues(monkeypatch, worker, actions: list[str], jobs: list[str]) -> list[str]:
    """The two queues as lists (the database's claims are tested with the outboxes); returns what
    the worker did, in order, and counts the order-action claims as "look"."""
    done: list[str] = []

    async def claim_action(lease_s):
        done.append("look")
        return {"id": actions.pop(0)} if actions else None

    async def claim_job(lease_s):
        return {"id": jobs.pop(0)} if jobs else None

    async def run_action(action, adapters, settings):
        done.append(action["id"])

    async def push(job):
        done.append(job["id"])

    monkeypatch.setattr(worker_module.order_actions, "claim", claim_action)
    monkeypatch.setattr(worker_module.outbox, "claim", claim_job)
    monkeypatch.setattr(worker_module.execute, "run_action", run_action)
    monkeypatch.setattr(worker, "_push", push)
    return done


async def test_a_busy_worker_looks_for_order_actions_once_a_window_and_an_idle_one_every_time(
    monkeypatch, worker
):
    actions, jobs = ["confirm-1"], ["job-1", "job-2", "job-3"]
    done = queues(monkeypatch, worker, actions, jobs)
    monkeypatch.setattr(worker_module, "ORDER_ACTIONS_RECHECK_S", 3600.0)
    assert await worker.run_one()  # the action first
    assert await worker.run_one()  # none due now: a job, and no look for a while
    actions.append("confirm-2")
    assert await worker.run_one() and await worker.run_one()  # jobs, without looking
    assert done == ["look", "confirm-1", "look", "job-1", "job-2", "job-3"]
    assert await worker.run_one()  # no job left: the action is claimed at once all the same
    assert await worker.run_one() is False  # idle: both looked at
    assert done[6:] == ["look", "confirm-2", "look"]
    actions.append("confirm-3")
    assert await worker.run_one()  # after an idle turn the window is over
    assert done[9:] == ["look", "confirm-3"]


async def test_the_window_over_a_busy_worker_looks_again(monkeypatch, worker):
    actions, jobs = [], ["job-1", "job-2"]
    done = queues(monkeypatch, worker, actions, jobs)
    monkeypatch.setattr(worker_module, "ORDER_ACTIONS_RECHECK_S", 0.0)
    assert await worker.run_one()
    actions.append("confirm-1")
    assert await worker.run_one()
    assert done == ["look", "job-1", "look", "confirm-1"]
