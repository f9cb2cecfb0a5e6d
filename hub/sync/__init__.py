"""The sync engine: moves records from connector plugins into the hub, page by page.

See :func:`run_sync` (a foreground run), :func:`refresh_record`, :func:`reprocess_quarantined` and
:func:`run_progress`; :mod:`hub.jobs` wraps them as RQ jobs and :mod:`hub.queueing` enqueues them.
"""

from __future__ import annotations

from hub.sync.engine import run_sync
from hub.sync.progress import SyncProgress, run_progress
from hub.sync.targeted import refresh_record, reprocess_quarantined

__all__ = ["SyncProgress", "refresh_record", "reprocess_quarantined", "run_progress", "run_sync"]
