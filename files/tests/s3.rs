//! The blob store against a real S3-compatible server: moto's, started here on a free port.
//! The same `Blobs` code path as the directory store, reached through an `s3://` address.
//!
//! moto is installed by `scripts/setup.sh test` into `.tools/moto`; `NATTER_MOTO_SERVER`
//! names another `moto_server`. Without one this test fails: CI runs the setup first.

use files::{BlobError, Blobs, Part};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BUCKET: &str = "natter-files";

/// The `moto_server` to run.
fn moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("NATTER_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    workspace.join(".tools/moto/bin/moto_server")
}

/// A running moto server, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
    /// Holds the server's log.
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl Moto {
    fn start() -> Moto {
        let program = moto_server();
        assert!(
            program.is_file(),
            "no S3-compatible test server at {}: run `scripts/setup.sh test` (it installs moto \
             into .tools/moto), or set NATTER_MOTO_SERVER to a moto_server",
            program.display()
        );
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("moto.log");
        let output = std::fs::File::create(&log).unwrap();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .unwrap_or_else(|error| panic!("starting {}: {error}", program.display()));
        let mut moto = Moto { child, port, _dir: dir, log };
        moto.wait_until_it_answers();
        moto
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_until_it_answers(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("moto_server exited ({status}) before answering:\n{}", self.log());
            }
            if self.request("GET", "/").is_ok() {
                return;
            }
            assert!(Instant::now() < deadline, "moto_server did not answer in 60 s:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A bodiless HTTP request; the response's status code.
    fn request(&self, method: &str, path: &str) -> std::io::Result<u16> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let response = String::from_utf8_lossy(&response);
        response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {response:?}")))
    }

    fn create_bucket(&self, bucket: &str) {
        let status = self.request("PUT", &format!("/{bucket}")).unwrap();
        assert_eq!(status, 200, "creating bucket {bucket}:\n{}", self.log());
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn blobs_in_an_s3_compatible_store() {
    let moto = Moto::start();
    moto.create_bucket(BUCKET);
    // moto takes any credentials; without some, object_store would ask the instance metadata
    // service. Set before the store is built; this binary's only test.
    std::env::set_var("AWS_ACCESS_KEY_ID", "natter-test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "natter-test-secret");

    let address = format!("s3://{BUCKET}?endpoint={}&region=us-east-1&allow_http=true", moto.endpoint());
    let blobs = Blobs::from_address(&address).unwrap();
    assert_eq!(blobs.place, format!("s3://{BUCKET}"));

    let original = b"the original, as uploaded".to_vec();
    let thumbnail = b"a smaller picture".to_vec();
    let hash = files::media::hash(&original);
    assert!(!blobs.exists(&hash, Part::Whole).await.unwrap());
    blobs.put(&hash, Part::Whole, original.clone()).await.unwrap();
    blobs.put(&hash, Part::Whole, original.clone()).await.unwrap(); // stored once
    assert!(blobs.exists(&hash, Part::Whole).await.unwrap());
    assert!(!blobs.exists(&hash, Part::Thumb).await.unwrap());
    blobs.put(&hash, Part::Thumb, thumbnail.clone()).await.unwrap();
    assert!(blobs.exists(&hash, Part::Thumb).await.unwrap());

    let whole = blobs.get(&hash, Part::Whole, None).await.unwrap();
    assert_eq!((whole.size, whole.range.clone()), (25, 0..25));
    assert_eq!(whole.bytes().await.unwrap(), original);
    let thumb = blobs.get(&hash, Part::Thumb, None).await.unwrap();
    assert_eq!(thumb.bytes().await.unwrap(), thumbnail);
    let part = blobs.get(&hash, Part::Whole, Some(4..12)).await.unwrap();
    assert_eq!((part.size, part.range.clone()), (25, 4..12));
    assert_eq!(part.bytes().await.unwrap(), b"original");

    blobs.delete(&hash).await.unwrap();
    blobs.delete(&hash).await.unwrap(); // fine when gone already
    assert!(!blobs.exists(&hash, Part::Whole).await.unwrap());
    assert!(!blobs.exists(&hash, Part::Thumb).await.unwrap());
    let gone = blobs.get(&hash, Part::Whole, None).await;
    assert!(
        matches!(gone, Err(BlobError::Store(object_store::Error::NotFound { .. }))),
        "a deleted blob is not found, got {:?}",
        gone.err()
    );
}
