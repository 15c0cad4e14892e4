//! (e) The page: server-rendered `/` latency under a steady 1,000 requests a second, the
//! gzipped size of the WASM and JS a browser downloads, and the time from navigation to
//! `connected` in headless Chromium.

use crate::scenarios::Outcome;
use crate::server::Server;
use crate::Args;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::time::{Duration, Instant};

const REQUESTS_PER_SECOND: u64 = 1000;
/// Keep-alive connections the requests are spread over.
const CONNECTIONS: u64 = 50;

pub async fn page(args: &Args, seconds: u64) -> Result<Outcome, String> {
    let server = Server::start(&args.natter, &[])?;
    let cookie = sign_in(&server.addr, "page-load").await?;
    let mut figures = Vec::new();

    // 1. `/` for a signed-in visitor (the room with its history), open loop: latency counts
    //    from when each request was due, so a slow response cannot hide the ones behind it.
    let latency = load(&server.addr, &cookie, seconds).await?;
    let ms = |q: f64| format!("{:.2}", latency.value_at_quantile(q) as f64 / 1000.0);
    figures.push(("/ requests".into(), latency.len().to_string()));
    figures.push(("/ req/s".into(), format!("{:.0}", latency.len() as f64 / seconds as f64)));
    figures.push(("/ p50 ms".into(), ms(0.5)));
    figures.push(("/ p99 ms".into(), ms(0.99)));
    figures.push(("/ max ms".into(), format!("{:.2}", latency.max() as f64 / 1000.0)));

    // 2. What the browser downloads: the page itself, and the app that runs it.
    match html_size(&server.addr, &cookie).await {
        Ok((raw, gzipped)) => {
            figures.push(("/ HTML KB".into(), format!("{:.1}", raw as f64 / 1000.0)));
            figures.push(("/ HTML gzipped KB".into(), format!("{:.1}", gzipped as f64 / 1000.0)));
        }
        Err(error) => figures.push(("/ HTML KB".into(), format!("unavailable: {error}"))),
    }
    match bundle_sizes(&args.site) {
        Ok((wasm, js)) => {
            figures.push(("WASM gzipped KB".into(), format!("{:.1}", wasm as f64 / 1000.0)));
            figures.push(("JS gzipped KB".into(), format!("{:.1}", js as f64 / 1000.0)));
            figures.push(("WASM + JS gzipped KB".into(), format!("{:.1}", (wasm + js) as f64 / 1000.0)));
        }
        Err(error) => figures.push(("WASM + JS gzipped KB".into(), format!("unavailable: {error}"))),
    }

    // 3. Navigation to `connected` in Chromium (fresh server: no load running).
    drop(server);
    let server = Server::start(&args.natter, &[])?;
    match connect_time(&server.addr) {
        Ok((warm, cold, throttled)) => {
            figures.push(("connected ms (cached, median)".into(), median(&warm).to_string()));
            figures.push(("connected ms (empty cache, median)".into(), median(&cold).to_string()));
            figures.push(("connected ms runs (cached / empty)".into(), format!("{warm:?} / {cold:?}")));
            if !throttled.is_empty() {
                figures.push((
                    "connected ms, slow mobile network (1.6 Mbps, 150 ms RTT), empty cache, median".into(),
                    median(&throttled).to_string(),
                ));
                figures.push(("connected ms runs, slow mobile network".into(), format!("{throttled:?}")));
            }
        }
        Err(error) => figures.push(("connected ms".into(), format!("unavailable: {error}"))),
    }
    Ok(Outcome { name: format!("e: the page ({REQUESTS_PER_SECOND} req/s for {seconds} s)"), figures })
}

fn median(values: &[u64]) -> u64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or(0)
}

pub type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

pub async fn open(addr: &str) -> Result<Sender, String> {
    let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Joins as `nickname` the way the no-JavaScript form does; returns the session cookie.
async fn sign_in(addr: &str, nickname: &str) -> Result<String, String> {
    let mut sender = open(addr).await?;
    let request = Request::post("/api/join")
        .header("host", addr)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(format!("nickname={nickname}"))))
        .map_err(|e| e.to_string())?;
    let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ");
    if cookie.is_empty() {
        return Err(format!("joining gave no cookie ({})", response.status()));
    }
    Ok(cookie)
}

