"""indexes for reports (events by kind/node, by kind/incident; incidents by opening time)

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_kind_node", "events", ["kind", "node", "outcome"])
    op.create_index("ix_events_kind_incident", "events", ["kind", "incident_id", "seq", "at", "level"])
    op.create_index("ix_incidents_opened", "incidents", ["opened_at"])


def downgrade() -> None:
    op.drop_index("ix_incidents_opened", table_name="incidents")
    op.drop_index("ix_events_kind_incident", table_name="events")
    op.drop_index("ix_events_kind_node", table_name="events")
