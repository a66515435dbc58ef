"""Django's PostgreSQL backend with a health check that needs no round trip while idle, and a
registry of the statements prepared on each connection (statements.py).

With ``CONN_HEALTH_CHECKS`` on, Django checks a persistent connection before its first use in
every request (and every Celery task: healthcode/celery.py closes old connections as a request
does) by sending ``SELECT 1`` and waiting for the answer: a round trip before every request's
and every task's first query.

A connection that the server, a pooler or a restart has closed has said so on its socket: the
server sends its FATAL message and closes (FIN), so the socket of an idle connection becomes
readable. An idle connection whose socket has nothing to read cannot have been closed that
way, and a ``SELECT 1`` on it would only confirm it. So the check looks first (``select`` with
a zero timeout, no bytes sent) and asks the server only when the socket has something to say:
then ``SELECT 1`` decides, as in Django (a harmless NOTICE is read and the connection kept; a
closed connection fails it and is replaced before the request uses it).

What neither check catches in time is a peer that vanished without a word (a cable cut, a NAT
entry dropped): ``SELECT 1`` would hang until TCP gives up, just as the request's own query does.
"""

import select

from django.db.backends.postgresql import base

from healthcode.db.postgresql.statements import IDLE, Statements


class DatabaseWrapper(base.DatabaseWrapper):
    statements: Statements | None = None  # this connection's prepared statements (statements.py)

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        self.statements = Statements()  # a new server session has none
        return connection

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status != IDLE:
            return super().is_usable()  # not the idle, drained connection the shortcut is for
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if readable:
            return super().is_usable()
        return True
