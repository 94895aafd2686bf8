"""webhook deliveries keep a key of their URL, not the URL (chat webhook URLs carry their secret);
API tokens may expire

Revision ID: 0007_webhook_secrets
Revises: 0004_jobs
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0007_webhook_secrets"
down_revision = "0006_procedure_family"
branch_labels = None
depends_on = None


def _key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def _shown(url: str) -> str:
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    first, _, more = path.strip("/").partition("/")
    return f"{scheme}://{host.rpartition('@')[2]}/{first}{'/…' if more else ''}"


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("url_key", sa.String(16), nullable=False, server_default=""))
    table = sa.table("webhook_deliveries", sa.column("id", sa.Integer), sa.column("url", sa.String),
                     sa.column("url_key", sa.String))
    conn = op.get_bind()
    for row in conn.execute(sa.select(table.c.id, table.c.url)).all():
        conn.execute(table.update().where(table.c.id == row.id).values(url=_shown(row.url), url_key=_key(row.url)))
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint("uq_webhook_event_url", type_="unique")
        batch.create_unique_constraint("uq_webhook_event_url", ["event_id", "url_key"])
        batch.alter_column("url_key", server_default=None)
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("api_tokens", "expires_at")
    # The full URLs are gone from the table; pending deliveries keep the shortened form.
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint("uq_webhook_event_url", type_="unique")
        batch.create_unique_constraint("uq_webhook_event_url", ["event_id", "url"])
        batch.drop_column("url_key")
