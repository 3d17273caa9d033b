-- MS_Description comments on schemas (class 3), tables, views and columns
-- (class 1: minor_id 0 = the object, otherwise the column_id; triggers, routines
-- and sequences are class 1 objects too), user-defined types (class 6:
-- major_id = user_type_id) and indexes (class 7: minor_id = index_id).
-- value is sql_variant, which pyodbc cannot fetch: cast to nvarchar. A
-- sql_variant holds at most 8,000 bytes, so 4000 characters always fit.
SELECT
    ep.class AS class,
    ep.major_id AS major_id,
    ep.minor_id AS minor_id,
    s.name AS schema_name,
    CAST(ep.value AS nvarchar(4000)) AS comment
FROM sys.extended_properties AS ep
LEFT JOIN sys.schemas AS s ON ep.class = 3 AND s.schema_id = ep.major_id
WHERE ep.name = N'MS_Description' AND ep.class IN (1, 3, 6, 7)
ORDER BY ep.class, ep.major_id, ep.minor_id;
