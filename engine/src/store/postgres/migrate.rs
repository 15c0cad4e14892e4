//! The schema's migrations (`engine/migrations/postgres/*.sql`), applied at open. Each runs
//! in a transaction of its own that first takes `pg_advisory_xact_lock(MIGRATION_LOCK)`, so
//! nodes starting together take turns: the first applies it, the others find it recorded
//! in `natter_migrations` and go on. A database migrated by a newer Natter (a version this
//! one does not know) is refused, as the SQLite store refuses one.

use super::pg_error;
use crate::store::StoreError;
use tokio_postgres::Client;

/// The advisory lock key of migrations: "natter" in ASCII.
const MIGRATION_LOCK: i64 = 0x6e61_7474_6572;

struct Migration {
    version: i32,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_schema",
        sql: include_str!("../../../migrations/postgres/0001_schema.sql"),
    },
    Migration {
        version: 2,
        name: "0002_cluster",
        sql: include_str!("../../../migrations/postgres/0002_cluster.sql"),
    },
    Migration {
        version: 3,
        name: "0003_rate_windows",
        sql: include_str!("../../../migrations/postgres/0003_rate_windows.sql"),
    },
];

/// The migrations this version knows, by version and name.
#[cfg(test)]
pub fn known() -> Vec<(i32, &'static str)> {
    MIGRATIONS.iter().map(|m| (m.version, m.name)).collect()
}

/// Applies the migrations `client`'s database lacks.
pub async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let latest = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
    for migration in MIGRATIONS {
        let tx = client.transaction().await.map_err(pg_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(pg_error)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS natter_migrations (
                 version    INTEGER     PRIMARY KEY,
                 name       TEXT        NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(pg_error)?;
        let newest: Option<i32> =
            tx.query_one("SELECT MAX(version) FROM natter_migrations", &[]).await.map_err(pg_error)?.get(0);
        if let Some(newest) = newest.filter(|v| *v > latest) {
            return Err(StoreError::Postgres(format!(
                "the database has migration {newest}, newer than this version of Natter knows ({latest})"
            )));
        }
        let applied = tx
            .query_opt("SELECT 1 FROM natter_migrations WHERE version = $1", &[&migration.version])
            .await
            .map_err(pg_error)?
            .is_some();
        if !applied {
            tx.batch_execute(migration.sql).await.map_err(|error| {
                StoreError::Postgres(format!(
                    "migration {} failed: {}",
                    migration.name,
                    super::describe(&error)
                ))
            })?;
            tx.execute(
                "INSERT INTO natter_migrations (version, name) VALUES ($1, $2)",
                &[&migration.version, &migration.name],
            )
            .await
            .map_err(pg_error)?;
        }
        tx.commit().await.map_err(pg_error)?;
        if !applied {
            tracing::info!(migration = migration.name, "applied a PostgreSQL migration");
        }
    }
    Ok(())
}
