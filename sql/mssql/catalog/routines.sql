-- Stored procedures and functions, one row each: T-SQL procedures (P), scalar (FN),
-- inline table-valued (IF) and table-valued (TF) functions, and the CLR kinds
-- (PC, FS, FT, AF aggregate), with the CREATE text of the T-SQL ones (NULL when
-- created WITH ENCRYPTION). Left out: the system schemas, this project's schema,
-- and the procedures SSMS installs for database diagrams (sp_creatediagram …),
-- which it marks with the extended property microsoft_database_tools_support.
SELECT
    o.object_id AS object_id,
    s.name AS schema_name,
    o.name AS routine_name,
    o.type AS routine_type,
    m.definition AS definition
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
LEFT JOIN sys.sql_modules AS m ON m.object_id = o.object_id
WHERE o.type IN ('P', 'FN', 'IF', 'TF', 'PC', 'FS', 'FT', 'AF')
  AND o.is_ms_shipped = 0
  AND s.name NOT IN (N'sys', N'INFORMATION_SCHEMA', N'schema_sync')
  AND NOT EXISTS (SELECT 1 FROM sys.extended_properties AS tool
                  WHERE tool.class = 1 AND tool.major_id = o.object_id AND tool.minor_id = 0
                    AND tool.name = N'microsoft_database_tools_support')
ORDER BY s.name, o.name;
