//! (h) Files: what preparing a 12-megapixel photo costs (in this process, and end to end
//! through the server's `POST /api/files`), the upload throughput of other files, and the
//! fan-out latency of scenario a idle and while ten people upload photos at once.
//!
//! Every upload differs from every other, so each is really prepared and really stored: the
//! server keeps contents by their hash and would store a repeated file once.

use crate::client;
use crate::page::{open, Sender};
use crate::scenarios::{fan_out, FanOut, Outcome};
use crate::server::Server;
use crate::Args;
use futures::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use image::codecs::jpeg::JpegEncoder;
use protocol::{Attachment, ClientEvent, ServerEvent};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The file limits raised out of the way (the rate, a person's and the server's total): the
/// scenario measures the work, not the abuse guard.
pub const RAISED: [&str; 6] = [
    "--uploads-per-minute",
    "100000",
    "--max-person-file-bytes",
    "1000000000000",
    "--max-file-storage-bytes",
    "1000000000000",
];

/// A 12-megapixel photo's size in pixels.
const PHOTO: (u32, u32) = (4000, 3000);
/// The JPEG quality the photo is made with (a phone's is about this).
const PHOTO_QUALITY: u8 = 90;
/// Runs of `files::prepare` in this process; the median is reported.
const PREPARE_RUNS: usize = 5;
/// Photo uploads one after the other through the server; the median is reported.
const POST_RUNS: usize = 7;
/// The other files of the throughput run: their size, how many, how many at once.
const FILE_BYTES: usize = 8_000_000;
const FILE_UPLOADS: usize = 20;
const FILES_AT_ONCE: usize = 3;
/// People uploading photos, each one after the other, during the loaded fan-out run.
const UPLOADERS: usize = 10;
/// Uploads the server prepares at once (`engine::files::PREPARING_AT_ONCE`; the bench does
/// not link the engine), for the report.
const SERVER_PREPARES_AT_ONCE: usize = 2;
/// How long set-up waits for each answer of the server.
const ANSWER: Duration = Duration::from_secs(30);

/// A cheap, reproducible PRNG (xorshift64): the bench needs noise, not cryptography.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// A photo-like JPEG: broad light and shade with a fine grain of noise on every pixel, so it
/// compresses as a camera's photo does (a few MB for 12 megapixels), where the plain gradient
/// of `files::samples::jpeg` compresses to a fraction of that and decodes faster than any
/// real photo.
pub fn photo(width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / w, y as f32 / h);
        // Light and shade over the picture, and a few broad shapes.
        let light = 0.55 + 0.2 * (fx * 7.0).sin() * (fy * 5.0).cos() + 0.15 * (fx * fy * 9.0).sin();
        let base = [light * 230.0, light * 200.0 + fy * 30.0, 60.0 + (1.0 - fy) * 140.0 * light];
        // Grain: the sum of two uniform draws per channel (roughly bell-shaped), ±14.
        let r = noise.next();
        let grain = |shift: u32| ((r >> shift) & 0x1F) as f32 + ((r >> (shift + 5)) & 0x1F) as f32 - 31.0;
        let channel = |i: usize, shift: u32| (base[i] + grain(shift) * 0.45).clamp(0.0, 255.0) as u8;
        image::Rgb([channel(0, 0), channel(1, 10), channel(2, 20)])
    });
    let mut out = Vec::new();
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, PHOTO_QUALITY))
        .map_err(|e| format!("encoding the photo: {e}"))?;
    Ok(out)
}

