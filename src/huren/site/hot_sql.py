"""Prepared SQL for the hot paths that answer many questions a second (the recognition
question, token authentication): :class:`Joined`, one read of a row and the rows it joins
built into model instances (the ORM's ``select_related`` without compiling a query on every
call), and :class:`Append`, one INSERT of a row into an append-only log.

The SQL is written once from the models' metadata (tables, columns, quoting, the field
converters and value preparation of the database in use), so it follows the models; the
joins are named by the caller, with their conditions in SQL. A joined row that is absent
(LEFT JOIN) gives ``None``; a node with ``attach`` is set as the parent's cached relation,
as ``select_related`` would set it, so reading it costs no query. Tests compare every
instance with what the ORM reads, and every appended row with what ``save()`` writes.

    q = Joined(Study, "s")
    q.join("d", Device, "{d}.{id} = {s}.{device_id}", parent="s", attach="device")
    rows = q.fetch("{s}.{study_instance_uid} = %s", [uid])   # [{"s": Study, "d": Device|None}]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connections

_NAME = re.compile(r"\{(\w+)\}")


@dataclass
class _Node:
    alias: str
    model: type
    on: str | None
    parent: str | None
    attach: str | None
    fields: list = field(default_factory=list)


class Joined:
    def __init__(self, root, alias: str, *, using: str = "default") -> None:
        self.using = using
        self.nodes = [_Node(alias, root, None, None, None, list(root._meta.concrete_fields))]
        self.extra: list[tuple[str, str, object]] = []  # (name, sql, output field or None)
        self._sql: dict[str, str] = {}
        self._converters = None

    def join(self, alias: str, model, on: str, *, parent: str | None = None, attach: str | None = None) -> "Joined":
        """LEFT JOIN ``model`` as ``alias`` on the condition ``on`` (``{alias}`` for a table
        alias, ``{column}`` for a quoted name); ``attach``: the relation of ``parent`` it fills."""
        self.nodes.append(_Node(alias, model, on, parent, attach, list(model._meta.concrete_fields)))
        return self

    def annotate(self, name: str, sql: str, output_field=None) -> "Joined":
        """An extra column (a correlated subquery, say), set on the root instance as ``name``;
        ``output_field`` converts it as the ORM would (a date on SQLite, say)."""
        self.extra.append((name, sql, output_field))
        return self

    def _q(self, text: str) -> str:
        qn = connections[self.using].ops.quote_name
        return _NAME.sub(lambda m: qn(m.group(1)), text)

    def sql(self, where: str, limit: int | None = None) -> str:
        key = f"{where}|{limit}"
        if key not in self._sql:
            qn = connections[self.using].ops.quote_name
            cols = [f"{qn(n.alias)}.{qn(f.column)}" for n in self.nodes for f in n.fields]
            cols += [self._q(sql) for _, sql, _ in self.extra]
            root = self.nodes[0]
            parts = [f"SELECT {', '.join(cols)} FROM {qn(root.model._meta.db_table)} {qn(root.alias)}"]
            for n in self.nodes[1:]:
                parts.append(f"LEFT JOIN {qn(n.model._meta.db_table)} {qn(n.alias)} ON {self._q(n.on)}")
            parts.append(f"WHERE {self._q(where)}")
            if limit is not None:
                parts.append(f"LIMIT {int(limit)}")
            self._sql[key] = " ".join(parts)
        return self._sql[key]

    def _prepare(self, connection):
        if self._converters is None:
            conv = []
            for n in self.nodes:
                for f in n.fields:
                    col = f.get_col(n.alias)
                    conv.append((connection.ops.get_db_converters(col) + col.get_db_converters(connection), col))
            for _, _, out in self.extra:
                if out is None:
                    conv.append(([], None))
                else:
                    from django.db.models.expressions import Value

                    expr = Value(None, output_field=out)
                    conv.append((connection.ops.get_db_converters(expr) + expr.get_db_converters(connection), expr))
            self._converters = conv
        return self._converters

    def fetch(self, where: str, params, *, limit: int | None = None) -> list[dict]:
        """The rows matching ``where``: for each, ``{alias: instance or None}``."""
        connection = connections[self.using]
        rows = _execute(connection, self.sql(where, limit), params)
        conv = self._prepare(connection)
        return [self._build(row, conv, connection) for row in rows]

    def _build(self, row, conv, connection) -> dict:
        values = list(row)
        for i, (fns, expr) in enumerate(conv):
            v = values[i]
            for fn in fns:
                v = fn(v, expr, connection)
            values[i] = v
        out, at = {}, 0
        for n in self.nodes:
            k = len(n.fields)
            vals = values[at:at + k]
            at += k
            pk_index = n.fields.index(n.model._meta.pk)
            out[n.alias] = None if vals[pk_index] is None else n.model.from_db(self.using, None, vals)
        root = out[self.nodes[0].alias]
        for name, _, _ in self.extra:
            setattr(root, name, values[at])
            at += 1
        for n in self.nodes[1:]:
            if n.attach and out.get(n.parent) is not None:
                out[n.parent]._state.fields_cache[n.attach] = out[n.alias]
        return out


class Append:
    """INSERT new rows of ``model`` one at a time, prepared once per connection. No model
    signals are sent: it is for append-only logs that nothing listens to (the recognition
    query log), whose ``save()`` it replaces on the hot path."""

    def __init__(self, model, *, using: str = "default") -> None:
        self.model, self.using = model, using
        pk = model._meta.pk
        self.fields = [f for f in model._meta.concrete_fields if not (f is pk and f.db_returning)]
        self._sql = None

    def sql(self, connection) -> str:
        if self._sql is None:
            qn = connection.ops.quote_name
            cols = ", ".join(qn(f.column) for f in self.fields)
            marks = ", ".join(["%s"] * len(self.fields))
            self._sql = (f"INSERT INTO {qn(self.model._meta.db_table)} ({cols}) VALUES ({marks}) "
                         f"RETURNING {qn(self.model._meta.pk.column)}")
        return self._sql

    def save(self, obj):
        """Write ``obj`` (a new instance) as ``save()`` would, and give it its primary key."""
        connection = connections[self.using]
        values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in self.fields]
        rows = _execute(connection, self.sql(connection), values)
        obj.pk = rows[0][0]
        obj._state.adding, obj._state.db = False, self.using
        return obj


def _execute(connection, sql: str, params) -> list[tuple]:
    """Run one statement (a read, or an INSERT … RETURNING) and give its rows. On PostgreSQL
    with psycopg 3 the statement is prepared once per connection (server-side binding):
    planning the joins costs several times what running them does, and they run the same
    every time. Django's own queries are not prepared (its client-side cursors
    never are). A deployment behind a pooler that cannot keep prepared statements sets
    ``HUREN_DB_PREPARE = False`` (environment ``HUREN_DB_PREPARE=0``)."""
    from django.conf import settings

    if connection.vendor != "postgresql" or not _psycopg3():
        with connection.cursor() as c:
            c.execute(sql, params)
            return c.fetchall()
    import time

    import psycopg

    connection.close_if_health_check_failed()  # as Django's own cursors do (CONN_HEALTH_CHECKS)
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    prepare = bool(getattr(settings, "HUREN_DB_PREPARE", True))
    if prepare and raw.prepare_threshold is None:
        # Django turns psycopg's preparing off; explicit prepare=True needs it on. Only
        # server-side binding cursors (these statements) are ever prepared, and only when asked.
        raw.prepare_threshold = 2**31 - 1
    t0 = time.monotonic()
    with connection.wrap_database_errors:
        connection.validate_no_broken_transaction()
        with psycopg.Cursor(raw) as cur:
            cur.execute(sql, params, prepare=prepare)
            rows = cur.fetchall()
    if connection.queries_logged:  # as Django's debug cursor logs (tests count the queries)
        connection.queries_log.append({"sql": f"{sql} -- {list(params)!r}", "time": f"{time.monotonic() - t0:.3f}"})
    return rows


def _psycopg3() -> bool:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3
