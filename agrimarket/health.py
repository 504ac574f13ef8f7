"""Liveness and database reachability."""

from __future__ import annotations

from litestar import Response, get

from agrimarket.tables import Province


@get("/healthz", tags=["ops"])
async def healthz() -> Response[dict]:
    """200 when the database answers, 503 when it does not."""
    try:
        await Province.raw("SELECT 1")
        database = "ok"
    except Exception as exc:  # any driver error means "not reachable" here
        database = f"error: {type(exc).__name__}"
    status = 200 if database == "ok" else 503
    return Response(
        {"status": "ok" if status == 200 else "degraded", "database": database}, status_code=status
    )
