-- Tables and views to document: one row per object.
-- Left out: objects shipped by Microsoft (is_ms_shipped = 1), the system schemas
-- this project's own schema `schema_sync`, and dbo.sysdiagrams, which SSMS creates for its
-- database diagrams without marking it is_ms_shipped.
SELECT
    o.object_id AS object_id,
    s.name AS schema_name,
    o.name AS object_name,
    o.type AS object_type
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type IN ('U', 'V')
  AND o.is_ms_shipped = 0
  AND s.name NOT IN (N'sys', N'INFORMATION_SCHEMA', N'schema_sync')
  AND NOT (s.name = N'dbo' AND o.name = N'sysdiagrams')
ORDER BY s.name, o.name;
