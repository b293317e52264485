"""exchange: import runs, external entries, bid submissions, early warnings, webhooks and outbox

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=False),
        sa.Column("run_by", sa.String(length=100), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "rows",
                "matched",
                "created",
                "subjects_created",
                "duplicate",
                "retired",
                "skipped",
                "rejected",
            )
        ),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.create_index("ix_import_runs_source", ["source", "started_at"], unique=False)

    op.create_table(
        "external_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=60), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("authority", sa.String(length=200), nullable=True),
        sa.Column("document_no", sa.String(length=100), nullable=True),
        sa.Column("publicity_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("retired_at", TS, nullable=True),
        sa.Column("retire_reason", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_external_entries_import_run_id_import_runs")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_records.id"], name=op.f("fk_external_entries_record_id_credit_records")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_external_entries_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_entries")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_external_entries_source_source_id")),
    )
    with op.batch_alter_table("external_entries", schema=None) as batch_op:
        batch_op.create_index("ix_external_entries_publicity", ["status", "publicity_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_external_entries_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_external_entries_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "bid_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("project_code", sa.String(length=100), nullable=False),
        sa.Column("project_name", sa.String(length=300), nullable=True),
        sa.Column("bidder_id", sa.Integer(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("file_hash", sa.String(length=128), nullable=True),
        sa.Column("machine_fingerprint", sa.String(length=128), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("contact_phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("contact_phone_index", sa.String(length=64), nullable=True),
        sa.Column("contact_phone_masked", sa.String(length=32), nullable=True),
        sa.Column("contact_email_enc", sa.LargeBinary(), nullable=True),
        sa.Column("contact_email_index", sa.String(length=64), nullable=True),
        sa.Column("contact_email_masked", sa.String(length=120), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["bidder_id"], ["subjects.id"], name=op.f("fk_bid_submissions_bidder_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_bid_submissions_import_run_id_import_runs")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_bid_submissions_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_submissions")),
        sa.UniqueConstraint(
            "platform_id",
            "project_code",
            "bidder_id",
            name=op.f("uq_bid_submissions_platform_id_project_code_bidder_id"),
        ),
    )
    with op.batch_alter_table("bid_submissions", schema=None) as batch_op:
        batch_op.create_index("ix_bid_submissions_bidder", ["bidder_id"], unique=False)

    op.create_table(
        "early_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("project_code", sa.String(length=100), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_early_warnings_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_warnings")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_early_warnings_fingerprint")),
    )
    with op.batch_alter_table("early_warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_early_warnings_project_code"), ["project_code"], unique=False)
        batch_op.create_index("ix_early_warnings_status", ["status", "rule", "raised_at"], unique=False)

    op.create_table(
        "early_warning_subjects",
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_early_warning_subjects_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["early_warnings.id"],
            name=op.f("fk_early_warning_subjects_warning_id_early_warnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("warning_id", "subject_id", name=op.f("pk_early_warning_subjects")),
    )
    with op.batch_alter_table("early_warning_subjects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_early_warning_subjects_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("public_only", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
        sa.UniqueConstraint("name", name=op.f("uq_webhook_subscriptions_name")),
    )
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_outbox_subscription_id_webhook_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_outbox")),
    )
    with op.batch_alter_table("webhook_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_outbox_event_id"), ["event_id"], unique=False)
        batch_op.create_index("ix_webhook_outbox_subscription", ["subscription_id", "status"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", TS, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["webhook_outbox.id"], name=op.f("fk_webhook_deliveries_outbox_id_webhook_outbox")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_outbox_id"), ["outbox_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade() -> None:
    for table, indexes in (
        ("webhook_deliveries", ["ix_webhook_deliveries_subscription_id", "ix_webhook_deliveries_outbox_id"]),
        (
            "webhook_outbox",
            ["ix_webhook_outbox_subscription", "ix_webhook_outbox_event_id", "ix_webhook_outbox_due"],
        ),
        ("webhook_subscriptions", []),
        ("early_warning_subjects", ["ix_early_warning_subjects_subject_id"]),
        ("early_warnings", ["ix_early_warnings_status", "ix_early_warnings_project_code"]),
        ("bid_submissions", ["ix_bid_submissions_bidder"]),
        (
            "external_entries",
            [
                "ix_external_entries_subject_id",
                "ix_external_entries_record_id",
                "ix_external_entries_publicity",
            ],
        ),
        ("import_runs", ["ix_import_runs_source"]),
    ):
        if indexes:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for name in indexes:
                    batch_op.drop_index(name)
        op.drop_table(table)
