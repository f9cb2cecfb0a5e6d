"""Starting many sandboxes quickly: generate an account once, then start each over a copy of it.

Generating an account takes far longer than copying its SQLite file, so test suites (ours and
plugin authors') generate one template per session and give every test a private copy.
"""

from __future__ import annotations

import shutil
from itertools import count
from pathlib import Path
from typing import Any

from hub_netsuite.sandbox.api import Sandbox, start_sandbox
from hub_netsuite.sandbox.store import SandboxStore


def generate_template(path: Path, **sizes: Any) -> Path:
    """Generate an account (customers=, invoices=, payments=, seed=) into ``path``; return it."""
    SandboxStore.generate(path, **sizes).close()
    return path


class SandboxCopies:
    """Starts sandboxes over private copies of a template account and stops them all at the end.

    :param template: an account file made by :func:`generate_template`.
    :param folder: where the copies go (a test's temporary folder).
    :param seed: the template's seed, so credentials derived from it match.
    """

    def __init__(self, template: Path, folder: Path, seed: int) -> None:
        self.template = template
        self.folder = folder
        self.seed = seed
        self._names = count()
        self.started: list[Sandbox] = []

    def start(self, **options: Any) -> Sandbox:
        """Copy the template and start a sandbox over the copy (options as for start_sandbox)."""
        path = self.folder / f"sandbox-{next(self._names)}.sqlite3"
        shutil.copyfile(self.template, path)
        options.setdefault("seed", self.seed)
        sandbox = start_sandbox(path, **options).start()
        self.started.append(sandbox)
        return sandbox

    def stop_all(self) -> None:
        """Stop every sandbox this object started."""
        for sandbox in self.started:
            sandbox.stop()
        self.started.clear()


__all__ = ["SandboxCopies", "generate_template"]
