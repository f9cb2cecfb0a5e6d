"""Imports every module that defines tables, so Alembic and the test fixtures see them all.

A feature that adds tables in its own module adds one import line here.
"""

from __future__ import annotations

import hub.collections.models  # noqa: F401
import hub.models  # noqa: F401
import hub.web.models  # noqa: F401