/// Variant `n` (1 to 65,535) of a baseline JPEG: its first quantisation table with one step
/// added to those of the entries 1 to 16 (in zigzag order, after the DC one) whose bit is set
/// in `n`. It is still a valid JPEG of the same size and cost, but its pixels decode a little
/// differently, so the photo the server encodes again, and its content address, differ too:
/// no two variants are deduplicated. `None` if `jpeg` has no 8-bit table before its scan.
pub fn variant(jpeg: &[u8], n: u32) -> Option<Vec<u8>> {
    let mut out = jpeg.to_vec();
    let mut at = 2;
    while at + 4 <= out.len() && out[at] == 0xFF {
        let marker = out[at + 1];
        let length = usize::from(u16::from_be_bytes([out[at + 2], out[at + 3]]));
        if marker == 0xDA {
            return None;
        }
        // DQT, 8-bit entries (precision 0): the table's 64 entries follow its Pq/Tq byte.
        let eight_bit = out.get(at + 4).is_some_and(|pq_tq| pq_tq >> 4 == 0);
        if marker == 0xDB && length >= 67 && eight_bit && at + 5 + 64 <= out.len() {
            let table = &mut out[at + 5..at + 5 + 64];
            for bit in 0..16 {
                if (n >> bit) & 1 == 1 {
                    let entry = &mut table[1 + bit];
                    *entry = if *entry == 255 { 254 } else { *entry + 1 };
                }
            }
            return Some(out);
        }
        at += 2 + length;
    }
    None
}

/// Runs `work` on a thread of its own that ends with it. Not on tokio's blocking pool: its
/// idle threads linger for seconds and would end inside a later fan-out run's window, taking
/// their CPU time out of the generator's sum (`server::cpu_ns`).
async fn on_own_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = done.send(work());
    });
    result.await.map_err(|_| "a worker thread panicked".to_owned())
}

/// Two of the steps of `files::prepare` timed apart, as it takes them with the image crate:
/// decoding the photo, and making its thumbnail (scaled to fit [`files::media::THUMB_SIDE`],
/// encoded as JPEG at the quality it uses).
fn steps(jpeg: &[u8]) -> Result<(Duration, Duration), String> {
    let started = Instant::now();
    let image = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .map_err(|e| format!("decoding the photo: {e}"))?;
    let decoded = started.elapsed();
    let started = Instant::now();
    let side = files::media::THUMB_SIDE;
    let small = image::DynamicImage::ImageRgb8(image.thumbnail(side, side).to_rgb8());
    let mut out = Vec::new();
    small
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 88))
        .map_err(|e| format!("encoding the thumbnail: {e}"))?;
    Ok((decoded, started.elapsed()))
}

/// A token to upload with as `nickname`, asked for on a live connection as a client without
/// the browser's cookie does.
async fn upload_token(addr: &str, nickname: &str) -> Result<String, String> {
    let mut socket = client::connect(addr).await?;
    client::send(&mut socket, &ClientEvent::Hello { nickname: nickname.into(), password: None }).await?;
    client::send(&mut socket, &ClientEvent::UploadToken).await?;
    let deadline = tokio::time::Instant::now() + ANSWER;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(frame))) => match client::decode(&frame) {
                Some(ServerEvent::UploadToken { token, .. }) => return Ok(token),
                Some(ServerEvent::Error { message, .. }) => return Err(format!("upload_token: {message}")),
                _ => {}
            },
            Ok(Some(Err(error))) => return Err(error.to_string()),
            Ok(None) => return Err("the server closed the connection".into()),
            Err(_) => return Err(format!("no upload token in {ANSWER:?}")),
        }
    }
}

/// POSTs `body` to `/api/files` as `name`: the time until the server's 201 has been read, and
/// the attachment it made.
async fn post(
    sender: &mut Sender,
    addr: &str,
    token: &str,
    name: &str,
    body: Bytes,
) -> Result<(Duration, Attachment), String> {
    let request = Request::post(format!("/api/files?name={name}"))
        .header("host", addr)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/octet-stream")
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    sender.ready().await.map_err(|e| e.to_string())?;
    let response = sender.send_request(request).await.map_err(|e| format!("POST /api/files: {e}"))?;
    let status = response.status();
    let answer = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    let elapsed = started.elapsed();
    if status.as_u16() != 201 {
        return Err(format!("POST /api/files gave {status}: {}", String::from_utf8_lossy(&answer)));
    }
    let attachment = serde_json::from_slice(&answer).map_err(|e| format!("the answer to an upload: {e}"))?;
    Ok((elapsed, attachment))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The median of some times, in ms.
fn median_ms(times: &[Duration]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).map_or(0.0, |d| ms(*d))
}

fn list_ms(times: &[Duration]) -> String {
    times.iter().map(|d| format!("{:.0}", ms(*d))).collect::<Vec<_>>().join(", ")
}

