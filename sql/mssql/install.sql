-- mkdocs-schema-sync: drift log, contracts and DDL trigger for SQL Server 2016 SP1+ / Azure SQL Database.
--
-- Idempotent: every object is created only when missing (IF ... IS NULL) or
-- with CREATE OR ALTER, so running it again upgrades an install in place and
-- keeps the log, the contracts and the enforce_contracts setting.
-- GO lines separate batches; the installer splits on them client-side
-- (GO is not T-SQL). Needs db_owner, or CREATE SCHEMA / CREATE TABLE /
-- ALTER ANY USER / ALTER ANY DATABASE DDL TRIGGER in this database.

-- Triggers, functions and views keep the SET options they were created with. The trigger's XML methods
-- (EVENTDATA().value) fail with Msg 1934 on every DDL when it was created with QUOTED_IDENTIFIER OFF, which is
-- what sqlcmd (ODBC) uses without -I: set both here, for every batch of this session.
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
GO

IF SCHEMA_ID(N'schema_sync') IS NULL
    EXEC (N'CREATE SCHEMA schema_sync AUTHORIZATION dbo');  -- CREATE SCHEMA must be alone in its batch
GO

-- ------------------------------------------------------------------ drift log
IF OBJECT_ID(N'schema_sync.drift_log', N'U') IS NULL
    CREATE TABLE schema_sync.drift_log (
        id                bigint IDENTITY(1, 1) NOT NULL
                          CONSTRAINT PK_schema_sync_drift_log PRIMARY KEY,
        event_time        datetime2(3)  NOT NULL
                          CONSTRAINT DF_schema_sync_drift_log_event_time DEFAULT SYSUTCDATETIME(),
        login_name        nvarchar(256) NULL,
        event_type        nvarchar(64)  NULL,
        object_type       nvarchar(64)  NULL,
        schema_name       nvarchar(256) NULL,
        object_name       nvarchar(256) NULL,
        statement         nvarchar(max) NULL,
        source            varchar(16)   NOT NULL  -- trigger | poll | deploy
                          CONSTRAINT DF_schema_sync_drift_log_source DEFAULT 'trigger',
        sync_status       varchar(16)   NOT NULL
                          CONSTRAINT DF_schema_sync_drift_log_sync_status DEFAULT 'pending',
        status_changed_at datetime2(3)  NULL,
        status_ref        nvarchar(512) NULL
    );
GO

-- Upgrade in place: columns that later versions added to drift_log.
IF COL_LENGTH(N'schema_sync.drift_log', N'sync_status') IS NULL
    ALTER TABLE schema_sync.drift_log
        ADD sync_status varchar(16) NOT NULL
            CONSTRAINT DF_schema_sync_drift_log_sync_status DEFAULT 'pending' WITH VALUES;
IF COL_LENGTH(N'schema_sync.drift_log', N'status_changed_at') IS NULL
    ALTER TABLE schema_sync.drift_log ADD status_changed_at datetime2(3) NULL;
IF COL_LENGTH(N'schema_sync.drift_log', N'status_ref') IS NULL
    ALTER TABLE schema_sync.drift_log ADD status_ref nvarchar(512) NULL;
GO

-- The status check is (re)created whenever its list lacks a status this version knows.
IF NOT EXISTS (
    SELECT 1 FROM sys.check_constraints
    WHERE name = N'CK_schema_sync_drift_log_sync_status'
      AND parent_object_id = OBJECT_ID(N'schema_sync.drift_log')
      AND definition LIKE N'%''refused''%'
)
BEGIN
    IF OBJECT_ID(N'schema_sync.CK_schema_sync_drift_log_sync_status', N'C') IS NOT NULL
        ALTER TABLE schema_sync.drift_log DROP CONSTRAINT CK_schema_sync_drift_log_sync_status;
    ALTER TABLE schema_sync.drift_log
        ADD CONSTRAINT CK_schema_sync_drift_log_sync_status
        CHECK (sync_status IN ('pending', 'synced', 'ignored', 'deployed', 'refused'));
END
GO

IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE object_id = OBJECT_ID(N'schema_sync.drift_log') AND name = N'IX_schema_sync_drift_log_status'
)
    CREATE INDEX IX_schema_sync_drift_log_status ON schema_sync.drift_log (sync_status, id);
GO

-- ------------------------------------------------------------------ install info and settings
-- Also the poll state when polling fills the log: value holds the last polled catalog (JSON).
IF OBJECT_ID(N'schema_sync.install_info', N'U') IS NULL
    CREATE TABLE schema_sync.install_info (
        name  varchar(64)   NOT NULL CONSTRAINT PK_schema_sync_install_info PRIMARY KEY,
        value nvarchar(max) NULL
    );
GO

-- Upgrade in place: version 1 created value as nvarchar(256), too small for the polled catalog.
IF EXISTS (
    SELECT 1 FROM sys.columns
    WHERE object_id = OBJECT_ID(N'schema_sync.install_info') AND name = N'value' AND max_length <> -1
)
    ALTER TABLE schema_sync.install_info ALTER COLUMN value nvarchar(max) NULL;
GO

-- Settings keep the user's value on upgrade; only missing rows are added.
--   enforce_contracts '0' | '1': refuse DDL that breaks a contract (see the trigger)
--   last_error: set by the trigger when writing the log failed (a health check reports it)
IF NOT EXISTS (SELECT 1 FROM schema_sync.install_info WHERE name = 'enforce_contracts')
    INSERT INTO schema_sync.install_info (name, value) VALUES ('enforce_contracts', N'0');
