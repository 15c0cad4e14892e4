//! `/upload PATH [caption]`: the file is checked here (there, a file, at most 25 MiB) before
//! anything is sent, then POSTed to the server's `/api/files` with an upload token (asked for
//! on the live connection) by a task of its own, which reports its progress and the
//! [`Attachment`] the server made of it; the screen then sends the message.
//!
//! The HTTP contract: `POST /api/files?name=NAME` with `Authorization: Bearer TOKEN` and the
//! file's bytes as the body; `201` answers the attachment as JSON, an error
//! `{"code": …, "message": …}` (`429` with `Retry-After`).

use crate::lang::{t, tf};
use futures::{Stream, StreamExt};
use protocol::Attachment;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// The largest file sent (the server refuses larger ones too).
pub const MAX_BYTES: u64 = 25 * 1024 * 1024;
/// A cached token is used until this long before it expires (ms).
pub const TOKEN_MARGIN_MS: i64 = 60_000;
/// The body goes in pieces this large, each counted for the progress.
const CHUNK: usize = 64 * 1024;
/// The whole upload, however slow the line.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The usage, for refusals.
pub fn usage() -> String {
    t("tui-upload-usage")
}

fn needs_file() -> String {
    tf("tui-upload-needs-file", &[("usage", (&usage()).into())])
}

/// A file checked for upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    /// Its file name (the server makes it safe).
    pub name: String,
    pub size: u64,
}

/// What an upload task says.
#[derive(Debug)]
pub enum Report {
    /// This much of the file is on its way (0 to 100).
    Progress {
        id: u64,
        percent: u8,
    },
    Done {
        id: u64,
        result: Result<Attachment, Failure>,
    },
}

/// Why an upload failed, to show as it is.
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    /// The token was refused (401): a fresh one may do.
    pub unauthorized: bool,
}

impl Failure {
    fn new(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), unauthorized: false }
    }
}

/// `/upload`'s argument as typed: the path, and the caption after it (line breaks kept). The
/// path may be quoted (`"…"` or `'…'`), have its spaces escaped (`my\ file.png`), be a
/// `file://` URL (as terminals paste a file dropped on them) or start with `~/`.
pub fn parse(raw: &str) -> Result<(PathBuf, String), String> {
    let raw = raw.trim();
    let mut chars = raw.char_indices();
    let Some((_, first)) = chars.next() else { return Err(needs_file()) };
    let mut path = String::new();
    let rest = if first == '"' || first == '\'' {
        let close =
            raw[1..].find(first).ok_or_else(|| tf("tui-upload-quote-open", &[("path", raw.into())]))?;
        path.push_str(&raw[1..1 + close]);
        let rest = &raw[2 + close..];
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            return Err(tf("tui-upload-space", &[("usage", (&usage()).into())]));
        }
        rest
    } else {
        let mut end = raw.len();
        let mut escaped = false;
        for (at, c) in raw.char_indices() {
            if escaped {
                escaped = false;
                path.push(c);
            } else if c.is_whitespace() {
                end = at;
                break;
            } else if c == '\\' && raw[at + 1..].starts_with(|n: char| !n.is_alphanumeric()) {
                // A shell's escape (`my\ file\(1\).png`); a backslash before a letter stays
                // one (`C:\Users\ann`).
                escaped = true;
            } else {
                path.push(c);
            }
        }
        &raw[end..]
    };
    if path.is_empty() {
        return Err(needs_file());
    }
    Ok((expand(&path), rest.trim().to_owned()))
}

