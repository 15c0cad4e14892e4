//! Fresh databases for tests (the engine's and the server's).

use tokio_postgres::NoTls;

/// The server tests connect to when `NATTER_TEST_POSTGRES` is not set.
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database made for one test, dropped (best effort) when this is dropped.
pub struct TestDatabase {
    url: String,
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// Its URL, for [`super::PgStore::open`] (or a server's `--database`).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL it was made through (`NATTER_TEST_POSTGRES`'s): a connection to another
    /// database of the same server, from which this one can be altered or its connections
    /// ended.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }
}

/// For tests: a new, empty database `natter_t_<random>` on the PostgreSQL server at
/// `NATTER_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`, a database the
/// URL's user may connect to and whose server lets it `CREATE DATABASE`), so tests can run
/// in parallel. Dropping the returned value drops the database, best effort.
///
/// `None` when the server cannot be reached: the caller skips its test (this prints a line
/// saying so) — unless `NATTER_REQUIRE_SERVICES=1` is set, when this panics instead, so CI
/// cannot pass without PostgreSQL. Panics too if the server answers but the database cannot
/// be made.
pub async fn test_database() -> Option<TestDatabase> {
    let url = std::env::var("NATTER_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let required = std::env::var("NATTER_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
    let client = match connect(&url).await {
        Ok(client) => client,
        Err(error) if required => {
            panic!(
                "PostgreSQL is required (NATTER_REQUIRE_SERVICES=1) but cannot be reached: {}",
                super::describe(&error)
            )
        }
        Err(error) => {
            println!(
                "skipped: PostgreSQL cannot be reached ({}); set NATTER_TEST_POSTGRES to its URL, \
                 or NATTER_REQUIRE_SERVICES=1 to fail instead of skipping",
                super::describe(&error)
            );
            return None;
        }
    };
    let name = format!("natter_t_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|error| panic!("cannot create the test database {name}: {error}"));
    Some(TestDatabase { url: with_database(&url, &name), admin_url: url, name })
}

/// Connects to `url`, giving up after 3 s.
async fn connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut config: tokio_postgres::Config =
        url.parse().unwrap_or_else(|error| panic!("NATTER_TEST_POSTGRES is not a PostgreSQL URL: {error}"));
    config.connect_timeout(std::time::Duration::from_secs(3));
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let Some(rest) = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://")) else {
        // The key=value form: a later key overrides an earlier one.
        return format!("{url} dbname={name}");
    };
    let scheme = &url[..url.len() - rest.len()];
    let (before_query, query) = match rest.find('?') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let authority = before_query.split('/').next().unwrap_or("");
    format!("{scheme}{authority}/{name}{query}")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop may run inside the test's runtime, which must not block on itself: a thread
        // of its own with a runtime of its own does it.
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let client = connect(&admin).await.ok()?;
                // FORCE: connections the test left open (a store still being dropped) go too
                // (PostgreSQL 13 and later).
                let force =
                    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                match force {
                    Ok(()) => Some(()),
                    Err(_) => client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).await.ok(),
                }
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_test_database_replaces_the_urls_own() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "t1"),
            "postgresql://u:p@h/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t1"), "postgres://h/t1");
        assert_eq!(with_database("host=h user=u dbname=test", "t1"), "host=h user=u dbname=test dbname=t1");
    }
}
