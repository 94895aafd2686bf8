"""ownership: the "mine" queue reads incidents by owner

Revision ID: 0005_ownership
Revises: 0007_webhook_secrets
"""

from alembic import op

revision = "0005_ownership"
down_revision = "0007_webhook_secrets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incidents_assignee", "incidents", ["assignee", "status"])


def downgrade() -> None:
    op.drop_index("ix_incidents_assignee", table_name="incidents")
