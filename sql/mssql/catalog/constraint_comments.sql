-- MS_Description comments on PRIMARY KEY, UNIQUE, FOREIGN KEY and CHECK constraints
-- (class 1 on the constraint's own object), by table and constraint name.
SELECT
    k.parent_object_id AS object_id,
    k.name AS constraint_name,
    CAST(ep.value AS nvarchar(4000)) AS comment
FROM sys.extended_properties AS ep
JOIN sys.objects AS k ON k.object_id = ep.major_id
WHERE ep.class = 1 AND ep.minor_id = 0 AND ep.name = N'MS_Description'
  AND k.type IN ('PK', 'UQ', 'F', 'C') AND k.is_ms_shipped = 0
ORDER BY k.parent_object_id, k.name;
