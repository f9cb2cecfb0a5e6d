"""A local SMTP sink for the demo: stores every message as a ``.eml`` file the admin lists.

Run: ``python -m hub.web.mailsink PORT FOLDER``.
"""

from __future__ import annotations

import sys
import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

from hub.models import utcnow


class FolderHandler:
    """aiosmtpd handler writing each message to ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        (self.folder / f"{stamp}.eml").write_bytes(envelope.content)
        return "250 Message accepted"


def read_messages(folder: Path, limit: int = 100) -> list[dict[str, str]]:
    """The newest messages in ``folder``: from, to, subject, date, text body."""
    out = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        message = message_from_bytes(path.read_bytes(), policy=default)
        body = message.get_body(preferencelist=("plain", "html"))
        out.append(
            {
                "id": path.stem,
                "from": str(message.get("From", "")),
                "to": str(message.get("To", "")),
                "subject": str(message.get("Subject", "")),
                "date": str(message.get("Date", "")),
                "body": body.get_content() if body is not None else "",
            }
        )
    return out


def main() -> None:  # pragma: no cover - process entry point
    from aiosmtpd.controller import Controller

    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    controller = Controller(FolderHandler(folder), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["FolderHandler", "read_messages"]
