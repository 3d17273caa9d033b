-- Contract enforcement: event triggers (creating them needs a superuser).
DROP EVENT TRIGGER IF EXISTS schema_sync_contracts_start;
DROP EVENT TRIGGER IF EXISTS schema_sync_contracts_end;
DROP EVENT TRIGGER IF EXISTS schema_sync_contracts_drop;
CREATE EVENT TRIGGER schema_sync_contracts_start ON ddl_command_start
    EXECUTE FUNCTION schema_sync.contract_guard_start();
CREATE EVENT TRIGGER schema_sync_contracts_end ON ddl_command_end
    EXECUTE FUNCTION schema_sync.contract_guard_end();
CREATE EVENT TRIGGER schema_sync_contracts_drop ON sql_drop
    EXECUTE FUNCTION schema_sync.contract_guard_drop();
