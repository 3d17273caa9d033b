-- User-defined types: alias types (a system base type with its length, precision,
-- scale and nullability; CREATE TYPE ... FROM) and table types (CREATE TYPE ... AS
-- TABLE; their columns come from table_type_columns.sql). The base type is the
-- sys.types row whose user_type_id is the alias's system_type_id (system types
-- have user_type_id = system_type_id and is_user_defined = 0).
SELECT
    t.user_type_id AS user_type_id,
    s.name AS schema_name,
    t.name AS type_name,
    bt.name AS base_type_name,
    t.max_length AS max_length,
    t.[precision] AS [precision],
    t.scale AS scale,
    t.is_nullable AS is_nullable,
    t.is_table_type AS is_table_type,
    t.is_assembly_type AS is_assembly_type
FROM sys.types AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
LEFT JOIN sys.types AS bt ON bt.user_type_id = t.system_type_id AND bt.is_user_defined = 0
WHERE t.is_user_defined = 1
  AND s.name NOT IN (N'sys', N'INFORMATION_SCHEMA', N'schema_sync')
ORDER BY s.name, t.name;
