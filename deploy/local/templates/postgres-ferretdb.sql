-- Applied by `citizeninfo-stack up` to the PostgreSQL that backs FerretDB (idempotent).
--
-- FerretDB 1.x pushes an equality filter down as `_jsonb -> 'field' @> value`, but the indexes it
-- creates are btree on `_jsonb -> 'field'`, which `@>` cannot use: every find scans the table. This
-- trigger gives each single-field index FerretDB creates a GIN twin on the same expression, which
-- `@>` can use. With `plan_cache_mode = force_custom_plan` the field name is known at planning time.
CREATE OR REPLACE FUNCTION citizeninfo_gin_twin() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
    command record;
    btree record;
BEGIN
    FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
        SELECT index_class.relname AS index_name,
               index_row.indrelid::regclass AS table_name,
               pg_get_indexdef(index_row.indexrelid, 1, true) AS expression
          INTO btree
          FROM pg_index index_row
          JOIN pg_class index_class ON index_class.oid = index_row.indexrelid
          JOIN pg_am access_method ON access_method.oid = index_class.relam
         WHERE index_row.indexrelid = command.objid
           AND access_method.amname = 'btree'
           AND index_row.indnatts = 1
           AND index_row.indexprs IS NOT NULL;
        IF FOUND AND btree.expression LIKE '(_jsonb -> %' THEN
            EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s)',
                           left(btree.index_name, 58) || '_gin', btree.table_name, btree.expression);
        END IF;
    END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS citizeninfo_gin_twin;
CREATE EVENT TRIGGER citizeninfo_gin_twin ON ddl_command_end
    WHEN TAG IN ('CREATE INDEX')
    EXECUTE FUNCTION citizeninfo_gin_twin();
