-- Trace payload parse errors back to a firmware release: record the firmware each device reported.
ALTER TABLE "PayloadTransactions" ADD COLUMN device_firmware varchar(32);
COMMENT ON COLUMN "PayloadTransactions".device_firmware IS 'Firmware version the device reported with the payload; NULL before 2025.';
CREATE INDEX ix_payload_firmware ON "PayloadTransactions" (device_firmware);

-- Keep the value tidy however the ingest job spells it ("V2.4.1 " -> "2.4.1").
CREATE FUNCTION normalise_firmware() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.device_firmware := nullif(btrim(lower(NEW.device_firmware), ' v'), '');
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_payload_firmware BEFORE INSERT OR UPDATE OF device_firmware ON "PayloadTransactions"
    FOR EACH ROW EXECUTE FUNCTION normalise_firmware();