IF NOT EXISTS (SELECT 1 FROM schema_sync.install_info WHERE name = 'last_error')
    INSERT INTO schema_sync.install_info (name, value) VALUES ('last_error', NULL);
GO

-- ------------------------------------------------------------------ contracts
-- One row per protected column; column_name NULL protects the table itself.
-- The UNIQUE constraint treats NULLs as equal, so a contract protects a table once.
IF OBJECT_ID(N'schema_sync.contract_columns', N'U') IS NULL
    CREATE TABLE schema_sync.contract_columns (
        contract_name     nvarchar(128) NOT NULL,
        owner             nvarchar(256) NULL,
        severity          varchar(16)   NOT NULL
                          CONSTRAINT DF_schema_sync_contract_columns_severity DEFAULT 'error',
        schema_name       sysname       NOT NULL,
        table_name        sysname       NOT NULL,
        column_name       sysname       NULL,
        expected_type     nvarchar(128) NULL,
        expected_nullable bit           NULL,
        CONSTRAINT UQ_schema_sync_contract_columns
            UNIQUE (contract_name, schema_name, table_name, column_name)
    );
GO

-- Each contract row with what the catalog says now. found_type is formatted
-- like the Python adapter's format_type (nvarchar(50), decimal(18,2),
-- datetime2(7), nvarchar(max), alias types by name); expected_type is
-- compared case-insensitively with spaces removed.
CREATE OR ALTER VIEW schema_sync.contract_status
AS
SELECT
    cc.contract_name,
    cc.owner,
    cc.severity,
    cc.schema_name,
    cc.table_name,
    cc.column_name,
    cc.expected_type,
    cc.expected_nullable,
    ft.found_type,
    col.is_nullable AS found_nullable,
    CASE
        WHEN tbl.object_id IS NULL THEN 'table missing'
        WHEN cc.column_name IS NULL THEN 'holds'
        WHEN col.column_id IS NULL THEN 'column missing'
        WHEN cc.expected_type IS NOT NULL
             AND LOWER(REPLACE(cc.expected_type, N' ', N'')) <> LOWER(ft.found_type) THEN 'type differs'
        WHEN cc.expected_nullable IS NOT NULL AND cc.expected_nullable <> col.is_nullable THEN 'nullability differs'
        ELSE 'holds'
    END AS status
FROM schema_sync.contract_columns AS cc
-- Catalog names are in the catalog collation, contract_columns in the database's: they differ in contained
-- databases and wherever the database collation is not the instance's (Msg 468 without COLLATE).
LEFT JOIN sys.schemas AS s ON s.name = cc.schema_name COLLATE CATALOG_DEFAULT
LEFT JOIN sys.objects AS tbl
       ON tbl.schema_id = s.schema_id AND tbl.name = cc.table_name COLLATE CATALOG_DEFAULT AND tbl.type IN ('U', 'V')
LEFT JOIN sys.columns AS col ON col.object_id = tbl.object_id AND col.name = cc.column_name COLLATE CATALOG_DEFAULT
LEFT JOIN sys.types AS t ON t.user_type_id = col.user_type_id
CROSS APPLY (
    SELECT CASE
        WHEN t.name IS NULL THEN NULL
        WHEN t.is_user_defined = 1 THEN t.name
        WHEN t.name IN (N'nvarchar', N'nchar') THEN
            t.name + N'(' + CASE WHEN col.max_length = -1 THEN N'max'
                                 ELSE CAST(col.max_length / 2 AS nvarchar(10)) END + N')'
        WHEN t.name IN (N'varchar', N'char', N'varbinary', N'binary') THEN
            t.name + N'(' + CASE WHEN col.max_length = -1 THEN N'max'
                                 ELSE CAST(col.max_length AS nvarchar(10)) END + N')'
        WHEN t.name IN (N'decimal', N'numeric') THEN
            t.name + N'(' + CAST(col.[precision] AS nvarchar(3)) + N',' + CAST(col.scale AS nvarchar(3)) + N')'
        WHEN t.name IN (N'datetime2', N'datetimeoffset', N'time') THEN
            t.name + N'(' + CAST(col.scale AS nvarchar(3)) + N')'
        WHEN t.name = N'float' AND col.[precision] <> 53 THEN
            N'float(' + CAST(col.[precision] AS nvarchar(3)) + N')'
        ELSE t.name
    END AS found_type
) AS ft;
GO

-- Records a failed log write in install_info.last_error. Owned by dbo like the
-- table it updates, so ownership chaining lets the trigger's user run it
-- without any UPDATE permission of its own.
CREATE OR ALTER PROCEDURE schema_sync.note_trigger_error
    @message nvarchar(256)
AS
BEGIN
    SET NOCOUNT ON;
    UPDATE schema_sync.install_info SET value = @message WHERE name = 'last_error';
    IF @@ROWCOUNT = 0
        INSERT INTO schema_sync.install_info (name, value) VALUES ('last_error', @message);
END
GO

