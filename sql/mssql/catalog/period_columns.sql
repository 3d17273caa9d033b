-- Columns GENERATED ALWAYS AS ROW START / ROW END (a temporal table's period,
-- generated_always_type 1 and 2; 5-8 are ledger and transaction columns) and
-- columns declared HIDDEN (left out of SELECT *).
SELECT
    c.object_id AS object_id,
    c.column_id AS column_id,
    c.generated_always_type AS generated_always_type,
    c.is_hidden AS is_hidden
FROM sys.columns AS c
JOIN sys.objects AS o ON o.object_id = c.object_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0
  AND (c.generated_always_type <> 0 OR c.is_hidden = 1)
ORDER BY c.object_id, c.column_id;