/// `~/x` in the home directory, `file:///x` as `/x`.
fn expand(path: &str) -> PathBuf {
    if let Some(url) = path.strip_prefix("file://") {
        // `file:///home/x` or `file://localhost/home/x`.
        let local = url.strip_prefix("localhost").unwrap_or(url);
        return PathBuf::from(percent_decode(local));
    }
    let home = if path == "~" { Some("") } else { path.strip_prefix("~/") };
    match (home, dirs::home_dir()) {
        (Some(rest), Some(dir)) => dir.join(rest),
        _ => PathBuf::from(path),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[at], bytes.get(at + 1).copied().and_then(hex), bytes.get(at + 2).copied().and_then(hex))
        {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                at += 3;
            }
            (b, ..) => {
                out.push(b);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The file at `path` if it can be sent: it is there, a file (not a folder), readable, and at
/// most [`MAX_BYTES`].
pub fn check(path: &Path) -> Result<File, String> {
    let shown = path.display().to_string();
    let at = |key: &str| tf(key, &[("path", (&shown).into())]);
    let meta = std::fs::metadata(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => at("tui-upload-no-file"),
        std::io::ErrorKind::PermissionDenied => at("tui-upload-denied"),
        _ => unreadable(&shown, &error),
    })?;
    if meta.is_dir() {
        return Err(at("tui-upload-folder"));
    }
    if !meta.is_file() {
        return Err(at("tui-upload-not-regular"));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if meta.len() > MAX_BYTES {
        let size = crate::format::size(meta.len());
        return Err(tf("tui-upload-too-large", &[("name", (&name).into()), ("size", (&size).into())]));
    }
    std::fs::File::open(path).map_err(|error| unreadable(&shown, &error))?;
    Ok(File { path: path.to_owned(), name, size: meta.len() })
}

/// "PATH cannot be read: ERROR." (the error as the system says it).
fn unreadable(path: &str, error: &dyn std::fmt::Display) -> String {
    let error = error.to_string();
    tf("tui-upload-unreadable", &[("path", path.into()), ("error", (&error).into())])
}

/// The HTTP client of uploads (HTTP/1.1; rustls with the compiled-in roots, as `wss`).
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("natter-tui/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(UPLOAD_TIMEOUT)
        .build()
        .map_err(|error| tf("tui-upload-no-client", &[("error", (&describe(&error)).into())]))
}

/// An upload task: sends `file`, reporting to `reports` as upload `id`.
pub async fn run(
    client: reqwest::Client,
    base: String,
    token: String,
    id: u64,
    file: File,
    reports: UnboundedSender<Report>,
) {
    let progress = reports.clone();
    let result = post(&client, &base, &token, &file, move |percent| {
        let _ = progress.send(Report::Progress { id, percent });
    })
    .await;
    let _ = reports.send(Report::Done { id, result });
}

/// POSTs `file` to the server at `base` (`http(s)://host`); the attachment it made of it.
/// `progress` hears each new percentage of the file handed to the connection.
pub async fn post(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    file: &File,
    progress: impl FnMut(u8) + Send + 'static,
) -> Result<Attachment, Failure> {
    let data =
        tokio::fs::read(&file.path).await.map_err(|error| Failure::new(unreadable(&file.name, &error)))?;
    if data.len() as u64 > MAX_BYTES {
        return Err(Failure::new(tf("tui-upload-grew", &[("name", (&file.name).into())])));
    }
    let url =
        format!("{}/api/files?name={}", base.trim_end_matches('/'), protocol::url_path_segment(&file.name));
    let response = client
        .post(url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        // Known ahead, so the body is not chunked.
        .header(reqwest::header::CONTENT_LENGTH, data.len())
        .body(reqwest::Body::wrap_stream(chunks(data, progress)))
        .send()
        .await
        .map_err(|error| Failure::new(tf("tui-upload-failed", &[("error", (&describe(&error)).into())])))?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = response.bytes().await.map_err(|error| {
        Failure::new(tf("tui-upload-answer-cut", &[("error", (&describe(&error)).into())]))
    })?;
    if status.is_success() {
        let status = status.to_string();
        return serde_json::from_slice(&body)
            .map_err(|_| Failure::new(tf("tui-upload-answer-not-file", &[("status", (&status).into())])));
    }
    Err(refusal(status.as_u16(), &body, retry_after))
}

/// The failure an error answer means: the server's message (in English; in another
/// language the text for its code, when it is one this client knows), with when to try
/// again if it says; or its status when it sent none.
fn refusal(status: u16, body: &[u8], retry_after: Option<u64>) -> Failure {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(default)]
        code: String,
        message: String,
    }
    let mut message = match serde_json::from_slice::<Answer>(body) {
        Ok(answer) if !answer.message.trim().is_empty() => {
            refusal_text(&answer.code).unwrap_or_else(|| answer.message.trim().to_owned())
        }
        _ => {
            let code = status.to_string();
            match reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()) {
                Some(reason) => {
                    tf("tui-upload-answered-reason", &[("status", (&code).into()), ("reason", reason.into())])
                }
                None => tf("tui-upload-answered", &[("status", (&code).into())]),
            }
        }
    };
    if let Some(seconds) = retry_after.filter(|_| status == 429) {
        message.push(' ');
        message.push_str(&tf("tui-upload-retry-in", &[("seconds", seconds.into())]));
    }
    Failure { message, unauthorized: status == 401 }
}

/// The reader's language's text for an upload refusal's `code` (`docs/protocol.md`); `None` in
/// English, where the server's own sentence says more, and for a code this client does not
/// know.
fn refusal_text(code: &str) -> Option<String> {
    if crate::lang::locale() == crate::lang::Locale::En {
        return None;
    }
    let key = match code {
        "file_too_large" => "tui-upload-refused-too-large",
        "type_not_allowed" => "tui-upload-refused-type",
        "invalid_file" => "tui-upload-refused-invalid",
        "quota_exceeded" => "tui-upload-refused-quota",
        "storage_full" => "tui-upload-refused-server-full",
        "too_fast" => "tui-upload-refused-too-fast",
        "not_signed_in" => "tui-upload-refused-not-signed-in",
        "store_unavailable" => "tui-upload-refused-unavailable",
        _ => return None,
    };
    Some(t(key))
}

