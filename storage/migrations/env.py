"""Alembic environment for nianbao's storage.

`storage.session` runs it programmatically and hands over an open connection (config.attributes["connection"]) whose
transaction it owns. From the command line (`alembic -c storage/alembic.ini ...`) it connects to the URL that
`storage.session.resolve_url` gives for `sqlalchemy.url` / $NIANBAO_DB.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from storage.models import Base
from storage.session import resolve_url

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    # batch mode lets later revisions ALTER tables on SQLite too
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=resolve_url(config.get_main_option("sqlalchemy.url")), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
elif (conn := config.attributes.get("connection")) is not None:
    run(conn)
else:
    engine = create_engine(resolve_url(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as conn:
        run(conn)
        conn.commit()
    engine.dispose()
