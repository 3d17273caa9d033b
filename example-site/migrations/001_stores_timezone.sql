-- Stores report sales in local time: the daily dashboards need each store's time zone.
-- PostgreSQL edition of Scout (scout.postgres.sql); applied with `mkdocs-schema-sync deploy`.
ALTER TABLE stores ADD COLUMN timezone varchar(64);
COMMENT ON COLUMN stores.timezone IS 'IANA time zone of the store, e.g. Asia/Manila.';
UPDATE stores SET timezone = 'Asia/Manila' WHERE timezone IS NULL;
ALTER TABLE stores ALTER COLUMN timezone SET DEFAULT 'Asia/Manila';
ALTER TABLE stores ALTER COLUMN timezone SET NOT NULL;