/// `data` in pieces, telling `progress` each new percentage handed over.
fn chunks(
    data: Vec<u8>,
    mut progress: impl FnMut(u8) + Send + 'static,
) -> impl Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    let total = data.len();
    let mut last = None;
    futures::stream::iter((0..total).step_by(CHUNK)).map(move |start| {
        let end = (start + CHUNK).min(total);
        let percent = (end * 100 / total) as u8;
        if last != Some(percent) {
            last = Some(percent);
            progress(percent);
        }
        Ok(data[start..end].to_vec())
    })
}

/// An error with its causes (reqwest's own text alone is often only "error sending request").
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn parsed(raw: &str) -> (String, String) {
        let (path, caption) = parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        (path.to_string_lossy().into_owned(), caption)
    }

    #[test]
    fn the_path_comes_first_then_the_caption() {
        assert_eq!(parsed("cat.png"), ("cat.png".into(), "".into()));
        assert_eq!(parsed("  /tmp/cat.png   look at him  "), ("/tmp/cat.png".into(), "look at him".into()));
        assert_eq!(parsed("cat.png two\nlines"), ("cat.png".into(), "two\nlines".into()));
        assert_eq!(parsed("\"my cat.png\" hi"), ("my cat.png".into(), "hi".into()));
        assert_eq!(parsed("'/home/ann/my cat.png' "), ("/home/ann/my cat.png".into(), "".into()));
        assert_eq!(parsed(r"my\ cat\(1\).png hi"), ("my cat(1).png".into(), "hi".into()));
        assert_eq!(parsed(r"C:\Users\ann\cat.png"), (r"C:\Users\ann\cat.png".into(), "".into()));
        assert_eq!(parsed("file:///tmp/my%20cat.png x"), ("/tmp/my cat.png".into(), "x".into()));
        assert_eq!(parsed("file://localhost/tmp/a.txt"), ("/tmp/a.txt".into(), "".into()));
        if let Some(home) = dirs::home_dir() {
            assert_eq!(parse("~/a.txt").unwrap().0, home.join("a.txt"));
        }
        assert_eq!(parsed("~nobody/a.txt").0, "~nobody/a.txt");
    }

    #[test]
    fn a_missing_path_or_quote_is_refused() {
        assert!(parse("").unwrap_err().contains("needs a file"));
        assert!(parse("   ").is_err());
        assert!(parse("\"\"").unwrap_err().contains("needs a file"));
        assert!(parse("\"my cat.png").unwrap_err().contains("not closed"));
        assert!(parse("\"my cat\".png").unwrap_err().contains("space"));
    }

    #[test]
    fn missing_folders_and_large_files_are_refused_before_anything_is_sent() {
        let dir = std::env::temp_dir().join(format!("natter-tui-upload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(check(&dir.join("nope.png")).unwrap_err().starts_with("There is no file"));
        assert!(check(&dir).unwrap_err().contains("is a folder"));
        let small = dir.join("small.txt");
        std::fs::write(&small, b"hello").unwrap();
        assert_eq!(check(&small), Ok(File { path: small.clone(), name: "small.txt".into(), size: 5 }));
        let big = dir.join("big.bin");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_BYTES + 1).unwrap();
        assert_eq!(check(&big).unwrap_err(), "big.bin is 26 MB: a file can be at most 25 MiB.");
        file.set_len(MAX_BYTES).unwrap();
        assert!(check(&big).is_ok(), "25 MiB exactly is fine");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn error_answers_show_the_servers_message() {
        let body = br#"{"code":"file_too_large","message":"That file is too large (25 MiB at most)."}"#;
        assert_eq!(
            refusal(413, body, None),
            Failure { message: "That file is too large (25 MiB at most).".into(), unauthorized: false }
        );
        let slow = refusal(429, br#"{"code":"too_fast","message":"Slow down."}"#, Some(12));
        assert_eq!(slow.message, "Slow down. Try again in 12 s.");
        assert!(refusal(401, br#"{"code":"not_signed_in","message":"Sign in."}"#, None).unauthorized);
        assert_eq!(
            refusal(502, b"<html>bad gateway</html>", None).message,
            "The server answered 502 Bad Gateway."
        );
    }

    #[test]
    fn other_languages_read_refusals_by_their_code() {
        use crate::lang::{with_locale, Locale};
        let full =
            br#"{"code":"storage_full","message":"The server is full: it takes no more files for now."}"#;
        let ru = with_locale(Locale::Ru, || refusal(507, full, None));
        assert_eq!(ru.message, "На сервере нет места: пока он не принимает файлы.");
        let fast = br#"{"code":"too_fast","message":"Too many uploads: wait 12 s."}"#;
        let pt = with_locale(Locale::PtBr, || refusal(429, fast, Some(12)));
        assert_eq!(pt.message, "Muitos envios seguidos. Tente de novo em 12 s.");
        // A code this client does not know: the server's words.
        let new = br#"{"code":"something_new","message":"Something new."}"#;
        assert_eq!(with_locale(Locale::ZhCn, || refusal(400, new, None)).message, "Something new.");
        let zh = with_locale(Locale::ZhCn, || refusal(502, b"", None));
        assert_eq!(zh.message, "服务器返回了 502 Bad Gateway。");
        let dir = std::env::temp_dir().join(format!("natter-tui-upload-ru-{}", std::process::id()));
        let missing = with_locale(Locale::Ru, || check(&dir.join("nope.png")).unwrap_err());
        assert!(missing.starts_with("Файл ") && missing.ends_with(" не найден."), "{missing}");
    }

    #[test]
    fn progress_is_told_once_per_percentage() {
        let mut told = Vec::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let data = vec![7u8; CHUNK * 3 + 10];
        let pieces: Vec<Vec<u8>> = futures::executor::block_on_stream(chunks(data.clone(), move |p| {
            let _ = tx.send(p);
        }))
        .map(Result::unwrap)
        .collect();
        assert_eq!(pieces.concat(), data);
        while let Ok(p) = rx.try_recv() {
            told.push(p);
        }
        assert_eq!(told, [33, 66, 99, 100]);
    }

    /// One HTTP exchange on a local port: the request as received (head, body), and `answer`
    /// sent back.
    pub(crate) async fn serve_once(answer: String) -> (String, tokio::task::JoinHandle<(String, Vec<u8>)>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 65536];
            let (head, length) = loop {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the request ended early");
                got.extend_from_slice(&buf[..n]);
                if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8(got[..at].to_vec()).unwrap();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .expect("a content-length");
                    got.drain(..at + 4);
                    break (head, length);
                }
            };
            while got.len() < length {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the body ended early");
                got.extend_from_slice(&buf[..n]);
            }
            socket.write_all(answer.as_bytes()).await.unwrap();
            socket.shutdown().await.unwrap();
            (head, got)
        });
        (base, task)
    }

    pub(crate) fn answer(status: &str, extra: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
            body.len()
        )
    }

    pub(crate) fn temp_file(name: &str, contents: &[u8]) -> (PathBuf, File) {
        let dir = std::env::temp_dir().join(format!("natter-tui-post-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        let file = check(&path).unwrap();
        (dir, file)
    }

    #[tokio::test]
    async fn a_file_is_posted_with_its_token_and_name_and_comes_back_an_attachment() {
        let json = r#"{"id":"u1","name":"my cat.png","size":200000,"mime":"image/png","width":4,"height":3}"#;
        let (base, server) = serve_once(answer("201 Created", "", json)).await;
        let contents: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let (dir, file) = temp_file("my cat.png", &contents);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let client = client().unwrap();
        let got = post(&client, &base, "tok123", &file, move |p| {
            let _ = tx.send(p);
        })
        .await
        .unwrap();
        assert_eq!(got.id, "u1");
        assert_eq!(got.width, Some(4));
        let (head, body) = server.await.unwrap();
        assert!(head.starts_with("POST /api/files?name=my%20cat.png HTTP/1.1\r\n"), "{head}");
        let lower = head.to_ascii_lowercase();
        assert!(lower.contains("\r\nauthorization: bearer tok123"), "{head}");
        assert!(lower.contains("\r\ncontent-length: 200000"), "{head}");
        assert!(!lower.contains("transfer-encoding"), "{head}");
        assert_eq!(body, contents);
        let mut told = Vec::new();
        while let Ok(p) = rx.try_recv() {
            told.push(p);
        }
        assert_eq!(told.last(), Some(&100));
        assert!(told.windows(2).all(|w| w[0] < w[1]), "{told:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_refusal_carries_the_servers_message() {
        let json = r#"{"code":"too_fast","message":"You are uploading too fast."}"#;
        let (base, server) = serve_once(answer("429 Too Many Requests", "Retry-After: 30\r\n", json)).await;
        let (dir, file) = temp_file("a.txt", b"hello");
        let failure = post(&client().unwrap(), &base, "t", &file, |_| {}).await.unwrap_err();
        assert_eq!(failure.message, "You are uploading too fast. Try again in 30 s.");
        server.await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
        // Nobody there.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let (dir, file) = temp_file("b.txt", b"hello");
        let failure = post(&client().unwrap(), &closed, "t", &file, |_| {}).await.unwrap_err();
        assert!(failure.message.starts_with("The upload failed: "), "{}", failure.message);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
