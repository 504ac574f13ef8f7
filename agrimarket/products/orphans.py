"""Photo files of an upload that was not saved are removed, even when the database was down.

Files are written before their rows commit. When the transaction fails, the files must go, but
only those no row references: after a failed COMMIT (the server went away) the rows may have been
saved after all, and a row without its file is worse than an orphan file. So the files go once the
database can say which are unreferenced: at once when it answers, else in the background until it
is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from agrimarket.media.storage import Storage, delete_quietly
from agrimarket.tables import ProductPhoto

log = logging.getLogger(__name__)
GIVE_UP_AFTER_S = 600.0
MAX_WAIT_S = 5.0
_pending: set[asyncio.Task] = set()  # strong references: the loop keeps only weak ones


@contextlib.asynccontextmanager
async def files_undone_on_error(storage: Storage) -> AsyncIterator[list[str]]:
    """Wrap a write transaction; keys appended to the yielded list are removed if it fails."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        if written:
            try:
                await _drop_unreferenced(storage, written)
            except Exception:  # the database is unreachable: what was saved is known once it is back
                task = asyncio.create_task(_drop_when_reachable(storage, list(written)))
                _pending.add(task)
                task.add_done_callback(_pending.discard)
        raise


async def _drop_unreferenced(storage: Storage, keys: list[str]) -> None:
    rows = await ProductPhoto.select(ProductPhoto.image_key, ProductPhoto.thumb_key).where(
        ProductPhoto.image_key.is_in(keys) | ProductPhoto.thumb_key.is_in(keys)
    )
    kept = {key for row in rows for key in (row["image_key"], row["thumb_key"])}
    await delete_quietly(storage, [key for key in keys if key not in kept])


async def _drop_when_reachable(storage: Storage, keys: list[str]) -> None:
    deadline = time.monotonic() + GIVE_UP_AFTER_S
    wait = 0.5
    while True:
        await asyncio.sleep(wait)
        try:
            await _drop_unreferenced(storage, keys)
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                log.warning("media objects %s may be orphans (database unreachable: %r)", keys, exc)
                return
            wait = min(wait * 2, MAX_WAIT_S)
