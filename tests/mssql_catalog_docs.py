"""The sys.* catalog views the shipped T-SQL reads, with the columns Microsoft documents for each.

Copied from Microsoft's reference pages (the source files in MicrosoftDocs/sql-docs,
docs/relational-databases/system-catalog-views/<page>.md, published under
https://learn.microsoft.com/en-us/sql/relational-databases/system-catalog-views/<page>).
Views documented as "columns inherited from sys.objects" (or sys.columns) list those too.
Only what a page documents goes here: a column the T-SQL reads that is missing from this
table fails tests/test_mssql_serverless.py until someone finds it on Microsoft's page.
"""

from __future__ import annotations

_LEARN = "https://learn.microsoft.com/en-us/sql/relational-databases/system-catalog-views/"

# sys-objects-transact-sql
_OBJECTS = (
    "name object_id principal_id schema_id parent_object_id type type_desc create_date modify_date "
    "is_ms_shipped is_published is_schema_published"
)
# sys-columns-transact-sql
_COLUMNS = (
    "object_id name column_id system_type_id user_type_id max_length precision scale collation_name is_nullable "
    "is_ansi_padded is_rowguidcol is_identity is_computed is_filestream is_replicated is_non_sql_subscribed "
    "is_merge_published is_dts_replicated is_xml_document xml_collection_id default_object_id rule_object_id "
    "is_sparse is_column_set generated_always_type generated_always_type_desc encryption_type "
    "encryption_type_desc encryption_algorithm_name column_encryption_key_id column_encryption_key_database_name "
    "is_hidden is_masked"
)

