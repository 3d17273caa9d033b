-- System-versioned temporal tables (temporal_type 2) and their history tables
-- (SQL Server 2016+, Azure SQL Database).
SELECT
    t.object_id AS object_id,
    hs.name AS history_schema,
    h.name AS history_table
FROM sys.tables AS t
JOIN sys.objects AS h ON h.object_id = t.history_table_id
JOIN sys.schemas AS hs ON hs.schema_id = h.schema_id
WHERE t.temporal_type = 2 AND t.is_ms_shipped = 0
ORDER BY t.object_id;
