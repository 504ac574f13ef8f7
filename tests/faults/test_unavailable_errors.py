"""Which errors mean "the database is unreachable right now" (503, retry) and which are bugs (500)."""

from __future__ import annotations

import errno
import socket

import asyncpg
import pytest

from agrimarket.web.errors import is_unavailable


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed ('127.0.0.1', 5432)"),
        ConnectionResetError(errno.ECONNRESET, "reset by peer"),
        OSError("Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432, 0, 0), [Errno 99] ..."),
        OSError(errno.EHOSTUNREACH, "No route to host"),
        TimeoutError(),
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.InvalidCatalogNameError('database "agm" does not exist'),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
        asyncpg.InterfaceError(
            "cannot call Connection.fetch(): connection has been released back to the pool"
        ),
        asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
    ],
)
def test_connection_errors_are_unavailable(exc):
    assert is_unavailable(exc)


@pytest.mark.parametrize(
    "exc",
    [
        FileNotFoundError(errno.ENOENT, "No such file or directory"),
        PermissionError(errno.EACCES, "Permission denied"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.UndefinedTableError('relation "product" does not exist'),
        ValueError("a bug"),
    ],
)
def test_other_errors_stay_errors(exc):
    assert not is_unavailable(exc)