#: view -> (Microsoft page, documented columns)
DOCUMENTED: dict[str, tuple[str, frozenset[str]]] = {
    view: (_LEARN + page, frozenset(columns.split()))
    for view, page, columns in [
        ("sys.objects", "sys-objects-transact-sql", _OBJECTS),
        ("sys.columns", "sys-columns-transact-sql", _COLUMNS),
        ("sys.schemas", "schemas-catalog-views-sys-schemas", "name schema_id principal_id"),
        (
            "sys.types",
            "sys-types-transact-sql",
            "name system_type_id user_type_id schema_id principal_id max_length precision scale collation_name "
            "is_nullable is_user_defined is_assembly_type default_object_id rule_object_id is_table_type",
        ),
        (
            "sys.computed_columns",
            "sys-computed-columns-transact-sql",
            _COLUMNS + " definition uses_database_collation is_persisted",
        ),
        (
            "sys.default_constraints",
            "sys-default-constraints-transact-sql",
            _OBJECTS + " parent_column_id definition is_system_named",
        ),
        (
            "sys.check_constraints",
            "sys-check-constraints-transact-sql",
            _OBJECTS + " is_disabled is_not_for_replication is_not_trusted parent_column_id definition "
            "uses_database_collation is_system_named",
        ),
        (
            "sys.key_constraints",
            "sys-key-constraints-transact-sql",
            _OBJECTS + " unique_index_id is_system_named",
        ),
        (
            "sys.foreign_keys",
            "sys-foreign-keys-transact-sql",
            _OBJECTS + " referenced_object_id key_index_id is_disabled is_not_for_replication is_not_trusted "
            "delete_referential_action delete_referential_action_desc update_referential_action "
            "update_referential_action_desc is_system_named",
        ),
        (
            "sys.foreign_key_columns",
            "sys-foreign-key-columns-transact-sql",
            "constraint_object_id constraint_column_id parent_object_id parent_column_id referenced_object_id "
            "referenced_column_id",
        ),
        (
            "sys.indexes",
            "sys-indexes-transact-sql",
            "object_id name index_id type type_desc is_unique data_space_id ignore_dup_key is_primary_key "
            "is_unique_constraint fill_factor is_padded is_disabled is_hypothetical allow_row_locks "
            "allow_page_locks has_filter filter_definition auto_created",
        ),
        (
            "sys.index_columns",
            "sys-index-columns-transact-sql",
            "object_id index_id index_column_id column_id key_ordinal partition_ordinal is_descending_key "
            "is_included_column column_store_order_ordinal",
        ),
        (
            "sys.extended_properties",
            "extended-properties-catalog-views-sys-extended-properties",
            "class class_desc major_id minor_id name value",
        ),
        (
            "sys.partitions",
            "sys-partitions-transact-sql",
            "partition_id object_id index_id partition_number hobt_id rows filestream_filegroup_id "
            "data_compression data_compression_desc",
        ),
        (
            "sys.triggers",
            "sys-triggers-transact-sql",
            "name object_id parent_class parent_class_desc parent_id type type_desc create_date modify_date "
            "is_ms_shipped is_disabled is_not_for_replication is_instead_of_trigger",
        ),
        (
            "sys.sql_modules",
            "sys-sql-modules-transact-sql",
            "object_id definition uses_ansi_nulls uses_quoted_identifier is_schema_bound uses_database_collation "
            "is_recompiled null_on_null_input execute_as_principal_id uses_native_compilation",
        ),
        (
            "sys.triggers",
            "sys-triggers-transact-sql",
            "name object_id parent_class parent_class_desc parent_id type type_desc create_date modify_date "
            "is_ms_shipped is_disabled is_not_for_replication is_instead_of_trigger",
        ),
        (  # object_id, type, type_desc inherited from sys.events (sys-events-transact-sql)
            "sys.trigger_events",
            "sys-trigger-events-transact-sql",
            "object_id type type_desc is_first is_last event_group_type event_group_type_desc",
        ),
        (
            "sys.parameters",
            "sys-parameters-transact-sql",
            "object_id name parameter_id system_type_id user_type_id max_length precision scale is_output "
            "is_cursor_ref has_default_value is_xml_document default_value xml_collection_id is_readonly is_nullable",
        ),
        (
            "sys.tables",
            "sys-tables-transact-sql",
            _OBJECTS + " lob_data_space_id filestream_data_space_id max_column_id_used lock_on_bulk_load "
            "uses_ansi_nulls is_replicated has_replication_filter is_merge_published is_sync_tran_subscribed "
            "has_unchecked_assembly_data text_in_row_limit large_value_types_out_of_row is_tracked_by_cdc "
            "lock_escalation lock_escalation_desc is_filetable is_memory_optimized durability durability_desc "
            "temporal_type temporal_type_desc history_table_id is_remote_data_archive_enabled is_external "
            "history_retention_period history_retention_period_unit history_retention_period_unit_desc is_node "
            "is_edge data_retention_period data_retention_period_unit data_retention_period_unit_desc ledger_type "
            "ledger_type_desc ledger_view_id is_dropped_ledger_table",
        ),
        (  # the columns of sys.columns, inherited
            "sys.identity_columns",
            "sys-identity-columns-transact-sql",
            _COLUMNS + " seed_value increment_value last_value is_not_for_replication",
        ),
        (
            "sys.sequences",
            "sys-sequences-transact-sql",
            _OBJECTS + " start_value increment minimum_value maximum_value is_cycling is_cached cache_size "
            "system_type_id user_type_id precision scale current_value is_exhausted",
        ),
        (  # the columns of sys.types, inherited
            "sys.table_types",
            "sys-table-types-transact-sql",
            "name system_type_id user_type_id schema_id principal_id max_length precision scale collation_name "
            "is_nullable is_user_defined is_assembly_type default_object_id rule_object_id is_table_type "
            "type_table_object_id is_memory_optimized",
        ),
        (  # the columns of sys.data_spaces (sys-data-spaces-transact-sql), inherited
            "sys.partition_schemes",
            "sys-partition-schemes-transact-sql",
            "name data_space_id type type_desc is_default is_system function_id",
        ),
        (
            "sys.partition_functions",
            "sys-partition-functions-transact-sql",
            "name function_id type type_desc fanout boundary_value_on_right is_system create_date modify_date",
        ),
        (
            "sys.partition_range_values",
            "sys-partition-range-values-transact-sql",
            "function_id boundary_id parameter_id value",
        ),
    ]
}
