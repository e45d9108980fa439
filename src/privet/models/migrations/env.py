"""Alembic environment: Privet's models, the URL given by ``privet.kit.db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import privet.models  # noqa: F401 - registers every model
from privet.kit.db import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
connection = config.attributes.get("connection")


def run() -> None:
    if connection is not None:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(str(url))
    with engine.connect() as opened:
        context.configure(connection=opened, target_metadata=Base.metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
