"""Versioned mapping documents per connection and object type.

Every save, revert or reset adds a version; the highest version is the one syncs use. A document
is validated before it is stored, so a bad mapping is refused with the JSON path at fault.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from hub.errors import ConfigError
from hub.models import Connection, MappingDocument
from hub.plugins import PluginHost


class MappingService:
    """Read and write mapping documents inside a caller's session (the caller commits)."""

    def __init__(self, session: Session, host: PluginHost) -> None:
        self.session = session
        self.host = host

    def current(self, connection_id: int, object_type: str) -> MappingDocument | None:
        """The newest version for (connection, object type), or ``None``."""
        return self.session.exec(
            select(MappingDocument)
            .where(
                MappingDocument.connection_id == connection_id,
                MappingDocument.object_type == object_type,
            )
            .order_by(MappingDocument.version.desc())  # type: ignore[attr-defined]
            .limit(1)
        ).first()

    def history(self, connection_id: int, object_type: str) -> list[MappingDocument]:
        """Every version, newest first."""
        return list(
            self.session.exec(
                select(MappingDocument)
                .where(
                    MappingDocument.connection_id == connection_id,
                    MappingDocument.object_type == object_type,
                )
                .order_by(MappingDocument.version.desc())  # type: ignore[attr-defined]
            )
        )

    def save(
        self,
        connection_id: int,
        object_type: str,
        document: dict[str, Any],
        *,
        author: str = "",
        comment: str = "",
    ) -> MappingDocument:
        """Validate ``document`` and store it as the new current version."""
        from hub.mapping import validate_mapping_document

        transforms = {name: r.value for name, r in self.host.transforms().items()}
        validate_mapping_document(document, transforms=transforms)
        target = document.get("object")
        if target != object_type:
            raise ConfigError(
                f"this document maps to {target!r}, not {object_type!r}", path="$.object"
            )
        last = self.session.exec(
            select(func.max(MappingDocument.version)).where(
                MappingDocument.connection_id == connection_id,
                MappingDocument.object_type == object_type,
            )
        ).one()
        row = MappingDocument(
            connection_id=connection_id,
            object_type=object_type,
            version=(last or 0) + 1,
            document=copy.deepcopy(document),
            author=author,
            comment=comment,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def revert(
        self, connection_id: int, object_type: str, version: int, *, author: str = ""
    ) -> MappingDocument:
        """Make an old version current again (as a new version)."""
        old = self.session.exec(
            select(MappingDocument).where(
                MappingDocument.connection_id == connection_id,
                MappingDocument.object_type == object_type,
                MappingDocument.version == version,
            )
        ).first()
        if old is None:
            raise ConfigError(f"no version {version} of the {object_type} mapping")
        return self.save(
            connection_id,
            object_type,
            old.document,
            author=author,
            comment=f"revert to version {version}",
        )

    def reset_to_default(
        self, connection: Connection, object_type: str, *, author: str = ""
    ) -> MappingDocument:
        """Make the plugin's default document current again (as a new version)."""
        default = self.host.default_mapping(connection.plugin, object_type)
        if default is None:
            raise ConfigError(
                f"plugin {connection.plugin!r} ships no default {object_type} mapping"
            )
        assert connection.id is not None
        return self.save(
            connection.id,
            object_type,
            default,
            author=author,
            comment="reset to the plugin's default",
        )

    def install_defaults(self, connection: Connection, objects: Sequence[str]) -> None:
        """Store the plugin's default document as version 1 for each object that has one."""
        assert connection.id is not None
        for object_type in objects:
            default = self.host.default_mapping(connection.plugin, object_type)
            if default is not None and self.current(connection.id, object_type) is None:
                self.save(
                    connection.id, object_type, default, author="default", comment="plugin default"
                )


__all__ = ["MappingService"]
