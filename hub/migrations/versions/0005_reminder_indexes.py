"""Index for the planner's "not planned yet" anti-join: the outbox rows of one step.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_reminder_step",
        "reminder",
        ["connection_id", "step_key", "invoice_external_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_reminder_step", table_name="reminder")
