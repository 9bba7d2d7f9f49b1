"""Database-level guard for append-only tables: a trigger refuses UPDATE (SQLite and
PostgreSQL) and DELETE (PostgreSQL) of their rows, so that not even SQL written by hand
through Django changes evidence or a decision. Test databases are emptied by TRUNCATE on
PostgreSQL and by DELETE on SQLite, so SQLite guards updates only.
"""

from __future__ import annotations

MESSAGE = "append-only: record a correction instead"


def _sqlite(table: str) -> tuple[str, str]:
    name = f"{table}_no_update"
    return (f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END;",
            f"DROP TRIGGER IF EXISTS {name};")


def _postgres(table: str) -> tuple[str, str]:
    fn = "huren_append_only"
    create_fn = (f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                 f"BEGIN RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation'; "
                 f"END $$;")
    return (f"{create_fn} DROP TRIGGER IF EXISTS {table}_append_only ON {table}; "
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {fn}();",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")


def guard(*tables: str):
    """A migration operation installing the guard on ``tables`` for the database in use."""
    from django.db import migrations

    def run(which: int):
        def op(apps, schema_editor):
            make = {"sqlite": _sqlite, "postgresql": _postgres}.get(schema_editor.connection.vendor)
            for t in tables if make is not None else ():
                # params=None: the SQL holds a literal '%' that is no placeholder
                schema_editor.execute(make(t)[which], params=None)
        return op

    return migrations.RunPython(run(0), run(1))
