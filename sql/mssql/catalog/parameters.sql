-- Parameters of procedures and functions, in parameter_id order. parameter_id 0 is
-- a scalar function's return value (no name). max_length is in bytes (-1: max).
-- Alias and table types are joined on user_type_id and shown by their own name.
SELECT
    p.object_id AS object_id,
    p.parameter_id AS parameter_id,
    p.name AS parameter_name,
    t.name AS type_name,
    t.is_user_defined AS is_user_defined,
    p.max_length AS max_length,
    p.[precision] AS [precision],
    p.scale AS scale,
    p.is_output AS is_output,
    p.is_readonly AS is_readonly
FROM sys.parameters AS p
JOIN sys.objects AS o ON o.object_id = p.object_id
JOIN sys.types AS t ON t.user_type_id = p.user_type_id
WHERE o.type IN ('P', 'FN', 'IF', 'TF', 'PC', 'FS', 'FT', 'AF') AND o.is_ms_shipped = 0
ORDER BY p.object_id, p.parameter_id;
