"""Traceability's part of the retention job (``agrimarket.privacy.retention``, wired by
``traceability.plugin.connect``): a scan older than the period forgets who made it.

The scan itself stays (its stamp, time, day and device), so the indicators' scan counts and the
stamp's history are unchanged; its keyed hashes of the client's address and network are blanked.
The networks a stamp was seen from (``stamp_network``, one keyed hash of a /24 or /48 each, the
counterfeit evidence) are kept: they name no one. A client that scans the stamp again after the
period is counted as a new client, as it cannot be told from one.
"""

from __future__ import annotations

from agrimarket.privacy.periods import RetentionRun
from agrimarket.privacy.retention import in_batches
from traceability.tables import Scan


async def forget_scan_addresses(run: RetentionRun) -> int:
    return await in_batches(
        Scan,
        "UPDATE scan SET client_hash = '', network_hash = '' WHERE id IN (SELECT id FROM scan "
        "WHERE scanned_at < {} AND (client_hash <> '' OR network_hash <> '') LIMIT {}) RETURNING id",
        run.cutoff(run.periods.scan_address_days),
    )