-- ------------------------------------------------------------------ masking
-- Secrets never reach the log: outside strings, names and comments, the literal after a word that
-- names one ('…', N'…', 0x… hashes; whitespace, `=` and comments between): PASSWORD, OLD_PASSWORD,
-- SECRET, KEY_SOURCE, IDENTITY_VALUE and any word holding password, passwd, pwd, secret, token or
-- api_key, as in CREATE USER … WITH PASSWORD = N'…', CREATE MASTER KEY ENCRYPTION BY PASSWORD = '…',
-- CREATE DATABASE SCOPED CREDENTIAL … SECRET = '…', ALTER APPLICATION ROLE … OLD_PASSWORD = '…',
-- CREATE SYMMETRIC KEY … KEY_SOURCE = '…', IDENTITY_VALUE = '…', sp_addlinkedsrvlogin … @rmtpassword = N'…';
-- the arguments that hold a secret by position in the calls schema_sync.secret_arguments knows
-- (EXEC sp_addlinkedsrvlogin 'srv', 'false', NULL, 'bob', '…', sp_addlogin, sp_password, sp_setapprole's
-- {encrypt N'…'}, OPENROWSET('provider', 'source'; 'user'; '…', …)): literals, [names] and bare words;
-- inside strings, the value of PWD= / Password= (OPENROWSET, OPENDATASOURCE connection strings).
-- (EVENTDATA() hides passwords only for server-level CREATE/ALTER LOGIN.)
-- Every comparison is by code point (UNICODE() numbers, or COLLATE Latin1_General_BIN2 with the
-- letters' cases spelled out): under a case-sensitive or binary database collation a lower-case
-- `password` is still found, and under a width-insensitive one a full-width ＇ or ］ is not taken for
-- the quote or bracket it resembles (the parser does not take it either).
-- One pass over the characters; the text is copied in a few pieces, not character by character.
-- Statements without those words are returned at once. The reader masks again before anything is shown.
-- tests/tsql_mask_port.py is a line-by-line Python port, run on the shared masking corpus.
-- Whether a word (or a whole statement) names a secret: by code point, each letter's cases spelled out.
CREATE OR ALTER FUNCTION schema_sync.names_secret (@w nvarchar(max))
RETURNS bit
AS
BEGIN
    IF @w COLLATE Latin1_General_BIN2 LIKE N'%[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]%'
       OR @w COLLATE Latin1_General_BIN2 LIKE N'%[Pp][Aa][Ss][Ss][Ww][Dd]%'
       OR @w COLLATE Latin1_General_BIN2 LIKE N'%[Pp][Ww][Dd]%'
       OR @w COLLATE Latin1_General_BIN2 LIKE N'%[Ss][Ee][Cc][Rr][Ee][Tt]%'
       OR @w COLLATE Latin1_General_BIN2 LIKE N'%[Tt][Oo][Kk][Ee][Nn]%'
       OR @w COLLATE Latin1_General_BIN2 LIKE N'%[Aa][Pp][Ii][_][Kk][Ee][Yy]%'
       OR @w COLLATE Latin1_General_BIN2 LIKE N'%[Kk][Ee][Yy][_][Ss][Oo][Uu][Rr][Cc][Ee]%'
       OR @w COLLATE Latin1_General_BIN2 LIKE N'%[Ii][Dd][Ee][Nn][Tt][Ii][Tt][Yy][_][Vv][Aa][Ll][Uu][Ee]%'
        RETURN 1;
    RETURN 0;
END
GO

-- The calls whose arguments hold a secret by position, in Microsoft's documented order: the bits of the secret
-- positions (1 the first argument, 2 the second, 4 the third, …), plus 256 when @old and @new name a secret
-- (sp_password); 0 for any other word. mkdocs_schema_sync/masking.py keeps the same list (SECRET_ARGUMENTS).
CREATE OR ALTER FUNCTION schema_sync.secret_arguments (@w nvarchar(max))
RETURNS int
AS
BEGIN
    -- @rmtsrvname, @useself, @locallogin, @rmtuser, @rmtpassword
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Ss][Pp][_][Aa][Dd][Dd][Ll][Ii][Nn][Kk][Ee][Dd][Ss][Rr][Vv][Ll][Oo][Gg][Ii][Nn]'
        RETURN 16;
    -- @loginame, @passwd, @defdb, …
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Ss][Pp][_][Aa][Dd][Dd][Ll][Oo][Gg][Ii][Nn]'
        RETURN 2;
    -- @old, @new, @loginame
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Ss][Pp][_][Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]'
        RETURN 259;
    -- @rolename, @password (or {encrypt N'…'}), @encrypt, …
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Ss][Pp][_][Ss][Ee][Tt][Aa][Pp][Pp][Rr][Oo][Ll][Ee]'
        RETURN 2;
    -- @rolename, @password
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Ss][Pp][_][Aa][Dd][Dd][Aa][Pp][Pp][Rr][Oo][Ll][Ee]'
        RETURN 2;
    -- @rolename, @newpwd
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Ss][Pp][_][Aa][Pp][Pp][Rr][Oo][Ll][Ee][Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]'
        RETURN 2;
    -- @Action, @UserNamePattern, @LoginName, @Password
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Ss][Pp][_][Cc][Hh][Aa][Nn][Gg][Ee][_][Uu][Ss][Ee][Rr][Ss][_][Ll][Oo][Gg][Ii][Nn]'
        RETURN 8;
    -- @db_name, @password, @action
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Ss][Pp][_][Cc][Oo][Nn][Tt][Rr][Oo][Ll][_][Dd][Bb][Mm][Aa][Ss][Tt][Ee][Rr][Kk][Ee][Yy][_][Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]'
        RETURN 2;
    -- @distributor, @heartbeat_interval, @password
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Ss][Pp][_][Aa][Dd][Dd][Dd][Ii][Ss][Tt][Rr][Ii][Bb][Uu][Tt][Oo][Rr]'
        RETURN 4;
    -- @password
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Ss][Pp][_][Cc][Hh][Aa][Nn][Gg][Ee][Dd][Ii][Ss][Tt][Rr][Ii][Bb][Uu][Tt][Oo][Rr][_][Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]'
        RETURN 1;
    -- 'provider', 'datasource'; 'user_id'; 'password', …
    IF @w COLLATE Latin1_General_BIN2 LIKE N'[Oo][Pp][Ee][Nn][Rr][Oo][Ww][Ss][Ee][Tt]'
        RETURN 8;
    RETURN 0;
