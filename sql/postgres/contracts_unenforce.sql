-- Contract enforcement off: the contract table and status view stay.
DROP EVENT TRIGGER IF EXISTS schema_sync_contracts_start;
DROP EVENT TRIGGER IF EXISTS schema_sync_contracts_end;
DROP EVENT TRIGGER IF EXISTS schema_sync_contracts_drop;
