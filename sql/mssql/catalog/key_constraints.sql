-- PRIMARY KEY and UNIQUE constraints with their columns, in key order.
-- The columns come from the unique index that enforces each constraint.
SELECT
    kc.parent_object_id AS object_id,
    kc.name AS constraint_name,
    kc.type AS constraint_type,
    ic.key_ordinal AS key_ordinal,
    col.name AS column_name
FROM sys.key_constraints AS kc
JOIN sys.objects AS o ON o.object_id = kc.parent_object_id
JOIN sys.index_columns AS ic ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id
JOIN sys.columns AS col ON col.object_id = ic.object_id AND col.column_id = ic.column_id
WHERE o.is_ms_shipped = 0 AND ic.is_included_column = 0
ORDER BY kc.parent_object_id, kc.name, ic.key_ordinal;
