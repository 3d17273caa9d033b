-- Partitioned tables: the partition scheme and function behind the heap or the
-- clustered index (index_id 0 or 1), the partitioning column (partition_ordinal
-- 1), and one row per boundary value in boundary_id order; a function with n
-- boundaries makes n + 1 partitions. boundary_value_on_right: 1 for RANGE RIGHT.
-- Boundary values are sql_variant: dates as ISO 8601 text, the rest as text.
SELECT
    i.object_id AS object_id,
    ps.name AS scheme_name,
    pf.name AS function_name,
    pf.boundary_value_on_right AS boundary_on_right,
    c.name AS column_name,
    prv.boundary_id AS boundary_id,
    CASE WHEN CAST(SQL_VARIANT_PROPERTY(prv.value, 'BaseType') AS nvarchar(128))
              IN (N'date', N'datetime', N'datetime2', N'smalldatetime')
         THEN CONVERT(nvarchar(4000), CONVERT(datetime2, prv.value), 126)
         ELSE CONVERT(nvarchar(4000), prv.value) END AS boundary_value
FROM sys.indexes AS i
JOIN sys.objects AS o ON o.object_id = i.object_id
JOIN sys.partition_schemes AS ps ON ps.data_space_id = i.data_space_id
JOIN sys.partition_functions AS pf ON pf.function_id = ps.function_id
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.partition_ordinal = 1
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
LEFT JOIN sys.partition_range_values AS prv ON prv.function_id = pf.function_id
WHERE i.index_id IN (0, 1) AND o.type = 'U' AND o.is_ms_shipped = 0
ORDER BY i.object_id, prv.boundary_id;
