"""The RQ worker class of ``hubctl worker``: reminder sends run in the worker process itself.

RQ's default worker forks a child per job and the child exits when the job ends, taking any
open connection with it: every send job would connect to the mail server again. Send jobs are
short and do I/O, so :class:`HubWorker` runs them in its own process, inside
:func:`hub.collections.tasks.kept_sessions`, and the channel's connection stays open for the
next one. Every other job (syncs, refreshes, write-backs) is still forked, as before.

What the in-process send gives up is the fork's isolation: a send job that hangs is stopped by
RQ's job timeout (SIGALRM in this process), and one that kills the process is covered by the
outbox lease like any crashed worker (docs/collections.md, "Outbox and exactly-once").
"""

from __future__ import annotations

from typing import Any

from rq import Queue, Worker
from rq.job import Job
from rq.worker import WorkerStatus

#: Jobs run in the worker process (``module.function`` as RQ records it).
IN_PROCESS_JOBS = frozenset({"hub.collections.tasks.send_reminder"})


class HubWorker(Worker):
    """An RQ :class:`~rq.Worker` that keeps reminder channels' connections open between jobs."""

    in_process_jobs: frozenset[str] = IN_PROCESS_JOBS

    def execute_job(self, job: Job, queue: Queue) -> None:
        if job.func_name not in self.in_process_jobs:
            super().execute_job(job, queue)
            return
        execution = self.prepare_execution(job)
        self.perform_job(job, queue, execution)
        self.set_state(WorkerStatus.IDLE)

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """RQ's work loop, with notifier sessions kept for its whole life and closed at the
        end (a warm shutdown lets the current job finish first)."""
        from hub.collections.tasks import kept_sessions

        with kept_sessions():
            return bool(super().work(*args, **kwargs))


__all__ = ["IN_PROCESS_JOBS", "HubWorker"]
