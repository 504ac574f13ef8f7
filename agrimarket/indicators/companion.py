"""Companion figures from the traceability tables (read-only): growing areas, stamped batches, scans."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from agrimarket.indicators.definition import cutoff
from agrimarket.indicators.queries import AreaFilter, run


async def traceability_counts(area: AreaFilter, day: date, scans_from: date) -> dict[str, int]:
    """Growing areas known at ``day`` (with a code valid then; verified now), batches stamped by then,
    scans from ``scans_from`` to the end of ``day``. Areas and batches belong to the growing area's commune.
    """
    where, params = area.where("ga.commune", "c.province")
    end: datetime = cutoff(day)
    start: datetime = cutoff(scans_from - timedelta(days=1))  # the start of scans_from, in Vietnam
    sql = f"""
SELECT 'areas' AS dim, COUNT(*) AS n FROM growing_area ga JOIN commune c ON c.code = ga.commune
  WHERE {where} AND ga.created_at < :end
UNION ALL SELECT 'areas_coded', COUNT(*) FROM growing_area ga JOIN commune c ON c.code = ga.commune
  WHERE {where} AND ga.created_at < :end AND ga.official_code IS NOT NULL
  AND (ga.valid_from IS NULL OR ga.valid_from <= :day) AND (ga.valid_until IS NULL OR ga.valid_until >= :day)
UNION ALL SELECT 'areas_verified', COUNT(*) FROM growing_area ga JOIN commune c ON c.code = ga.commune
  WHERE {where} AND ga.created_at < :end AND ga.status = 'verified'
UNION ALL SELECT 'stamped_batches', COUNT(DISTINCT b.id) FROM batch b
  JOIN growing_area ga ON ga.id = b.growing_area JOIN commune c ON c.code = ga.commune
  JOIN stamp s ON s.batch = b.id
  WHERE {where} AND s.created_at < :end
UNION ALL SELECT 'scans', COUNT(*) FROM scan sc JOIN stamp s ON s.id = sc.stamp JOIN batch b ON b.id = s.batch
  JOIN growing_area ga ON ga.id = b.growing_area JOIN commune c ON c.code = ga.commune
  WHERE {where} AND sc.scanned_at >= :start AND sc.scanned_at < :end"""  # noqa: S608 - only fixed column names are interpolated
    rows = await run(sql, {**params, "end": end, "start": start, "day": day})
    return {r["dim"]: r["n"] for r in rows}