END
GO

-- Whether a statement may call one of them (those with `password` in their name are found by names_secret).
CREATE OR ALTER FUNCTION schema_sync.calls_secret (@q nvarchar(max))
RETURNS bit
AS
BEGIN
    IF @q COLLATE Latin1_General_BIN2 LIKE N'%[Ss][Pp][_][Aa][Dd][Dd][Ll][Ii][Nn][Kk][Ee][Dd][Ss][Rr][Vv][Ll][Oo][Gg][Ii][Nn]%'
       OR @q COLLATE Latin1_General_BIN2 LIKE N'%[Ss][Pp][_][Aa][Dd][Dd][Ll][Oo][Gg][Ii][Nn]%'
       OR @q COLLATE Latin1_General_BIN2 LIKE N'%[Ss][Pp][_][Ss][Ee][Tt][Aa][Pp][Pp][Rr][Oo][Ll][Ee]%'
       OR @q COLLATE Latin1_General_BIN2 LIKE N'%[Ss][Pp][_][Aa][Dd][Dd][Aa][Pp][Pp][Rr][Oo][Ll][Ee]%'
       OR @q COLLATE Latin1_General_BIN2 LIKE N'%[Ss][Pp][_][Cc][Hh][Aa][Nn][Gg][Ee][_][Uu][Ss][Ee][Rr][Ss][_][Ll][Oo][Gg][Ii][Nn]%'
       OR @q COLLATE Latin1_General_BIN2 LIKE N'%[Ss][Pp][_][Aa][Dd][Dd][Dd][Ii][Ss][Tt][Rr][Ii][Bb][Uu][Tt][Oo][Rr]%'
       OR @q COLLATE Latin1_General_BIN2 LIKE N'%[Oo][Pp][Ee][Nn][Rr][Oo][Ww][Ss][Ee][Tt]%'
        RETURN 1;
    RETURN 0;
END
GO

