"""financing: bank authorisations for credit reports (融资信用查询)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "financing_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_by_principal", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=120), nullable=True),
        sa.CheckConstraint("valid_until >= valid_from", name=op.f("ck_financing_grants_period_order")),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_financing_grants_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financing_grants")),
    )
    with op.batch_alter_table("financing_grants", schema=None) as batch_op:
        batch_op.create_index("ix_financing_grants_bank", ["bank", "valid_until"], unique=False)
        batch_op.create_index("ix_financing_grants_subject", ["subject_id", "bank"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("financing_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_financing_grants_subject")
        batch_op.drop_index("ix_financing_grants_bank")
    op.drop_table("financing_grants")
