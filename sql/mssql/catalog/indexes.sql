-- Indexes other than heaps and those behind PRIMARY KEY / UNIQUE constraints
-- (key_constraints.sql reports those), one row per index column.
-- is_included_column = 1 marks INCLUDE columns (and columnstore members).
-- key_ordinal 0 on a rowstore index that is not INCLUDE is the partitioning
-- column SQL Server adds to an index on a partitioned table by itself: not a key.
SELECT
    i.object_id AS object_id,
    i.index_id AS index_id,
    i.name AS index_name,
    i.is_unique AS is_unique,
    i.filter_definition AS filter_definition,
    i.type_desc AS index_type,
    ic.index_column_id AS index_column_id,
    ic.key_ordinal AS key_ordinal,
    ic.is_included_column AS is_included_column,
    col.name AS column_name,
    ic.is_descending_key AS is_descending_key
FROM sys.indexes AS i
JOIN sys.objects AS o ON o.object_id = i.object_id
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns AS col ON col.object_id = ic.object_id AND col.column_id = ic.column_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0
  AND i.type > 0
  AND i.is_primary_key = 0 AND i.is_unique_constraint = 0
  AND i.is_hypothetical = 0
ORDER BY i.object_id, i.name, ic.index_column_id;
