//! Redis for the scale-out tests (on this machine; CI has it on 127.0.0.1); their PostgreSQL
//! databases come from `engine::store::postgres::test_database`. When Redis cannot be reached
//! the test says so and passes, unless `NATTER_REQUIRE_SERVICES=1` (set by `make test`), where
//! it fails.

use std::time::Duration;

pub fn redis_url() -> String {
    std::env::var("NATTER_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn required() -> bool {
    std::env::var("NATTER_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// Fails (services required) or tells the test to skip itself.
fn unavailable<T>(what: &str, error: &dyn std::fmt::Display) -> Option<T> {
    if required() {
        panic!("{what} is required (NATTER_REQUIRE_SERVICES=1) but cannot be reached: {error}");
    }
    eprintln!("SKIPPED: {what} cannot be reached ({error}); set NATTER_REQUIRE_SERVICES=1 to fail instead");
    None
}

/// Whether Redis answers at `url`; `false`: skip the test.
pub async fn redis_answers(url: &str) -> bool {
    let answer = async {
        let client = redis::Client::open(url)?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    match tokio::time::timeout(Duration::from_secs(5), answer).await {
        Ok(Ok(_)) => true,
        Ok(Err(error)) => unavailable::<()>("Redis", &error).is_some(),
        Err(_) => unavailable::<()>("Redis", &"timed out").is_some(),
    }
}

/// A Redis server of the test's own on a free port (the test stops and restarts it), from
/// the `redis-server` on PATH; `None`: skip the test.
pub struct OwnRedis {
    pub port: u16,
    child: Option<std::process::Child>,
}

impl OwnRedis {
    pub fn start() -> Option<OwnRedis> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let mut redis = OwnRedis { port, child: None };
        match redis.run() {
            Ok(()) => Some(redis),
            Err(error) => unavailable("redis-server", &error),
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// (Re)starts it and waits until it takes connections.
    pub fn run(&mut self) -> std::io::Result<()> {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()?;
        self.child = Some(child);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(std::io::Error::other("redis-server did not start"))
    }

    /// Kills it (SIGKILL): everything subscribed or in flight is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}
