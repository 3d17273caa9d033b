-- The CREATE VIEW text of every view (NULL when created WITH ENCRYPTION).
SELECT
    m.object_id AS object_id,
    m.definition AS definition
FROM sys.sql_modules AS m
JOIN sys.objects AS o ON o.object_id = m.object_id
WHERE o.type = 'V' AND o.is_ms_shipped = 0
ORDER BY m.object_id;
