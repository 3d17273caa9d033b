-- A cheap value that moves when the schema changes (one query, no table scans).
-- Catches: objects created/dropped/altered (sys.objects count and max
-- modify_date), column adds/drops/renames/type or nullability changes
-- (sys.columns checksum), index adds/drops/renames/filter changes
-- (sys.indexes checksum) and MS_Description edits, which do not touch
-- modify_date (sys.extended_properties checksum). Procedures, functions,
-- triggers and sequences are objects: CREATE, ALTER and DROP move the count or
-- modify_date. Beside them: ENABLE/DISABLE TRIGGER (sys.triggers checksum), user
-- types, which are not objects (sys.types checksum), and partition boundaries
-- (SPLIT/MERGE RANGE: sys.partition_range_values checksum; moving a table onto
-- a partition scheme changes its index's data_space_id).
-- Does NOT catch: changes to objects the login cannot see (metadata
-- visibility), the text of a filter or computed/default/check expression
-- edited in place without a new object (such edits recreate the constraint,
-- so they normally do show), permission changes, and CHECKSUM collisions
-- (CHECKSUM_AGG is not a cryptographic hash; a full catalog read is the
-- authority).
SELECT
    (SELECT COUNT_BIG(*) FROM sys.objects) AS object_count,
    (SELECT CONVERT(varchar(33), MAX(modify_date), 126) FROM sys.objects) AS last_modified,
    (SELECT CHECKSUM_AGG(CHECKSUM(object_id, column_id, name, user_type_id, max_length, [precision], scale, is_nullable))
       FROM sys.columns) AS columns_checksum,
    (SELECT CHECKSUM_AGG(CHECKSUM(object_id, index_id, name, is_unique, has_filter, data_space_id)) FROM sys.indexes)
        AS indexes_checksum,
    (SELECT COUNT_BIG(*) FROM sys.extended_properties) AS comment_count,
    (SELECT CHECKSUM_AGG(CHECKSUM(class, major_id, minor_id, name, CAST(value AS nvarchar(4000))))
       FROM sys.extended_properties) AS comments_checksum,
    (SELECT CHECKSUM_AGG(CHECKSUM(object_id, is_disabled)) FROM sys.triggers) AS triggers_checksum,
    (SELECT CHECKSUM_AGG(CHECKSUM(user_type_id, schema_id, name, system_type_id, max_length, [precision], scale,
                                  is_nullable))
       FROM sys.types WHERE is_user_defined = 1) AS types_checksum,
    (SELECT CHECKSUM_AGG(CHECKSUM(function_id, boundary_id, value)) FROM sys.partition_range_values)
        AS boundaries_checksum;
