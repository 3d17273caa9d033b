-- The columns of table types: sys.columns of each type's type_table_object_id,
-- in column_id order (max_length in bytes, -1: max).
SELECT
    tt.user_type_id AS user_type_id,
    c.column_id AS column_id,
    c.name AS column_name,
    ct.name AS type_name,
    ct.is_user_defined AS is_user_defined,
    c.max_length AS max_length,
    c.[precision] AS [precision],
    c.scale AS scale,
    c.is_nullable AS is_nullable,
    c.is_identity AS is_identity
FROM sys.table_types AS tt
JOIN sys.columns AS c ON c.object_id = tt.type_table_object_id
JOIN sys.types AS ct ON ct.user_type_id = c.user_type_id
ORDER BY tt.user_type_id, c.column_id;
