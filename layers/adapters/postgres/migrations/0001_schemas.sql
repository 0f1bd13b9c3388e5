-- The layers of the warehouse (DESIGN.md §3). `ops` already exists: the migration ledger lives there.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS silver;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS marts;

COMMENT ON SCHEMA raw IS 'Landed data as received: feeds and Kafka events, keyed and idempotent';
COMMENT ON SCHEMA silver IS 'Cleaned, normalised records (security logs)';
COMMENT ON SCHEMA staging IS 'dbt staging views';
COMMENT ON SCHEMA marts IS 'dbt marts: dimensions and facts';
COMMENT ON SCHEMA ops IS 'Pipeline bookkeeping: migrations, checkpoints, run history';
