"""procedure family: intake (complaint, Kepner-Tregoe grid) and major incidents

Revision ID: 0006_procedure_family
Revises: 0004_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_procedure_family"
down_revision = "0004_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "major_incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("open_key", sa.String(length=400), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("probe", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.String(length=80), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("finding", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_key"),
    )
    op.create_index("ix_major_incidents_status", "major_incidents", ["status", "id"])
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("complaint", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("intake", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("major_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_incidents_major_id", "major_incidents", ["major_id"], ["id"])
        batch.create_index("ix_incidents_major_id", ["major_id"])


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index("ix_incidents_major_id")
        batch.drop_constraint("fk_incidents_major_id", type_="foreignkey")
        batch.drop_column("major_id")
        batch.drop_column("intake")
        batch.drop_column("complaint")
    op.drop_index("ix_major_incidents_status", table_name="major_incidents")
    op.drop_table("major_incidents")
