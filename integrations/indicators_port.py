"""The indicators' read port: SQL fragments over integrations' tables (listing spans, listings,
marketplaces, seller accounts, orders), for ``agrimarket.indicators`` to compose into its queries.

The only integrations module the core's indicators import; it imports nothing, so it makes no
cycle. Portable between SQLite and PostgreSQL. Parameters by name: ``:cutoff`` (the end of the
day asked, in UTC), and for a period ``:start`` (its first moment); see
``agrimarket.indicators.queries.run``. Aliases: span ``s``, marketplace ``m``, listing ``li``,
cooperative product supplier ``ps``, order ``o``; the core's ``household hh``, ``cooperative co``.
"""

from __future__ import annotations

# A live span covering the cutoff (integrations.listings.spans: the listing's last change before it
# was "live"), as two disjoint range scans of the index listing_span_covers, open spans and closed
# ones: one OR of the two defeats PostgreSQL's index-only scan (and costs SQLite a third more).
OPEN, CLOSED = (f"s.live_until {test} AND s.live_from < :cutoff" for test in ("IS NULL", ">= :cutoff"))


def live(area: str) -> str:
    """Listings live at the cutoff in ``area`` (a test on the span ``s``'s copied ``province`` and
    ``commune``, an index range on province, or ``1 = 1``): a CTE named ``live`` of rows
    (marketplace id, product, cooperative)."""
    select = f"SELECT s.marketplace, s.product, s.cooperative FROM listing_span s WHERE {area} AND"  # noqa: S608
    return f"""
live AS (
  {select} {OPEN}
  UNION ALL
  {select} {CLOSED}
)"""


# A live span overlapping the period: displayed at some moment in it.
OVERLAPS = "s.live_from < :cutoff AND (s.live_until IS NULL OR s.live_until > :start)"
# An order counted as a transaction: placed in the period and not cancelled.
ORDERED = "o.status <> 'cancelled' AND o.placed_at >= :start AND o.placed_at < :cutoff"

# Households with an order counted as a transaction in the period (a cooperative's order counts
# for the suppliers of its products then).
TRANSACTING = f"""
  SELECT o.household FROM marketplace_order o WHERE o.household IS NOT NULL AND {ORDERED}
  UNION
  SELECT ps.household FROM marketplace_order o
    JOIN order_item oi ON oi."order" = o.id
    JOIN product_supplier ps ON ps.product = oi.product
  WHERE o.cooperative IS NOT NULL AND {ORDERED}
    AND ps.added_at <= o.placed_at AND (ps.removed_at IS NULL OR ps.removed_at > o.placed_at)"""  # noqa: S608


def displayed_own(area: str) -> str:
    """Rows (household, commune) of the households with an own listing live at some moment of the
    period, in ``area`` (see ``live``): open spans and closed ones, two index ranges; the
    commune is the span's copy of its household's."""
    own = f"SELECT s.household, s.commune FROM listing_span s WHERE s.household IS NOT NULL AND {area} AND"  # noqa: S608
    return f"""
  {own} s.live_until IS NULL AND s.live_from < :cutoff
  UNION
  {own} s.live_until > :start AND s.live_from < :cutoff"""


# Households supplying a cooperative product whose listing was live at some moment of the period.
DISPLAYED_AS_SUPPLIER = f"""
  SELECT ps.household FROM product_supplier ps
    JOIN listing li ON li.product = ps.product
    JOIN listing_span s ON s.listing = li.id
  WHERE {OVERLAPS} AND ps.added_at < :cutoff AND (ps.removed_at IS NULL OR ps.removed_at > :start)"""  # noqa: S608

# Households with a seller account connected before the end of the period.
CONNECTED = """
  SELECT a.owner_household AS household FROM marketplace_account a
  WHERE a.owner_household IS NOT NULL AND a.created_at < :cutoff"""


def transactions_by_market(area_where: str) -> str:
    """Rows (key, n, value): orders counted as transactions per marketplace code, and their value,
    for the orders whose household ``hh`` or cooperative ``co`` passes ``area_where``."""
    return f"""SELECT m.code AS key, COUNT(*) AS n,
  SUM(CASE WHEN o.status = 'returned' THEN 0 ELSE o.amount_vnd END) AS value
FROM marketplace_order o JOIN marketplace m ON m.id = o.marketplace
  LEFT JOIN household hh ON hh.id = o.household
  LEFT JOIN cooperative co ON co.id = o.cooperative
WHERE {ORDERED} AND {area_where}
GROUP BY m.code"""  # noqa: S608 - fixed SQL fragments only


def synced_day_ranges(day_of: str, households: str, listings: str = "{} IS NOT NULL") -> str:
    """Rows (household, market, source 'synced', from_day, to_day) of the summary
    (``agrimarket.indicators.summary``): each live span as the half-open range of days at whose end it
    is live, for its own household and for each supplier of its cooperative product (the span cut to
    the supply's own range). ``day_of`` formats a timestamp as its Vietnam day (``{}`` the column);
    ``households`` tests a household column (``{}``), e.g. ``{} IN (1, 2)``, and ``listings`` a
    listing id column, e.g. ``{} = 7`` (default: every listing). Ranges may be empty
    (from_day >= to_day): the caller drops them.

    Live at the end of day D is ``live_from < cutoff(D) <= live_until``, that is
    ``day(live_from) <= D < day(live_until)``; a supply the same with added_at and removed_at.
    """
    own_from, own_to = day_of.format("s.live_from"), day_of.format("s.live_until")
    ps_from, ps_to = day_of.format("ps.added_at"), day_of.format("ps.removed_at")
    return f"""SELECT s.household, m.code AS market, 'synced' AS source, {own_from} AS from_day, {own_to} AS to_day
  FROM listing_span s JOIN marketplace m ON m.id = s.marketplace
  WHERE s.household IS NOT NULL AND {households.format("s.household")} AND {listings.format("s.listing")}
  UNION ALL
  SELECT ps.household, m.code, 'synced',
    CASE WHEN {own_from} > {ps_from} THEN {own_from} ELSE {ps_from} END,
    CASE WHEN {own_to} IS NULL THEN {ps_to} WHEN {ps_to} IS NULL OR {own_to} < {ps_to} THEN {own_to}
      ELSE {ps_to} END
  FROM product_supplier ps JOIN listing li ON li.product = ps.product
    JOIN listing_span s ON s.listing = li.id JOIN marketplace m ON m.id = s.marketplace
  WHERE {households.format("ps.household")} AND {listings.format("li.id")}"""  # noqa: S608 - fixed SQL fragments only


# The households whose summary a listing's history touches: its own, and every supplier its
# product ever had (a back-dated row can fall in a past supply). ``:listing`` is the listing's id.
LISTING_HOUSEHOLDS = """
  SELECT li.household FROM listing li WHERE li.id = :listing AND li.household IS NOT NULL
  UNION
  SELECT ps.household FROM product_supplier ps JOIN listing li ON li.product = ps.product
  WHERE li.id = :listing"""
