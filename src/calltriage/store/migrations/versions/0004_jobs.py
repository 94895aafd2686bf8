"""triage jobs in the database: leases, retries, one active job per incident

Revision ID: 0004_jobs
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_jobs"
down_revision = "0003"
branch_labels = None
depends_on = None

ACTIVE_JOB = "state IN ('queued', 'running')"


def upgrade() -> None:
    op.create_table(
        "triage_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("again", sa.Boolean(), nullable=False),
        sa.Column("probe", sa.String(length=120), nullable=True),
        sa.Column("node", sa.String(length=120), nullable=True),
        sa.Column("instruction", sa.JSON(), nullable=True),
        sa.Column("probed", sa.JSON(), nullable=False),
        sa.Column("waiting_for", sa.String(length=120), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_triage_jobs_active_incident", "triage_jobs", ["incident_id"], unique=True,
                    sqlite_where=sa.text(ACTIVE_JOB), postgresql_where=sa.text(ACTIVE_JOB))
    op.create_index("ix_triage_jobs_incident", "triage_jobs", ["incident_id", "id"])
    op.create_index("ix_triage_jobs_claim", "triage_jobs", ["state", "run_after", "id"])


def downgrade() -> None:
    op.drop_index("ix_triage_jobs_claim", table_name="triage_jobs")
    op.drop_index("ix_triage_jobs_incident", table_name="triage_jobs")
    op.drop_index("ux_triage_jobs_active_incident", table_name="triage_jobs")
    op.drop_table("triage_jobs")
