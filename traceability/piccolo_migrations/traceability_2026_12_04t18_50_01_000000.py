from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

from traceability.piccolo_migrations.traceability_2026_11_23t20_14_57_000000 import (
    POSTGRES_FUNCTION as OLD_POSTGRES_FUNCTION,
)
from traceability.piccolo_migrations.traceability_2026_11_23t20_14_57_000000 import (
    SQLITE_TRIGGER as OLD_SQLITE_TRIGGER,
)

ID = "2026-12-04T18:50:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "The scan trigger also keeps each stamp's networks and spread days; earlier scans filled in"

# A scan's network is new to its stamp when the INSERT OR IGNORE below wrote its stamp_network row
# (first_scan = this scan); the day counts when no other network of the stamp first appeared on it.
SQLITE_TRIGGER = """
CREATE TRIGGER scan_counts AFTER INSERT ON scan
BEGIN
  INSERT OR IGNORE INTO stamp_network (stamp, network_hash, first_day, first_scan)
    VALUES (NEW.stamp, NEW.network_hash, NEW.day, NEW.id);
  UPDATE stamp SET scan_count = scan_count + 1,
    client_count = client_count + NOT EXISTS (
      SELECT 1 FROM scan o WHERE o.stamp = NEW.stamp AND o.client_hash = NEW.client_hash AND o.id < NEW.id),
    network_count = network_count + EXISTS (
      SELECT 1 FROM stamp_network n WHERE n.stamp = NEW.stamp AND n.network_hash = NEW.network_hash
        AND n.first_scan = NEW.id),
    spread_days = spread_days + (
      EXISTS (SELECT 1 FROM stamp_network n WHERE n.stamp = NEW.stamp AND n.network_hash = NEW.network_hash
        AND n.first_scan = NEW.id)
      AND NOT EXISTS (SELECT 1 FROM stamp_network n WHERE n.stamp = NEW.stamp AND n.first_day = NEW.day
        AND n.first_scan <> NEW.id))
  WHERE id = NEW.stamp;
END
"""

# PostgreSQL: as before one statement-level trigger per INSERT/COPY, stamps locked in id order first.
# The networks this statement brings are inserted in a CTE; the other CTEs read the snapshot from
# before it, so a first day counts when no earlier network of the stamp first appeared on it.
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION scan_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM stamp WHERE id IN (SELECT stamp FROM new_scans) ORDER BY id FOR NO KEY UPDATE;
  WITH added AS (
    INSERT INTO stamp_network (stamp, network_hash, first_day, first_scan)
    SELECT DISTINCT ON (stamp, network_hash) stamp, network_hash, day, id
    FROM new_scans ORDER BY stamp, network_hash, id
    ON CONFLICT (stamp, network_hash) DO NOTHING
    RETURNING stamp, first_day
  ), nets AS (
    SELECT a.stamp, COUNT(*) AS networks,
      COUNT(DISTINCT a.first_day) FILTER (WHERE NOT EXISTS (
        SELECT 1 FROM stamp_network o WHERE o.stamp = a.stamp AND o.first_day = a.first_day
      )) AS days
    FROM added a GROUP BY a.stamp
  ), counts AS (
    SELECT g.stamp, SUM(g.scans) AS scans,
      COUNT(*) FILTER (WHERE NOT EXISTS (
        SELECT 1 FROM scan o WHERE o.stamp = g.stamp AND o.client_hash = g.client_hash AND o.id <> ALL (g.ids)
      )) AS clients
    FROM (
      SELECT stamp, client_hash, COUNT(*) AS scans, array_agg(id) AS ids
      FROM new_scans GROUP BY stamp, client_hash
    ) g GROUP BY g.stamp
  )
  UPDATE stamp s SET scan_count = s.scan_count + c.scans, client_count = s.client_count + c.clients,
    network_count = s.network_count + COALESCE(n.networks, 0),
    spread_days = s.spread_days + COALESCE(n.days, 0)
  FROM counts c LEFT JOIN nets n ON n.stamp = c.stamp
  WHERE s.id = c.stamp;
  RETURN NULL;
END $$
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER scan_counts AFTER INSERT ON scan REFERENCING NEW TABLE AS new_scans
FOR EACH STATEMENT EXECUTE FUNCTION scan_counts()
"""
# Earlier scans kept no address: each earlier client counts as a network of its own (a warning
# they raised stays raised), on the Vietnam day (UTC+7) of its scan (SQLite reads times to the
# millisecond: a scan in the last millisecond of a day may land on the next).
DAY_SQL = {
    "postgres": "FLOOR((EXTRACT(EPOCH FROM scanned_at) + 25200) / 86400)::integer",
    "sqlite": "(CAST(strftime('%s', scanned_at) AS INTEGER) + 25200) / 86400",
}
BACKFILL = [
    "UPDATE scan SET network_hash = client_hash, day = {day}",
    """INSERT INTO stamp_network (stamp, network_hash, first_day, first_scan)
       SELECT s.stamp, s.network_hash, s.day, s.id FROM scan s
       WHERE s.id = (SELECT MIN(o.id) FROM scan o WHERE o.stamp = s.stamp AND o.network_hash = s.network_hash)""",
    """UPDATE stamp SET
         network_count = (SELECT COUNT(*) FROM stamp_network n WHERE n.stamp = stamp.id),
         spread_days = (SELECT COUNT(DISTINCT first_day) FROM stamp_network n WHERE n.stamp = stamp.id)
       WHERE id IN (SELECT stamp FROM stamp_network)""",
]


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="traceability", description=DESCRIPTION)

    async def run():
        postgres = RawTable._meta.db.engine_type == "postgres"
        # Piccolo has no composite indexes: the trigger's and the scan page's probes need these.
        await RawTable.raw("CREATE UNIQUE INDEX stamp_network_key ON stamp_network (stamp, network_hash)")
        await RawTable.raw("CREATE INDEX stamp_network_day ON stamp_network (stamp, first_day)")
        if postgres:
            await RawTable.raw(POSTGRES_FUNCTION)
        else:
            await RawTable.raw("DROP TRIGGER IF EXISTS scan_counts")
            await RawTable.raw(SQLITE_TRIGGER)
        for statement in BACKFILL:
            await RawTable.raw(statement.format(day=DAY_SQL["postgres" if postgres else "sqlite"]))

    async def run_backwards():
        if RawTable._meta.db.engine_type == "postgres":
            await RawTable.raw(OLD_POSTGRES_FUNCTION)
        else:
            await RawTable.raw("DROP TRIGGER IF EXISTS scan_counts")
            await RawTable.raw(OLD_SQLITE_TRIGGER)
        await RawTable.raw("DROP INDEX IF EXISTS stamp_network_day")
        await RawTable.raw("DROP INDEX IF EXISTS stamp_network_key")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
