-- Whether the connected user may see every object's definition. Without VIEW DEFINITION
-- (or CONTROL, db_owner …) the sys.* views return only the objects the user has some
-- right on, with no error: the catalog would be silently partial, and polling would log
-- the unseen objects as dropped. read_catalog refuses to go on when this is 0.
SELECT
    HAS_PERMS_BY_NAME(NULL, N'DATABASE', N'VIEW DEFINITION') AS view_definition
