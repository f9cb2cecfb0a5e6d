"""Canonical schemas: valid Draft 2020-12, fields of DESIGN.md section 4, shipped in the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from hub.jsonschemas import load_schema, schema_names
from hub.mapping import canonical_fields, required_fields

DESIGN_FIELDS = {
    "customer": {
        "external_id",
        "name",
        "email",
        "phone",
        "currency",
        "payment_terms",
        "credit_limit",
        "is_active",
        "custom_fields",
    },
    "contact": {
        "external_id",
        "customer_external_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "title",
        "is_primary",
    },
    "invoice": {
        "external_id",
        "number",
        "customer_external_id",
        "issue_date",
        "due_date",
        "currency",
        "exchange_rate",
        "total",
        "amount_due",
        "status",
        "lines",
        "custom_fields",
    },
    "payment": {
        "external_id",
        "number",
        "customer_external_id",
        "date",
        "amount",
        "currency",
        "method",
        "applications",
        "unapplied_amount",
    },
}
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["customer", "contact", "invoice", "payment", "mapping"])
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert name in schema_names()


@pytest.mark.parametrize("object_type", sorted(DESIGN_FIELDS))
def test_required_fields_are_exactly_design_section_4(object_type: str) -> None:
    assert required_fields(object_type) == DESIGN_FIELDS[object_type]
    fields = canonical_fields(object_type)
    assert all(fields[name].type for name in DESIGN_FIELDS[object_type])
    assert load_schema(object_type).get("additionalProperties", True) is True  # extras welcome


def test_invoice_status_enum_and_derived_days_overdue() -> None:
    fields = canonical_fields("invoice")
    assert fields["status"].enum == ("pending_approval", "open", "partially_paid", "paid", "void")
    assert fields["days_overdue"].type is None


def test_schemas_load_from_an_installed_wheel(tmp_path: Path) -> None:
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            str(ROOT),
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("collections_hub-*.whl"))
    probe = textwrap.dedent(
        """
        import hub, hub.jsonschemas as s
        from hub.mapping import canonical_validator
        assert ".whl" in hub.__file__, hub.__file__
        assert s.load_schema("invoice")["title"] == "Canonical invoice"
        assert {"customer", "contact", "invoice", "payment", "mapping"} <= set(s.schema_names())
        assert canonical_validator("payment")({})  # compiled from the wheel's schema
        print("ok")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(wheel)}
    run = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"