async fn load(addr: &str, cookie: &str, seconds: u64) -> Result<Histogram<u64>, String> {
    let origin = Instant::now() + Duration::from_millis(200);
    let end = origin + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..CONNECTIONS {
        let mut sender = open(addr).await?;
        let (addr, cookie) = (addr.to_owned(), cookie.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut latency = Histogram::<u64>::new(3).expect("histogram");
            let period = Duration::from_micros(1_000_000 * CONNECTIONS / REQUESTS_PER_SECOND);
            // Connections take turns so requests are spread evenly over each period.
            let first = origin + period * c as u32 / CONNECTIONS as u32;
            let mut tick = tokio::time::interval_at(first.into(), period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            loop {
                let due = tick.tick().await.into_std();
                if due >= end {
                    break;
                }
                let request = Request::get("/")
                    .header("host", &addr)
                    .header("cookie", &cookie)
                    .body(Full::new(Bytes::new()))
                    .map_err(|e| e.to_string())?;
                let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("GET / gave {}", response.status()));
                }
                response.into_body().collect().await.map_err(|e| e.to_string())?;
                let _ = latency.record(due.elapsed().as_micros() as u64);
            }
            Ok::<_, String>(latency)
        }));
    }
    let mut all = Histogram::<u64>::new(3).map_err(|e| e.to_string())?;
    for task in tasks {
        all.add(task.await.map_err(|e| e.to_string())??).map_err(|e| e.to_string())?;
    }
    Ok(all)
}

/// Bytes of the `/` page's HTML as sent, and gzipped.
async fn html_size(addr: &str, cookie: &str) -> Result<(u64, u64), String> {
    let mut sender = open(addr).await?;
    let request = Request::get("/")
        .header("host", addr)
        .header("cookie", cookie)
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((body.len() as u64, gzipped_len(body.to_vec())?))
}

/// Bytes of `data` gzipped at level 9.
fn gzipped_len(data: Vec<u8>) -> Result<u64, String> {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("gzip: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("gzip: no stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let output = child.wait_with_output().map_err(|e| format!("gzip: {e}"))?;
    writer.join().map_err(|_| "gzip: the writer panicked")?.map_err(|e| format!("gzip: {e}"))?;
    Ok(output.stdout.len() as u64)
}

/// Gzipped bytes (level 9, as a server would precompress) of the site's WASM and JS.
fn bundle_sizes(site: &str) -> Result<(u64, u64), String> {
    let pkg = std::path::Path::new(site).join("pkg");
    let entries = std::fs::read_dir(&pkg)
        .map_err(|e| format!("{}: {e} (run cargo leptos build --release)", pkg.display()))?;
    let (mut wasm, mut js) = (0, 0);
    for entry in entries.flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_owned();
        if ext != "wasm" && ext != "js" {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let size = gzipped_len(bytes)?;
        if ext == "wasm" {
            wasm += size;
        } else {
            js += size;
        }
    }
    if wasm == 0 {
        return Err(format!("no WASM in {}", pkg.display()));
    }
    Ok((wasm, js))
}

/// Milliseconds to `connected` of each run: cache warm, empty, empty on a slow mobile network.
type ConnectTimes = (Vec<u64>, Vec<u64>, Vec<u64>);

/// Runs `end2end/connect-time.mjs` (Playwright, headless Chromium).
fn connect_time(addr: &str) -> Result<ConnectTimes, String> {
    let output = std::process::Command::new("node")
        .current_dir("end2end")
        .args(["connect-time.mjs", &format!("http://{addr}"), "5"])
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).lines().take(3).collect::<Vec<_>>().join(" "));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("connect-time output: {e}"))?;
    let list = |key: &str| -> Vec<u64> {
        json[key].as_array().map(|a| a.iter().filter_map(|v| v.as_u64()).collect()).unwrap_or_default()
    };
    Ok((list("warm"), list("cold"), list("throttled")))
}