fn latency(run: &FanOut) -> String {
    format!(
        "{:.1} / {:.1} / {:.1} / {:.1}",
        run.ms(0.5),
        run.ms(0.99),
        run.ms(0.999),
        run.latency_us.max() as f64 / 1000.0
    )
}

/// What the photo uploaders of the loaded run did.
#[derive(Default)]
struct Uploaded {
    /// When each upload finished, and how long it took.
    done: Vec<(Instant, Duration)>,
    failures: usize,
    first_failure: Option<String>,
}

/// (h) See the module's documentation. `fan` is the fan-out set-up of scenario a (clients,
/// senders, messages a second each, seconds).
pub async fn files(args: &Args, scale: usize, fan: (usize, usize, u64, u64)) -> Result<Outcome, String> {
    let mut figures: Vec<(String, String)> = Vec::new();
    let base = on_own_thread(|| photo(PHOTO.0, PHOTO.1)).await??;
    let base = Arc::new(base);
    // Every upload of the scenario is a variant of its own.
    let next = Arc::new(AtomicU32::new(1));
    let make = {
        let (base, next) = (Arc::clone(&base), Arc::clone(&next));
        move || -> Result<Bytes, String> {
            let n = next.fetch_add(1, Ordering::Relaxed);
            variant(&base, n).map(Bytes::from).ok_or_else(|| "the photo has no quantisation table".to_owned())
        }
    };
    figures.push((
        "photo".into(),
        format!(
            "{}×{} JPEG, {:.2} MB (quality {PHOTO_QUALITY}, grain as a photo's; each upload a variant of its own)",
            PHOTO.0,
            PHOTO.1,
            base.len() as f64 / 1e6
        ),
    ));

    // 1. Preparing it (decode, orientation, encode again without metadata, thumbnail), in
    //    this process on the generator's core.
    let (mut times, mut decoding, mut thumbnails) = (Vec::new(), Vec::new(), Vec::new());
    let mut hashes = std::collections::HashSet::new();
    let mut sizes = (0, 0);
    for _ in 0..PREPARE_RUNS {
        let jpeg = make()?;
        let (elapsed, prepared, steps) = on_own_thread(move || {
            let started = Instant::now();
            let prepared = files::prepare(&jpeg, "photo.jpg", &files::Limits::default());
            (started.elapsed(), prepared, steps(&jpeg))
        })
        .await?;
        let prepared = prepared.map_err(|e| format!("preparing the photo: {e}"))?;
        let (decoded, thumbnail) = steps?;
        decoding.push(decoded);
        thumbnails.push(thumbnail);
        if prepared.kind != (files::Kind::Image { width: PHOTO.0, height: PHOTO.1 }) {
            return Err(format!("the photo was prepared as {:?}", prepared.kind));
        }
        sizes = (prepared.bytes.len(), prepared.thumb.as_ref().map_or(0, Vec::len));
        hashes.insert(prepared.hash);
        times.push(elapsed);
    }
    figures.push((
        format!("prepare in process, median of {PREPARE_RUNS} ms"),
        format!("{:.0}", median_ms(&times)),
    ));
    figures.push(("prepare in process, runs ms".into(), list_ms(&times)));
    figures.push((
        "of which decoding / the thumbnail (resize + encode), medians ms".into(),
        format!("{:.0} / {:.0}", median_ms(&decoding), median_ms(&thumbnails)),
    ));
    figures.push((
        "stored photo / thumbnail KB".into(),
        format!("{:.0} / {:.0}", sizes.0 as f64 / 1e3, sizes.1 as f64 / 1e3),
    ));
    figures.push(("distinct stored photos".into(), format!("{} of {PREPARE_RUNS}", hashes.len())));

    // 2. The same photo through the server, one upload after the other: POST until 201.
    let server = Server::start(&args.natter, &RAISED)?;
    let token = upload_token(&server.addr, "h-photo").await?;
    let mut sender = open(&server.addr).await?;
    let mut times = Vec::new();
    for _ in 0..POST_RUNS {
        let (elapsed, attachment) = post(&mut sender, &server.addr, &token, "photo.jpg", make()?).await?;
        if attachment.width != Some(PHOTO.0) {
            return Err(format!("the photo was stored as {attachment:?}"));
        }
        times.push(elapsed);
    }
    figures.push((
        format!("photo upload through the server (POST → 201), median of {POST_RUNS} ms"),
        format!("{:.0}", median_ms(&times)),
    ));
    figures.push(("photo upload through the server, runs ms".into(), list_ms(&times)));

    // 3. Throughput of other files: random bytes (each file its own), a few at once.
    let uploads = (FILE_UPLOADS / scale).max(FILES_AT_ONCE);
    let mut data = vec![0u8; FILE_BYTES];
    let mut noise = Noise(0x2545_F491_4F6C_DD1D);
    for chunk in data.chunks_mut(8) {
        let random = noise.next().to_le_bytes();
        chunk.copy_from_slice(&random[..chunk.len()]);
    }
    let data = Arc::new(data);
    let token = upload_token(&server.addr, "h-files").await?;
    let taken = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..FILES_AT_ONCE {
        let mut sender = open(&server.addr).await?;
        let (addr, token, data, taken) =
            (server.addr.clone(), token.clone(), Arc::clone(&data), Arc::clone(&taken));
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = taken.fetch_add(1, Ordering::Relaxed);
                if i >= uploads {
                    return Ok::<_, String>(times);
                }
                // A text head makes every file differ and keeps it from looking like a program.
                let mut body = data.to_vec();
                let head = format!("natter bench file {i:06}\n");
                body[..head.len()].copy_from_slice(head.as_bytes());
                let (elapsed, attachment) = post(&mut sender, &addr, &token, "data.bin", body.into()).await?;
                if attachment.size != FILE_BYTES as u64 {
                    return Err(format!("the file was stored as {attachment:?}"));
                }
                times.push(elapsed);
            }
        }));
    }
    let mut times = Vec::new();
    for worker in workers {
        times.extend(worker.await.map_err(|e| e.to_string())??);
    }
    let wall = started.elapsed();
    times.sort_unstable();
    figures.push((
        "upload throughput MB/s".into(),
        format!("{:.1}", (uploads * FILE_BYTES) as f64 / 1e6 / wall.as_secs_f64()),
    ));
    figures.push((
        "throughput run".into(),
        format!(
            "{uploads} files × {:.0} MB of random bytes, {FILES_AT_ONCE} at a time, {:.1} s",
            FILE_BYTES as f64 / 1e6,
            wall.as_secs_f64()
        ),
    ));
    figures.push((
        "one file's upload p50 / max ms".into(),
        format!("{:.0} / {:.0}", median_ms(&times), times.last().map_or(0.0, |d| ms(*d))),
    ));
    drop(server);

    // 4. Fan-out as in scenario a on a fresh server, idle, then on another fresh server while
    //    ten people each upload photos one after the other for the whole run.
    let (clients, senders, rate, seconds) = fan;
    let idle = {
        let server = Server::start(&args.natter, &RAISED)?;
        fan_out(&server, clients, senders, rate, seconds).await?
    };
    let server = Server::start(&args.natter, &RAISED)?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut uploaders = Vec::new();
    for i in 0..UPLOADERS {
        let token = upload_token(&server.addr, &format!("h-uploader-{i}")).await?;
        let mut sender = open(&server.addr).await?;
        let (addr, stop, make) = (server.addr.clone(), Arc::clone(&stop), make.clone());
        uploaders.push(tokio::spawn(async move {
            let mut done = Uploaded::default();
            while !stop.load(Ordering::Relaxed) {
                let result = match make() {
                    Ok(body) => post(&mut sender, &addr, &token, "photo.jpg", body).await,
                    Err(error) => Err(error),
                };
                match result {
                    Ok((elapsed, _)) => done.done.push((Instant::now(), elapsed)),
                    Err(error) => {
                        done.failures += 1;
                        done.first_failure.get_or_insert(error);
                        // A broken connection is opened again; a refusal is not hammered.
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        match open(&addr).await {
                            Ok(fresh) => sender = fresh,
                            Err(_) => break,
                        }
                    }
                }
            }
            done
        }));
    }
    // Every uploader has a photo in flight (two being prepared, the rest waiting their turn)
    // before the room fills and the senders start.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let loaded_started = Instant::now();
    let loaded = fan_out(&server, clients, senders, rate, seconds).await?;
    let loaded_wall = loaded_started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut uploaded = Uploaded::default();
    for uploader in uploaders {
        let done = uploader.await.map_err(|e| e.to_string())?;
        uploaded.done.extend(done.done);
        uploaded.failures += done.failures;
        if uploaded.first_failure.is_none() {
            uploaded.first_failure = done.first_failure;
        }
    }
    drop(server);
    // The uploads that finished while the fan-out ran (not those of the warm-up before it,
    // nor those in flight when it ended).
    let loaded_ended = loaded_started + loaded_wall;
    let mut in_run: Vec<Duration> = uploaded
        .done
        .iter()
        .filter(|(at, _)| (loaded_started..=loaded_ended).contains(at))
        .map(|(_, elapsed)| *elapsed)
        .collect();
    in_run.sort_unstable();

    figures.push((
        "fan-out set-up (measured as in scenario a)".into(),
        format!("{clients} clients in one room, {senders} senders × {rate} msg/s, {seconds} s; a fresh server each run"),
    ));
    figures.push(("idle: p50 / p99 / p99.9 / max ms".into(), latency(&idle)));
    figures.push((
        format!("while {UPLOADERS} people upload photos: p50 / p99 / p99.9 / max ms"),
        latency(&loaded),
    ));
    let ratio = loaded.ms(0.99) / idle.ms(0.99).max(0.001);
    figures.push(("p99 while uploading ÷ p99 idle".into(), format!("{ratio:.2}")));
    figures.push((
        "p50 while uploading ÷ p50 idle".into(),
        format!("{:.2}", loaded.ms(0.5) / idle.ms(0.5).max(0.001)),
    ));
    figures.push(("p99 within 2× idle".into(), if ratio <= 2.0 { "yes".into() } else { "no".into() }));
    figures.push((
        "lost / duplicated (idle; uploading)".into(),
        format!("{} / {}; {} / {}", idle.lost, idle.duplicates, loaded.lost, loaded.duplicates),
    ));
    figures.push(("CPU while sending, idle".into(), idle.cpu.map_or("-".into(), |c| c.describe())));
    figures.push(("CPU while sending, uploading".into(), loaded.cpu.map_or("-".into(), |c| c.describe())));
    figures.push((
        "photos uploaded during the loaded run".into(),
        format!(
            "{} in {:.1} s ({:.2}/s, {:.1} MB/s); one upload p50 / max {:.0} / {:.0} ms (the server prepares {} at once, the rest wait their turn)",
            in_run.len(),
            loaded_wall.as_secs_f64(),
            in_run.len() as f64 / loaded_wall.as_secs_f64(),
            (in_run.len() * base.len()) as f64 / 1e6 / loaded_wall.as_secs_f64(),
            median_ms(&in_run),
            in_run.last().map_or(0.0, |d| ms(*d)),
            SERVER_PREPARES_AT_ONCE,
        ),
    ));
    figures.push((
        "upload failures during the loaded run".into(),
        match uploaded.first_failure {
            Some(first) => format!("{} (first: {first})", uploaded.failures),
            None => "0".into(),
        },
    ));
    Ok(Outcome {
        name: format!(
            "h: files (a 12-megapixel photo prepared; {:.0} MB files' throughput; fan-out while {UPLOADERS} people upload)",
            FILE_BYTES as f64 / 1e6
        ),
        figures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_valid_photos_that_the_server_keeps_apart() {
        let base = photo(320, 240).unwrap();
        let limits = files::Limits::default();
        let prepared: Vec<_> = [1, 2, 3, 0xFFFF]
            .into_iter()
            .map(|n| {
                let jpeg = variant(&base, n).expect("a quantisation table");
                assert_eq!(jpeg.len(), base.len());
                files::prepare(&jpeg, "p.jpg", &limits).expect("a valid JPEG")
            })
            .collect();
        for p in &prepared {
            assert_eq!(p.kind, files::Kind::Image { width: 320, height: 240 });
        }
        let hashes: std::collections::HashSet<_> = prepared.iter().map(|p| &p.hash).collect();
        assert_eq!(hashes.len(), prepared.len());
        assert_eq!(variant(b"\xFF\xD8\xFF\xDA\x00\x02", 1), None);
    }
}
