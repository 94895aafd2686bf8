"""login throttle in the database: failed logins and lockouts shared by every serve process

Revision ID: 0008_login_throttle
Revises: 0005_ownership
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_login_throttle"
down_revision = "0005_ownership"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("who", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_failures_who", "login_failures", ["kind", "who", "at"])
    op.create_index("ix_login_failures_at", "login_failures", ["at"])
    op.create_table(
        "login_lockouts",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("who", sa.String(120), primary_key=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_lockouts_at", "login_lockouts", ["at"])


def downgrade() -> None:
    op.drop_table("login_lockouts")
    op.drop_table("login_failures")
