"""The counterfeit warning's evidence: what a forger of scans cannot cheaply fake.

A copied label is scanned by many buyers, in many places, over many days. A burst of scans (one
script, one range of addresses, one afternoon) is cheap, so it must not count as that: a stamp
counts its distinct client *networks* (the /24 of an IPv4 address, the /48 of an IPv6 one: one
operator's addresses sit together) and the distinct *days* (Vietnam time) on which a network new
to it appeared. The warning needs both: more networks than ``COUNTERFEIT_DISTINCT_CLIENTS`` and
``COUNTERFEIT_MIN_DAYS`` days. A review by the owner or an officer remembers both counts, and only
what comes after it counts again. The counts are kept by the scan trigger (migration
2026-12-04T18:50:01), so a scan still costs one query.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from agrimarket import clock, events
from agrimarket.events import CounterfeitWarning
from traceability.settings import TraceabilitySettings
from traceability.tables import Stamp

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
IPV4_PREFIX, IPV6_PREFIX = 24, 48


@lru_cache(maxsize=4096)
def network_hash(key: str, address: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of the client's network; a value that is no address, as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        network = address
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
        network = str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    return hmac.new(key.encode(), f"net:{network}".encode(), hashlib.sha256).hexdigest()


def scan_day(moment: datetime) -> int:
    """The Vietnam calendar day of a moment as days since 1970-01-01 (the trigger compares these)."""
    return clock.local_date(moment).toordinal() - EPOCH_ORDINAL


@dataclass(frozen=True)
class Spread:
    """A stamp's evidence with this scan counted, and its baseline at the last review."""

    networks: int
    days: int
    reviewed_networks: int
    reviewed_days: int
    new_network: bool  # this scan's network had not scanned the stamp before
    new_day: bool  # ... and no other new network had appeared today

    def raises(self, settings: TraceabilitySettings) -> bool:
        return (
            self.networks - self.reviewed_networks > settings.counterfeit_distinct_clients
            and self.days - self.reviewed_days >= settings.counterfeit_min_days
        )


@dataclass
class Pending:
    """A stamp's scans not yet written (in one process's buffer), as its counters will see them."""

    scans: int = 0
    networks: set[str] = field(default_factory=set)  # networks new to the stamp
    network_days: set[int] = field(default_factory=set)  # the days those appeared on
    days: int = 0  # scans that brought a new network on a new day

    def add(self, network: str, day: int, new_network: bool, new_day: bool) -> None:
        self.scans += 1
        if new_network:
            self.networks.add(network)
            self.network_days.add(day)
        self.days += new_day

    def merged(self, other: Pending | None) -> Pending:
        """A new Pending (a copy: the buffer's own keeps changing while a scan awaits)."""
        other = other or NOTHING_PENDING
        return Pending(
            self.scans + other.scans,
            self.networks | other.networks,
            self.network_days | other.network_days,
            self.days + other.days,
        )


NOTHING_PENDING = Pending()


def with_this_scan(row: Mapping[str, Any], pending: Pending, network: str, day: int) -> Spread:
    """The stored counts plus the scans still in this process's buffer plus this one.

    ``row`` has the counters and whether this network, and a new network today, appear on the stamp.
    """
    new_network = not row["network_seen"] and network not in pending.networks
    new_day = new_network and not row["day_seen"] and day not in pending.network_days
    return Spread(
        networks=row["networks"] + len(pending.networks) + new_network,
        days=row["days"] + pending.days + new_day,
        reviewed_networks=row["reviewed_networks"],
        reviewed_days=row["reviewed_days"],
        new_network=new_network,
        new_day=new_day,
    )


def warned_condition(settings: TraceabilitySettings) -> str:
    """SQL over ``stamp``: the stamps whose stored evidence raises the warning (batch page, review)."""
    return (
        f"(network_count - reviewed_networks) > {int(settings.counterfeit_distinct_clients)}"
        f" AND (spread_days - reviewed_days) >= {int(settings.counterfeit_min_days)}"
    )


async def warned_among(stamp_ids: list[int], settings: TraceabilitySettings) -> dict[int, tuple[str, int]]:
    """Of ``stamp_ids``, the stamps whose stored evidence raises the warning: id -> (serial, batch)."""
    if not stamp_ids:
        return {}
    marks = ", ".join(["{}"] * len(stamp_ids))
    rows = await Stamp.raw(
        f"SELECT id, serial, batch FROM stamp WHERE id IN ({marks}) AND {warned_condition(settings)}",  # noqa: S608
        *stamp_ids,
    )
    return {row["id"]: (row["serial"], row["batch"]) for row in rows}


async def announce_new_warnings(
    stamp_ids: list[int], before: dict[int, tuple[str, int]], settings: TraceabilitySettings
) -> None:
    """Publish a CounterfeitWarning for each stamp the scans just written made cross the threshold
    (inside their write transaction: a subscriber's outbox row commits with the scans)."""
    for stamp_id, (serial, batch) in (await warned_among(stamp_ids, settings)).items():
        if stamp_id not in before:
            await events.publish(CounterfeitWarning(stamp_id=stamp_id, serial=serial, batch_id=batch))
