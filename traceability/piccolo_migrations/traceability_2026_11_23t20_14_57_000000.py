from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T20:14:57:000000"
VERSION = "1.38.0"
DESCRIPTION = "A trigger keeps each stamp's scan counters; the counts of earlier scans are filled in"

# A scan counts a new client when no earlier scan (lower id) of the stamp has its hash: in a
# multi-row INSERT the later rows of the same client then count once, on both engines.
SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS scan_counts AFTER INSERT ON scan
BEGIN
  UPDATE stamp SET scan_count = scan_count + 1,
    client_count = client_count + NOT EXISTS (
      SELECT 1 FROM scan o WHERE o.stamp = NEW.stamp AND o.client_hash = NEW.client_hash AND o.id < NEW.id)
  WHERE id = NEW.stamp;
END
"""

# PostgreSQL: one statement-level trigger per INSERT (a flush writes up to 200 scans at once). The
# stamps are locked in id order first, so two processes flushing at once cannot deadlock (NO KEY
# UPDATE: compatible with the key-share locks the foreign keys of the new scans hold), and the
# second one's UPDATE, with a snapshot taken after the first committed, sees the first one's scans:
# a client is new when no scan outside this INSERT has it (ids may interleave between the two).
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION scan_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM stamp WHERE id IN (SELECT stamp FROM new_scans) ORDER BY id FOR NO KEY UPDATE;
  UPDATE stamp s SET scan_count = s.scan_count + c.scans, client_count = s.client_count + c.clients
  FROM (
    SELECT g.stamp, SUM(g.scans) AS scans,
      COUNT(*) FILTER (WHERE NOT EXISTS (
        SELECT 1 FROM scan o WHERE o.stamp = g.stamp AND o.client_hash = g.client_hash AND o.id <> ALL (g.ids)
      )) AS clients
    FROM (
      SELECT stamp, client_hash, COUNT(*) AS scans, array_agg(id) AS ids
      FROM new_scans GROUP BY stamp, client_hash
    ) g GROUP BY g.stamp
  ) c
  WHERE s.id = c.stamp;
  RETURN NULL;
END $$
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER scan_counts AFTER INSERT ON scan REFERENCING NEW TABLE AS new_scans
FOR EACH STATEMENT EXECUTE FUNCTION scan_counts()
"""

BACKFILL = """
UPDATE stamp SET
  scan_count = (SELECT COUNT(*) FROM scan WHERE scan.stamp = stamp.id),
  client_count = (SELECT COUNT(DISTINCT client_hash) FROM scan WHERE scan.stamp = stamp.id)
WHERE id IN (SELECT DISTINCT stamp FROM scan)
"""


class RawTable(Table):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="traceability", description=DESCRIPTION)

    async def run():
        if RawTable._meta.db.engine_type == "postgres":
            await RawTable.raw(POSTGRES_FUNCTION)
            await RawTable.raw("DROP TRIGGER IF EXISTS scan_counts ON scan")
            await RawTable.raw(POSTGRES_TRIGGER)
        else:
            await RawTable.raw(SQLITE_TRIGGER)
        await RawTable.raw(BACKFILL)

    async def run_backwards():
        if RawTable._meta.db.engine_type == "postgres":
            await RawTable.raw("DROP TRIGGER IF EXISTS scan_counts ON scan")
            await RawTable.raw("DROP FUNCTION IF EXISTS scan_counts()")
        else:
            await RawTable.raw("DROP TRIGGER IF EXISTS scan_counts")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
