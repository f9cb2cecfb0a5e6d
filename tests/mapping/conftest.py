"""Fixtures of the mapping engine tests; document builders live in mapping_helpers.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hub.mapping import DictLookup

# --import-mode=importlib does not put test folders on sys.path; the helpers module needs it.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def currencies() -> DictLookup:
    return DictLookup({"currency": {"1": {"code": "USD"}, "4": {"code": "JPY"}}})
