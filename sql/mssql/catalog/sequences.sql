-- Sequence objects. start_value, increment, minimum_value and maximum_value are
-- sql_variant, which pyodbc cannot fetch: converted to text (a decimal(38,0)
-- needs at most 40 characters with its sign). No column owns a sequence in SQL
-- Server; the pages show the defaults that call NEXT VALUE FOR it.
SELECT
    sq.object_id AS object_id,
    s.name AS schema_name,
    sq.name AS sequence_name,
    t.name AS type_name,
    t.is_user_defined AS is_user_defined,
    sq.[precision] AS [precision],
    sq.scale AS scale,
    CONVERT(nvarchar(40), sq.start_value) AS start_value,
    CONVERT(nvarchar(40), sq.increment) AS increment,
    CONVERT(nvarchar(40), sq.minimum_value) AS minimum_value,
    CONVERT(nvarchar(40), sq.maximum_value) AS maximum_value,
    sq.is_cycling AS is_cycling
FROM sys.sequences AS sq
JOIN sys.schemas AS s ON s.schema_id = sq.schema_id
JOIN sys.types AS t ON t.user_type_id = sq.user_type_id
WHERE sq.is_ms_shipped = 0
  AND s.name NOT IN (N'sys', N'INFORMATION_SCHEMA', N'schema_sync')
ORDER BY s.name, sq.name;
