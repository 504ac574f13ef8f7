"""The page a channel simulator shows of what it would have sent (``/sim/<channel>/outbox``)."""

from __future__ import annotations

import html

from litestar import Response


def outbox_page(title: str, rows: list[dict], columns: tuple[str, ...]) -> Response:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row.get(c, '')))}</td>" for c in columns) + "</tr>"
        for row in reversed(rows)
    )
    page = (
        f'<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width"><title>{html.escape(title)} (mô phỏng)</title>'
        f"<h1>{html.escape(title)} (mô phỏng): tin đã gửi</h1>"
        f"<table border=1 cellpadding=4><tr>{head}</tr>{body or '<tr><td>Chưa có tin.</td></tr>'}</table></html>"
    )
    return Response(page, media_type="text/html")