CREATE OR ALTER FUNCTION schema_sync.mask_statement (@q nvarchar(max))
RETURNS nvarchar(max)
AS
BEGIN
    IF @q IS NULL OR (schema_sync.names_secret(@q) = 0 AND schema_sync.calls_secret(@q) = 0)
        RETURN @q;
    DECLARE
        @n       int = LEN(@q + N'x') - 1,  -- LEN ignores trailing spaces
        @i       int = 1,
        @j       int = 0,
        @c       int,
        @c2      int,
        @st      tinyint = 0,  -- 0 code, 1 '…', 2 […], 3 "…", 4 -- comment, 5 /* */ comment (nested)
        @depth   int = 0,
        @wstart  int = 0,
        @wlen    int = 0,
        @expect  bit = 0,      -- the next literal is a secret
        @masking bit = 0,      -- reading a secret: a literal after a keyword, or a PWD= value in a string
        @kv      bit = 0,      -- the secret being read is a PWD= value (ends at `;` or the string's end)
        @kstart  int = 0,      -- inside a string: where the word being read starts (0: none)
        @kword   int = 0,      -- inside a string: where the last word started
        @kend    int = 0,      -- inside a string: where the last word ended (0: not right before)
        @start   int = 0,      -- first character of the secret being read
        @from    int = 1,      -- first character not yet copied to @out
        @keep    int = 0,      -- how much of a secret word stays before *** (0x of a hash); -1: no secret
        @args    int = 0,      -- the call being read: schema_sync.secret_arguments of its name
        @argno   int = 1,      -- its argument due or just read (1 the first; stops at 8, never a secret)
        @argst   tinyint = 0,  -- 0 no such call, 1 an argument is due, 2 one was read (`,` is due)
        @secret  bit = 0,      -- the argument due holds a secret
        @paren   bit = 0,      -- the arguments are in parentheses: `;` separates them too (OPENROWSET)
        @brace   bit = 0,      -- inside sp_setapprole's {encrypt N'…'}
        @named   bit = 0,      -- an argument was named (@x = …): positions no longer count
        @atword  bit = 0,      -- the argument just read is an @name (a named argument when `=` follows)
        @qstart  int = 0,      -- where the [name] or "name" being read starts
        @out     nvarchar(max) = N'';
    WHILE @i <= @n
    BEGIN
        SET @c = UNICODE(SUBSTRING(@q, @i, 1));
        SET @c2 = ISNULL(UNICODE(SUBSTRING(@q, @i + 1, 1)), 0);
        IF @st = 1
        BEGIN
            IF @c = 39 AND @c2 = 39
            BEGIN
                SET @i += 2;  -- a doubled quote inside the string
                CONTINUE;
            END
            IF @masking = 1 AND (@c = 39 OR (@kv = 1 AND @c = 59))
            BEGIN  -- the end of the secret: the closing quote, or `;` after a PWD= value
                SET @out += SUBSTRING(@q, @from, @start - @from) + N'***';
                SET @from = @i;
                SET @masking = 0;
                SET @kv = 0;
            END
            IF @c = 39
                SET @st = 0;
            ELSE IF @masking = 0
            BEGIN  -- the words of a connection string: PWD= and Password= start a secret value
                IF @c BETWEEN 65 AND 90 OR @c BETWEEN 97 AND 122 OR @c = 95
                BEGIN
                    IF @kstart = 0
                        SET @kstart = @i;
                END
                ELSE
                BEGIN
                    IF @kstart > 0
                    BEGIN
                        SET @kword = @kstart;
                        SET @kend = @i;
                        SET @kstart = 0;
                    END
                    IF @c = 61 AND @kend > 0
                       AND (SUBSTRING(@q, @kword, @kend - @kword) COLLATE Latin1_General_BIN2 LIKE N'[Pp][Ww][Dd]'
                            OR SUBSTRING(@q, @kword, @kend - @kword) COLLATE Latin1_General_BIN2
                               LIKE N'[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]')
                    BEGIN
                        SET @masking = 1;
                        SET @kv = 1;
                        SET @start = @i + 1;
                    END
                    IF @c <> 32
                        SET @kend = 0;
                END
            END
            SET @i += 1;
            CONTINUE;
        END
        IF @st IN (2, 3)
        BEGIN
            IF @c = CASE @st WHEN 2 THEN 93 ELSE 34 END
            BEGIN
                IF @c2 = @c
                    SET @i += 1;
                ELSE
                BEGIN  -- the [name] or "name" ends: an argument of a call, or the name of one
                    SET @st = 0;
                    IF @argst = 2
                        SET @argst = 0;  -- a name where `,` was due: the call has ended
                    IF @argst = 1 AND @brace = 0
                    BEGIN
                        IF @named = 0 AND (@args / POWER(2, @argno - 1)) % 2 = 1
                        BEGIN
                            SET @out += SUBSTRING(@q, @from, @qstart + 1 - @from) + N'***';
                            SET @from = @i;
                        END
                        SET @argst = 2;
                        SET @atword = 0;
                    END
                    ELSE IF @argst = 0 AND @i - @qstart > 10
                    BEGIN
                        SET @args = schema_sync.secret_arguments(SUBSTRING(@q, @qstart + 1, @i - @qstart - 1));
                        IF @args > 0
                        BEGIN
                            SET @argst = 1;
                            SET @argno = 1;
                            SET @paren = 0;
                            SET @brace = 0;
                            SET @named = 0;
                            SET @atword = 0;
                        END
                    END
                END
            END
            SET @i += 1;
            CONTINUE;
        END
        IF @st = 4
        BEGIN
            IF @c = 10
                SET @st = 0;
            SET @i += 1;
            CONTINUE;
        END
        IF @st = 5
        BEGIN
            IF @c = 42 AND @c2 = 47
            BEGIN
                SET @depth -= 1;
                SET @i += 1;
                IF @depth = 0
                    SET @st = 0;
            END
            ELSE IF @c = 47 AND @c2 = 42
            BEGIN
                SET @depth += 1;
                SET @i += 1;
            END
            SET @i += 1;
            CONTINUE;
        END
        -- code: words (keywords, names, @variables, numbers, 0x… hashes) are read whole
        IF @c = 95 OR @c IN (35, 36, 64) OR @c BETWEEN 48 AND 57 OR @c BETWEEN 65 AND 90
           OR @c BETWEEN 97 AND 122 OR @c > 127
        BEGIN
            IF @wlen = 0
                SET @wstart = @i;
            SET @wlen += 1;
            SET @i += 1;
            IF @i <= @n
                CONTINUE;
            SET @c = 32;  -- the text ends with a word: end it below
        END
        IF @wlen > 0
        BEGIN
            SET @secret = 0;
            IF @argst = 1 AND @brace = 0 AND @named = 0 AND (@args / POWER(2, @argno - 1)) % 2 = 1
               AND UNICODE(SUBSTRING(@q, @wstart, 1)) <> 64
               AND SUBSTRING(@q, @wstart, @wlen) COLLATE Latin1_General_BIN2 NOT LIKE N'[Nn][Uu][Ll][Ll]'
               AND SUBSTRING(@q, @wstart, @wlen) COLLATE Latin1_General_BIN2 NOT LIKE N'[Dd][Ee][Ff][Aa][Uu][Ll][Tt]'
               AND NOT (@wlen = 1 AND UNICODE(SUBSTRING(@q, @wstart, 1)) IN (78, 110) AND @c = 39)
            BEGIN  -- a bare word at a secret position (T-SQL reads it as a string) when `,` `;` `)` `}` or a line end follows
                SET @j = @i;
                WHILE @j <= @n AND UNICODE(SUBSTRING(@q, @j, 1)) IN (32, 9)
                    SET @j += 1;
                IF @j > @n OR UNICODE(SUBSTRING(@q, @j, 1)) IN (44, 59, 41, 125, 10, 13)
                    SET @secret = 1;
            END
            IF (@expect = 1 OR @secret = 1) AND @wlen > 2 AND UNICODE(SUBSTRING(@q, @wstart, 1)) = 48
               AND UNICODE(SUBSTRING(@q, @wstart + 1, 1)) IN (88, 120)
                SET @keep = 2;  -- PASSWORD = 0x… HASHED: the 0x stays
            ELSE
                SET @keep = CASE WHEN @secret = 1 THEN 0 ELSE -1 END;
            IF @keep >= 0
            BEGIN
                SET @out += SUBSTRING(@q, @from, @wstart + @keep - @from) + N'***';
                SET @from = @wstart + @wlen;
                SET @expect = 0;
            END
            ELSE IF schema_sync.names_secret(SUBSTRING(@q, @wstart, @wlen)) = 1
                SET @expect = 1;
            ELSE IF NOT (@wlen = 1 AND UNICODE(SUBSTRING(@q, @wstart, 1)) IN (78, 110) AND @c = 39)
                SET @expect = 0;  -- any other word (MUST_CHANGE, HASHED, a name) ends the wait; N'…' does not
            IF NOT (@wlen = 1 AND UNICODE(SUBSTRING(@q, @wstart, 1)) IN (78, 110) AND @c = 39)
            BEGIN  -- a call's arguments
                IF @argst = 2
                    SET @argst = 0;  -- a word where `,` was due: the call has ended
                ELSE IF @argst = 1 AND @brace = 0
                BEGIN
                    SET @atword = CASE WHEN UNICODE(SUBSTRING(@q, @wstart, 1)) = 64 THEN 1 ELSE 0 END;
                    IF @atword = 1 AND @args >= 256
                       AND (SUBSTRING(@q, @wstart + 1, @wlen - 1) COLLATE Latin1_General_BIN2 LIKE N'[Oo][Ll][Dd]'
                            OR SUBSTRING(@q, @wstart + 1, @wlen - 1) COLLATE Latin1_General_BIN2 LIKE N'[Nn][Ee][Ww]')
                        SET @expect = 1;  -- sp_password's @old = '…', @new = '…'
                    SET @argst = 2;
                END
                IF @argst = 0 AND @wlen >= 10
                BEGIN
                    SET @args = schema_sync.secret_arguments(SUBSTRING(@q, @wstart, @wlen));
                    IF @args > 0
                    BEGIN
                        SET @argst = 1;
                        SET @argno = 1;
                        SET @paren = 0;
                        SET @brace = 0;
                        SET @named = 0;
                        SET @atword = 0;
                    END
                END
            END
            SET @wlen = 0;
            IF @i > @n
                BREAK;
        END
        -- a call's arguments: `,` (and `;` in parentheses) moves to the next one; other signs end the call
        IF @argst > 0 AND @c NOT IN (39, 91, 34, 32, 9, 10, 13, 43, 45, 47)
        BEGIN
            IF (@c = 44 OR (@c = 59 AND @paren = 1)) AND @argst = 2 AND @brace = 0
            BEGIN
                SET @argst = 1;
                SET @atword = 0;
                IF @argno < 8
                    SET @argno += 1;
            END
            ELSE IF @c = 40 AND @argst = 1 AND @argno = 1 AND @paren = 0
                SET @paren = 1;
            ELSE IF @c = 123 AND @argst = 1
                SET @brace = 1;
            ELSE IF @c = 125 AND @brace = 1
            BEGIN
                SET @brace = 0;
                SET @argst = 2;
            END
            ELSE IF @c = 61 AND @argst = 2 AND @atword = 1
            BEGIN
                SET @named = 1;
                SET @argst = 1;
                SET @atword = 0;
            END
            ELSE
                SET @argst = 0;
        END
        IF @c = 39
        BEGIN
            SET @st = 1;
            SET @kstart = 0;
            SET @kend = 0;
            IF @argst = 2
                SET @argst = 0;  -- a literal where `,` was due: the call has ended
            SET @secret = CASE WHEN @argst = 1 AND @named = 0 AND (@args / POWER(2, @argno - 1)) % 2 = 1
                               THEN 1 ELSE 0 END;
            IF @argst = 1 AND @brace = 0
            BEGIN
                SET @argst = 2;
                SET @atword = 0;
            END
            IF @expect = 1 OR @secret = 1
            BEGIN
                SET @masking = 1;
                SET @kv = 0;
                SET @start = @i + 1;
                SET @expect = 0;
            END
        END
        ELSE IF @c = 91
        BEGIN
            SET @st = 2;
            SET @qstart = @i;
        END
        ELSE IF @c = 34
        BEGIN
            SET @st = 3;
            SET @qstart = @i;
        END
        ELSE IF @c = 45 AND @c2 = 45
        BEGIN
            SET @st = 4;
            SET @i += 1;
        END
        ELSE IF @c = 47 AND @c2 = 42
        BEGIN
            SET @st = 5;
            SET @depth = 1;
            SET @i += 1;
        END
        ELSE IF @c NOT IN (61, 32, 9, 10, 13)
            SET @expect = 0;
        SET @i += 1;
    END
    IF @masking = 1  -- the text ends inside the secret
        RETURN @out + SUBSTRING(@q, @from, @start - @from) + N'***';
    RETURN @out + SUBSTRING(@q, @from, @n - @from + 1);
END
GO

-- ------------------------------------------------------------------ the trigger's user
-- A user without login: nobody can sign in as it. The trigger runs as this
-- user (WITH EXECUTE AS), so ordinary users need no rights on schema_sync,
-- and the trigger itself can only append to the log.
IF DATABASE_PRINCIPAL_ID(N'schema_sync_writer') IS NULL
    CREATE USER schema_sync_writer WITHOUT LOGIN WITH DEFAULT_SCHEMA = schema_sync;
GO
GRANT INSERT ON OBJECT::schema_sync.drift_log TO schema_sync_writer;
GRANT SELECT ON OBJECT::schema_sync.contract_columns TO schema_sync_writer;
GRANT SELECT ON OBJECT::schema_sync.install_info TO schema_sync_writer;
GRANT EXECUTE ON OBJECT::schema_sync.note_trigger_error TO schema_sync_writer;
GRANT EXECUTE ON OBJECT::schema_sync.mask_statement TO schema_sync_writer;
GO

-- ------------------------------------------------------------------ the DDL trigger
-- Fires after every database-level DDL event, inside the DDL's transaction. Statistics (CREATE, UPDATE,
-- DROP STATISTICS) and ALTER INDEX … REBUILD / REORGANIZE are maintenance, not schema: nightly jobs would
-- fill the log with pending rows, so they are left out at the top of the body.
--
-- Failure policy (fail open): when the log insert fails, the DDL still goes
-- through. A drift log must not become an outage: a full log, a lost grant or
-- a bug here would otherwise block every deployment. The failure is recorded
-- in install_info.last_error for a health check to report. XACT_ABORT is ON by
-- default inside triggers, which would doom the transaction on any error, so
-- the trigger turns it OFF; an error severe enough to doom the transaction
-- anyway (XACT_STATE() = -1) still rolls the DDL back, and nothing can be
-- written then.
--
-- Contract enforcement (install_info.enforce_contracts = '1'): DROP TABLE or
-- rename (sp_rename fires RENAME) of a protected table, and ALTER TABLE that
-- drops or alters a protected column, or renaming it, is refused. A write made
-- before ROLLBACK is undone with it, and EVENTDATA() is no longer valid after
-- ROLLBACK, so the trigger first copies everything it needs into variables
-- (variables are not transactional), rolls back, then writes the refusal row
-- (statements after ROLLBACK in a trigger run outside the rolled-back
-- transaction; under IMPLICIT_TRANSACTIONS ON, as ODBC's manual-commit mode sets
-- it, that INSERT opens a new transaction the client would roll back, so it is
-- committed here), and finally THROWs a message naming the contract and its
-- owner. Also refused: DROP VIEW and renaming a protected view, and ALTER SCHEMA
-- … TRANSFER of an object with a protected table's name.
--
-- Deploy tags: SESSION_CONTEXT's schema_sync.deploy_id marks a change 'deployed' only while the
-- session holds the deploy's application lock ('mkdocs-schema-sync deploy', owner
-- Session, as `mkdocs-schema-sync deploy` takes it); anyone else setting the key is logged as drift.
CREATE OR ALTER TRIGGER schema_sync_ddl
ON DATABASE
WITH EXECUTE AS 'schema_sync_writer'
FOR DDL_DATABASE_LEVEL_EVENTS
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT OFF;

    -- EVENTDATA() returns data only when called directly in the trigger body.
    DECLARE @event xml = EVENTDATA();
    DECLARE
        @event_type  nvarchar(64)  = @event.value('(/EVENT_INSTANCE/EventType)[1]', 'nvarchar(64)'),
        @object_type nvarchar(64)  = @event.value('(/EVENT_INSTANCE/ObjectType)[1]', 'nvarchar(64)'),
        @schema_name nvarchar(256) = @event.value('(/EVENT_INSTANCE/SchemaName)[1]', 'nvarchar(256)'),
        @object_name nvarchar(256) = @event.value('(/EVENT_INSTANCE/ObjectName)[1]', 'nvarchar(256)'),
        @target_name nvarchar(256) = @event.value('(/EVENT_INSTANCE/TargetObjectName)[1]', 'nvarchar(256)'),
        @target_type nvarchar(64)  = @event.value('(/EVENT_INSTANCE/TargetObjectType)[1]', 'nvarchar(64)'),
        @statement   nvarchar(max) = @event.value('(/EVENT_INSTANCE/TSQLCommand/CommandText)[1]', 'nvarchar(max)'),
        -- the person, not the EXECUTE AS user this trigger runs as
        @login_name  nvarchar(256) = ORIGINAL_LOGIN(),
        @refusal     nvarchar(2048) = NULL,
        @swallowed   int,
        -- set by `mkdocs-schema-sync deploy` for its session: its changes are deployed, not drift
        @deploy_id   nvarchar(64) = CONVERT(nvarchar(64), SESSION_CONTEXT(N'schema_sync.deploy_id'));

    -- This project's own objects are not schema drift.
    IF @schema_name = N'schema_sync'
        RETURN;

    -- Maintenance is not schema drift (see above); UPPER: the database collation may be case-sensitive.
    IF @event_type IN (N'CREATE_STATISTICS', N'UPDATE_STATISTICS', N'DROP_STATISTICS')
       OR (@event_type = N'ALTER_INDEX'
           AND (UPPER(@statement) LIKE N'%REBUILD%' OR UPPER(@statement) LIKE N'%REORGANIZE%'))
        RETURN;

    -- A deploy tag counts only from the session that holds the deploy's lock.
    IF @deploy_id IS NOT NULL
       AND APPLOCK_MODE(N'public', N'mkdocs-schema-sync deploy', N'Session') <> N'Exclusive'
        SET @deploy_id = NULL;

    -- Before anything is written: no password reaches the log (see schema_sync.mask_statement).
    BEGIN TRY
        SET @statement = schema_sync.mask_statement(@statement);
    END TRY
    BEGIN CATCH  -- never the raw statement
        SET @statement = CONCAT(N'(not shown: masking the statement failed, error ', ERROR_NUMBER(), N')');
    END CATCH

    IF EXISTS (SELECT 1 FROM schema_sync.install_info WHERE name = 'enforce_contracts' AND value = N'1')
    BEGIN
        IF @event_type IN (N'DROP_TABLE', N'DROP_VIEW')
           OR (@event_type = N'RENAME' AND @object_type IN (N'TABLE', N'VIEW'))
            SELECT TOP (1) @refusal = CONCAT(
                N'schema-sync: ', @event_type, N' of [', @schema_name, N'].[', @object_name,
                N'] refused: it is protected by contract ''', cc.contract_name,
                N''' (owner: ', COALESCE(cc.owner, N'unknown'), N'). Change the contract first, ',
                N'or set enforce_contracts to 0 in schema_sync.install_info.')
            FROM schema_sync.contract_columns AS cc
            WHERE cc.schema_name = @schema_name AND cc.table_name = @object_name
            ORDER BY cc.contract_name, cc.column_name;
        ELSE IF @event_type = N'RENAME' AND @object_type = N'COLUMN' AND @target_type = N'TABLE'
            SELECT TOP (1) @refusal = CONCAT(
                N'schema-sync: renaming column [', @schema_name, N'].[', @target_name, N'].[', @object_name,
                N'] refused: it is protected by contract ''', cc.contract_name,
                N''' (owner: ', COALESCE(cc.owner, N'unknown'), N'). Change the contract first, ',
                N'or set enforce_contracts to 0 in schema_sync.install_info.')
            FROM schema_sync.contract_columns AS cc
            WHERE cc.schema_name = @schema_name AND cc.table_name = @target_name AND cc.column_name = @object_name
            ORDER BY cc.contract_name;
        ELSE IF @event_type = N'ALTER_SCHEMA'
            -- No published EVENTDATA capture settles which element names the old schema: any
            -- protected table of that name is enough to refuse (see the README's live-server list).
            SELECT TOP (1) @refusal = CONCAT(
                N'schema-sync: ALTER SCHEMA … TRANSFER of [', @object_name, N'] refused: [', cc.schema_name,
                N'].[', cc.table_name, N'] is protected by contract ''', cc.contract_name,
                N''' (owner: ', COALESCE(cc.owner, N'unknown'), N'). Change the contract first, ',
                N'or set enforce_contracts to 0 in schema_sync.install_info.')
            FROM schema_sync.contract_columns AS cc
            WHERE cc.table_name IN (@object_name, @target_name)
            ORDER BY cc.contract_name, cc.schema_name;
        ELSE IF @event_type = N'ALTER_TABLE'
            SELECT TOP (1) @refusal = CONCAT(
                N'schema-sync: ALTER TABLE [', @schema_name, N'].[', @object_name, N'] refused: it ',
                CASE a.action WHEN N'Drop' THEN N'drops' ELSE N'alters' END, N' column [', cc.column_name,
                N'], protected by contract ''', cc.contract_name,
                N''' (owner: ', COALESCE(cc.owner, N'unknown'), N'). Change the contract first, ',
                N'or set enforce_contracts to 0 in schema_sync.install_info.')
            FROM schema_sync.contract_columns AS cc
            JOIN (
                SELECT N'Drop' AS action, n.value('.', 'sysname') AS column_name
                FROM @event.nodes('/EVENT_INSTANCE/AlterTableActionList/Drop/Columns/Name') AS x(n)
                UNION ALL
                SELECT N'Alter', n.value('.', 'sysname')
                FROM @event.nodes('/EVENT_INSTANCE/AlterTableActionList/Alter/Columns/Name') AS x(n)
            ) AS a ON a.column_name = cc.column_name
            WHERE cc.schema_name = @schema_name AND cc.table_name = @object_name
            ORDER BY cc.contract_name, cc.column_name;
    END

    IF @refusal IS NOT NULL
    BEGIN
        ROLLBACK TRANSACTION;
        BEGIN TRY
            INSERT INTO schema_sync.drift_log
                (login_name, event_type, object_type, schema_name, object_name, statement,
                 source, sync_status, status_changed_at, status_ref)
            VALUES
                (@login_name, @event_type, @object_type, @schema_name, @object_name, @statement,
                 'trigger', 'refused', SYSUTCDATETIME(), LEFT(@refusal, 512));
            IF @@TRANCOUNT > 0
                COMMIT TRANSACTION;  -- opened by the INSERT under IMPLICIT_TRANSACTIONS (see above)
        END TRY
        BEGIN CATCH
            SET @swallowed = ERROR_NUMBER();  -- the refusal stands even if it cannot be logged
        END CATCH;
        THROW 50001, @refusal, 1;
    END

    BEGIN TRY
        INSERT INTO schema_sync.drift_log
            (login_name, event_type, object_type, schema_name, object_name, statement,
             source, sync_status, status_changed_at, status_ref)
        VALUES
            (@login_name, @event_type, @object_type, @schema_name, @object_name, @statement,
             CASE WHEN @deploy_id IS NULL THEN 'trigger' ELSE 'deploy' END,
             CASE WHEN @deploy_id IS NULL THEN 'pending' ELSE 'deployed' END,
             CASE WHEN @deploy_id IS NULL THEN NULL ELSE SYSUTCDATETIME() END,
             @deploy_id);
    END TRY
    BEGIN CATCH
        -- Fail open (see above): let the DDL through, remember why the log missed it.
        IF XACT_STATE() = 1
        BEGIN
            BEGIN TRY
                DECLARE @message nvarchar(256) = LEFT(CONCAT(
                    CONVERT(varchar(19), SYSUTCDATETIME(), 126), N' ', @event_type, N': error ',
                    ERROR_NUMBER(), N': ', ERROR_MESSAGE()), 256);
                EXEC schema_sync.note_trigger_error @message = @message;
            END TRY
            BEGIN CATCH
                SET @swallowed = ERROR_NUMBER();
            END CATCH;
        END
    END CATCH;
END
GO

-- ------------------------------------------------------------------ version (last: only a complete install sets it)
-- mode 'triggers': the trigger fills the log, so polling (mode 'poll') stands aside from now on.
-- version 2: positional secret arguments masked (sp_addlogin, sp_password, ...); `health` names an older one.
UPDATE schema_sync.install_info SET value = N'triggers' WHERE name = 'mode';
IF @@ROWCOUNT = 0
    INSERT INTO schema_sync.install_info (name, value) VALUES ('mode', N'triggers');
UPDATE schema_sync.install_info SET value = N'2' WHERE name = 'version';
IF @@ROWCOUNT = 0
    INSERT INTO schema_sync.install_info (name, value) VALUES ('version', N'2');
GO
