-- DML triggers on tables and views (parent_class 1), one row per event it fires on
-- (sys.trigger_events: INSERT, UPDATE, DELETE), with the CREATE TRIGGER text
-- (NULL when created WITH ENCRYPTION, and for CLR triggers). SQL Server triggers
-- are statement-level, AFTER (FOR) or INSTEAD OF. Database DDL triggers
-- (parent_class 0), this project's own among them, are not documented.
SELECT
    tr.object_id AS trigger_id,
    tr.parent_id AS parent_object_id,
    tr.name AS trigger_name,
    tr.is_disabled AS is_disabled,
    tr.is_instead_of_trigger AS is_instead_of_trigger,
    te.type_desc AS event_type,
    m.definition AS definition
FROM sys.triggers AS tr
JOIN sys.objects AS o ON o.object_id = tr.parent_id
JOIN sys.trigger_events AS te ON te.object_id = tr.object_id
LEFT JOIN sys.sql_modules AS m ON m.object_id = tr.object_id
WHERE tr.parent_class = 1 AND tr.is_ms_shipped = 0 AND o.is_ms_shipped = 0
ORDER BY tr.parent_id, tr.name, te.type;
