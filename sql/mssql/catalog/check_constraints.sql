-- CHECK constraints (table- and column-level).
SELECT
    cc.parent_object_id AS object_id,
    cc.name AS constraint_name,
    cc.definition AS definition
FROM sys.check_constraints AS cc
JOIN sys.objects AS o ON o.object_id = cc.parent_object_id
WHERE o.is_ms_shipped = 0
ORDER BY cc.parent_object_id, cc.name;
