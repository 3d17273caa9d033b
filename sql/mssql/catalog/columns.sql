-- Columns of every table and view, in column_id order.
-- sys.types is joined on user_type_id only (one row per column, alias types
-- included); the base system type of an alias type is the sys.types row whose
-- user_type_id equals the column's system_type_id (system types have
-- user_type_id = system_type_id and is_user_defined = 0).
SELECT
    c.object_id AS object_id,
    c.column_id AS column_id,
    c.name AS column_name,
    t.name AS type_name,
    bt.name AS base_type_name,
    t.is_user_defined AS is_user_defined,
    c.max_length AS max_length,
    c.[precision] AS [precision],
    c.scale AS scale,
    c.is_nullable AS is_nullable,
    c.is_identity AS is_identity,
    cc.definition AS computed_definition,
    cc.is_persisted AS is_persisted,
    dc.definition AS default_definition
FROM sys.columns AS c
JOIN sys.objects AS o ON o.object_id = c.object_id
JOIN sys.types AS t ON t.user_type_id = c.user_type_id
LEFT JOIN sys.types AS bt ON bt.user_type_id = c.system_type_id AND bt.is_user_defined = 0
LEFT JOIN sys.computed_columns AS cc ON cc.object_id = c.object_id AND cc.column_id = c.column_id
LEFT JOIN sys.default_constraints AS dc ON dc.parent_object_id = c.object_id AND dc.parent_column_id = c.column_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0
ORDER BY c.object_id, c.column_id;
