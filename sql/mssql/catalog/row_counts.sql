-- Approximate row counts from sys.partitions: the heap (index_id 0) or the
-- clustered index (index_id 1), summed over partitions. Not exact (see docs).
SELECT
    p.object_id AS object_id,
    SUM(p.rows) AS row_count
FROM sys.partitions AS p
JOIN sys.objects AS o ON o.object_id = p.object_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0 AND p.index_id IN (0, 1)
GROUP BY p.object_id
ORDER BY p.object_id;
