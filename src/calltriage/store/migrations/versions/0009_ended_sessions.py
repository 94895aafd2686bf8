"""logout ends one session: the sessions logged out before their cookie expired

Revision ID: 0009_ended_sessions
Revises: 0008_login_throttle
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_ended_sessions"
down_revision = "0008_login_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_sessions",
        sa.Column("sid", sa.String(64), primary_key=True),
        sa.Column("operator_id", sa.Integer, sa.ForeignKey("operators.id"), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ended_sessions_operator_id", "ended_sessions", ["operator_id"])
    op.create_index("ix_ended_sessions_expires_at", "ended_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("ended_sessions")
