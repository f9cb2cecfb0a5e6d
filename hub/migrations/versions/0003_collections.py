"""Collections engine: channels, reminder policies, the reminder outbox, consent, holds, timeline.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Plain SQLAlchemy types on purpose: a migration must not change when the models do.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("plugin", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("config", JSON_TYPE, nullable=False),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_channel_name"), "channel", ["name"], unique=True)
    op.create_table(
        "consent_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=50), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("contact_external_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_consent_address", "consent_event", ["address", "channel", "id"], unique=False
    )
    op.create_table(
        "reminder_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("steps", JSON_TYPE, nullable=False),
        sa.Column("settings", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_reminder_policy_name"), "reminder_policy", ["name"], unique=True)
    op.create_table(
        "collections_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connection.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_hold_target",
        "collections_hold",
        ["connection_id", "scope", "external_id", "status"],
        unique=False,
    )
    op.create_table(
        "policy_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("customer_external_id", sa.String(length=100), nullable=True),
        sa.Column("segment", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connection.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["policy_id"], ["reminder_policy.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("connection_id", "customer_external_id", "segment"),
    )
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("invoice_external_id", sa.String(length=100), nullable=False),
        sa.Column("customer_external_id", sa.String(length=100), nullable=True),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("step_key", sa.String(length=50), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("channel_name", sa.String(length=100), nullable=True),
        sa.Column("recipient", sa.String(length=300), nullable=False),
        sa.Column("recipient_role", sa.String(length=50), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=50), nullable=True),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("amount_due", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("provider_id", sa.String(length=300), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connection.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["policy_id"], ["reminder_policy.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "connection_id",
            "invoice_external_id",
            "step_key",
            "channel",
            "recipient",
            name="uq_reminder_once",
        ),
    )
    op.create_index(
        "ix_reminder_customer", "reminder", ["connection_id", "customer_external_id"], unique=False
    )
    op.create_index("ix_reminder_due", "reminder", ["status", "scheduled_for"], unique=False)
    op.create_index("ix_reminder_message", "reminder", ["message_key"], unique=False)
    op.create_table(
        "timeline_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("customer_external_id", sa.String(length=100), nullable=True),
        sa.Column("invoice_external_id", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("data", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connection.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_timeline_customer",
        "timeline_event",
        ["connection_id", "customer_external_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_timeline_customer", table_name="timeline_event")
    op.drop_table("timeline_event")
    op.drop_index("ix_reminder_message", table_name="reminder")
    op.drop_index("ix_reminder_due", table_name="reminder")
    op.drop_index("ix_reminder_customer", table_name="reminder")
    op.drop_table("reminder")
    op.drop_table("policy_assignment")
    op.drop_index("ix_hold_target", table_name="collections_hold")
    op.drop_table("collections_hold")
    op.drop_index(op.f("ix_reminder_policy_name"), table_name="reminder_policy")
    op.drop_table("reminder_policy")
    op.drop_index("ix_consent_address", table_name="consent_event")
    op.drop_table("consent_event")
    op.drop_index(op.f("ix_channel_name"), table_name="channel")
    op.drop_table("channel")
