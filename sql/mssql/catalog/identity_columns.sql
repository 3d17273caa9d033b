-- IDENTITY seed and increment of every identity column (sys.identity_columns:
-- sql_variant values, as text). The adapter records them when not (1, 1).
SELECT
    idc.object_id AS object_id,
    idc.column_id AS column_id,
    CONVERT(nvarchar(40), idc.seed_value) AS seed_value,
    CONVERT(nvarchar(40), idc.increment_value) AS increment_value
FROM sys.identity_columns AS idc
JOIN sys.objects AS o ON o.object_id = idc.object_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0
ORDER BY idc.object_id, idc.column_id;
