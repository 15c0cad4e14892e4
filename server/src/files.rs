//! Files over HTTP: uploading (`POST /api/files`, the body is the file), the no-JavaScript
//! form that posts a message with files (`POST /api/post_file`, multipart), and downloading
//! (`GET /files/{id}/{name}`, `GET /files/{id}/thumb`).
//!
//! Who asks is the browser's signed session cookie, or `Authorization: Bearer` with a token
//! from the live connection's `upload_token` (the terminal client, bots). The engine decides
//! what an upload is and who may download what; this module only speaks HTTP:
//!
//! - Nothing uploaded can run in Natter's origin: every file response carries
//!   `X-Content-Type-Options: nosniff` and a sandboxing Content-Security-Policy, and only
//!   verified (decoded and re-encoded) images are shown inline; everything else, HTML and SVG
//!   included, is `Content-Disposition: attachment`.
//! - Downloads are content-addressed, so they are cacheable for a year (privately: the
//!   session decided who may see them), answer `If-None-Match` with 304 and `Range` with 206.

use app::identity::SessionKey;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use engine::files::{DownloadError, UploadError};
use engine::users::Speaker;
use engine::Engine;
use futures::TryStreamExt;

/// The policy of a file response: nothing in it may run or load anything, and a browser
/// that opens it treats it as a sandboxed document of no origin.
const FILE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

#[derive(Clone)]
pub struct FileRoutes {
    pub engine: Engine,
    pub session: SessionKey,
}

pub fn routes<S: Clone + Send + Sync + 'static>(state: FileRoutes) -> Router<S> {
    // The form carries up to the most files a message may, each up to the largest allowed,
    // and its text (each file is checked on its own as it is read).
    let form_limit =
        state.engine.files().options().max_file_bytes.saturating_mul(protocol::MAX_ATTACHMENTS as u64)
            + (1 << 20);
    Router::new()
        .route("/api/files", post(upload))
        .route(
            "/api/post_file",
            post(post_form).layer(axum::extract::DefaultBodyLimit::max(
                usize::try_from(form_limit).unwrap_or(usize::MAX),
            )),
        )
        .route("/files/{id}/{name}", get(download))
        .with_state(state)
}

/// Who sent the request: the session cookie's person, or a valid bearer token's.
async fn who(state: &FileRoutes, headers: &HeaderMap) -> Option<Speaker> {
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return state.engine.files().check_token(token.trim());
    }
    app::identity::user_from_headers(headers, &state.session, &state.engine).await.map(Speaker::from)
}

/// An error as JSON `{code, message}` with its status.
fn refusal(error: &UploadError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::json!({ "code": error.code(), "message": error.to_string() });
    let mut response = (status, axum::Json(body)).into_response();
    if let UploadError::TooFast(seconds) = error {
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

#[derive(serde::Deserialize)]
struct UploadQuery {
    #[serde(default)]
    name: String,
}

/// Reads a request body of at most `max` bytes; `None` when it is longer (or broken off).
async fn body_within(body: Body, max: u64) -> Result<Vec<u8>, UploadError> {
    let mut out = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) =
        stream.try_next().await.map_err(|_| UploadError::Invalid("the upload was cut off".into()))?
    {
        if (out.len() + chunk.len()) as u64 > max {
            return Err(UploadError::TooLarge(max));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// `POST /api/files?name=NAME`: the body is the file. 201 with the attachment as JSON.
async fn upload(
    State(state): State<FileRoutes>,
    Query(query): Query<UploadQuery>,
    request: Request,
) -> Response {
    let Some(me) = who(&state, request.headers()).await else {
        return refusal(&UploadError::NotSignedIn);
    };
    let max = state.engine.files().options().max_file_bytes;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max) {
        return refusal(&UploadError::TooLarge(max));
    }
    let bytes = match body_within(request.into_body(), max).await {
        Ok(bytes) => bytes,
        Err(error) => return refusal(&error),
    };
    match state.engine.upload(&me, &query.name, bytes).await {
        Ok(attachment) => (StatusCode::CREATED, axum::Json(attachment)).into_response(),
        Err(error) => refusal(&error),
    }
}

/// A short page for the no-JavaScript form's errors, with the way back.
fn form_error(status: StatusCode, message: &str, back: &str) -> Response {
    let escape =
        |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>Not sent · Natter</title></head><body>\
         <main><h1>Not sent</h1><p role=\"alert\">{}</p><p><a href=\"{}\">Back to the conversation</a></p></main>\
         </body></html>",
        escape(message),
        escape(back)
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// `POST /api/post_file` (multipart: `room`, `client_id`, `text`, `reply_to`, any number of
/// `file`): the composer's form without JavaScript. Uploads the files, posts the message, and
/// goes back to the page it came from.
async fn post_form(State(state): State<FileRoutes>, headers: HeaderMap, mut form: Multipart) -> Response {
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://").and_then(|at| r[at + 3..].find('/').map(|slash| r[at + 3 + slash..].to_owned()))
        })
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    let Some(me) = who(&state, &headers).await else {
        return form_error(StatusCode::UNAUTHORIZED, "Choose a nickname first.", "/");
    };
    let max = state.engine.files().options().max_file_bytes;
    let (mut room, mut client_id, mut text, mut reply_to) =
        (String::new(), String::new(), String::new(), None);
    let mut attachments = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return form_error(StatusCode::BAD_REQUEST, "The form could not be read.", &back),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let mut bytes = Vec::new();
            let mut field = field;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if (bytes.len() + chunk.len()) as u64 > max {
                            return form_error(
                                StatusCode::PAYLOAD_TOO_LARGE,
                                &UploadError::TooLarge(max).to_string(),
                                &back,
                            );
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(_) => return form_error(StatusCode::BAD_REQUEST, "The upload was cut off.", &back),
                }
            }
            // A form with no file chosen still sends an empty, nameless part.
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            if attachments.len() >= protocol::MAX_ATTACHMENTS {
                let message = format!("A message carries at most {} files.", protocol::MAX_ATTACHMENTS);
                return form_error(StatusCode::BAD_REQUEST, &message, &back);
            }
            match state.engine.upload(&me, &file_name, bytes).await {
                Ok(attachment) => attachments.push(protocol::SendFile::from(&attachment)),
                Err(error) => {
                    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
                    return form_error(status, &error.to_string(), &back);
                }
            }
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "room" => room = value,
            "client_id" => client_id = value,
            "text" => text = value,
            "reply_to" => reply_to = value.parse().ok(),
            _ => {}
        }
    }
    match state.engine.post_files(&me, &room, &client_id, &text, reply_to, attachments).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(engine::PostError::Invalid(invalid)) => {
            form_error(StatusCode::BAD_REQUEST, &invalid.reason, &back)
        }
        Err(engine::PostError::Store(engine::store::StoreError::UnknownUpload)) => {
            form_error(StatusCode::BAD_REQUEST, "That file is not yours to send, or was sent already.", &back)
        }
        Err(engine::PostError::Store(error)) => {
            tracing::error!(%error, "could not store a message");
            form_error(StatusCode::SERVICE_UNAVAILABLE, "The message could not be stored; try again.", &back)
        }
    }
}

/// One byte range asked for, as `start..end` within `size` bytes; `Err` when it cannot be
/// satisfied, `None` for a header this server ignores (several ranges: the whole file).
fn parse_range(value: &str, size: u64) -> Option<Result<std::ops::Range<u64>, ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = (start.trim(), end.trim());
    let range = if start.is_empty() {
        let suffix: u64 = end.parse().ok()?;
        if suffix == 0 {
            return Some(Err(()));
        }
        size.saturating_sub(suffix)..size
    } else {
        let start: u64 = start.parse().ok()?;
        let end = if end.is_empty() { size } else { end.parse::<u64>().ok()?.saturating_add(1).min(size) };
        start..end
    };
    if range.start >= size || range.start >= range.end {
        return Some(Err(()));
    }
    Some(Ok(range))
}

/// `Content-Disposition` with the file name, for any name (RFC 6266 / 5987).
fn disposition(kind: &str, name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let value =
        format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}", protocol::url_path_segment(name));
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("attachment"))
}

/// `GET /files/{id}/{name}` (the file) and `GET /files/{id}/thumb` (an image's thumbnail).
async fn download(
    State(state): State<FileRoutes>,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let me = who(&state, &headers).await;
    let not_found = || {
        (StatusCode::NOT_FOUND, [(header::CONTENT_SECURITY_POLICY, FILE_CSP)], "No such file.")
            .into_response()
    };
    let record = match state.engine.find_file(me.as_ref(), &id).await {
        Ok(record) => record,
        Err(DownloadError::NotFound) => return not_found(),
        Err(DownloadError::Unavailable) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let thumb = name == "thumb" && record.attachment.is_image();
    let etag = format!("\"{}{}\"", record.hash, if thumb { "-t" } else { "" });
    let mut out = HeaderMap::new();
    out.insert(header::ETAG, HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")));
    // Content-addressed, so it never changes; private, because who may see it was decided
    // for this person.
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(FILE_CSP));
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // Never compressed on the way (ranges are of the stored bytes).
    out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
    let matches_etag = |value: &HeaderValue| {
        value.to_str().is_ok_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    };
    if headers.get(header::IF_NONE_MATCH).is_some_and(matches_etag) {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    let attachment = record.attachment.clone();
    let inline = attachment.is_image();
    let size = attachment.size;
    // `If-Range`: a range only if the file is still the one the client has part of.
    let range_ok = headers.get(header::IF_RANGE).is_none_or(matches_etag);
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()).filter(|_| !thumb && range_ok)
    {
        Some(value) => match parse_range(value, size) {
            Some(Ok(range)) => Some(range),
            Some(Err(())) => {
                out.insert(
                    header::CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes */{size}"))
                        .unwrap_or(HeaderValue::from_static("*")),
                );
                return (StatusCode::RANGE_NOT_SATISFIABLE, out).into_response();
            }
            None => None,
        },
        None => None,
    };
    let download = match state.engine.files().open(record, thumb, range.clone()).await {
        Ok(download) => download,
        Err(DownloadError::NotFound) => return not_found(),
        Err(DownloadError::Unavailable) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let (total, sent) = (download.fetched.size, download.fetched.range.clone());
    let (content_type, body) = if thumb {
        // Thumbnails are small: read whole, their type told by their first bytes.
        let Ok(bytes) = download.fetched.bytes().await else {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        };
        (thumb_type(&bytes).to_owned(), Body::from(bytes))
    } else {
        (attachment.mime.clone(), Body::from_stream(download.fetched.body.map_err(std::io::Error::other)))
    };
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    out.insert(
        header::CONTENT_DISPOSITION,
        disposition(if inline { "inline" } else { "attachment" }, &attachment.name),
    );
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(sent.end - sent.start));
    let status = if range.is_some() {
        out.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&format!("bytes {}-{}/{}", sent.start, sent.end - 1, total))
                .unwrap_or(HeaderValue::from_static("*")),
        );
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    (status, out, body).into_response()
}

/// A thumbnail's type, from its first bytes (PNG when the image has transparency, else JPEG).
fn thumb_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.starts_with(b"GIF8") {
        "image/gif"
    } else if bytes.get(8..12) == Some(b"WEBP") {
        "image/webp"
    } else {
        "image/jpeg"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(parse_range("bytes=0-4", 10), Some(Ok(0..5)));
        assert_eq!(parse_range("bytes=5-", 10), Some(Ok(5..10)));
        assert_eq!(parse_range("bytes=-3", 10), Some(Ok(7..10)));
        assert_eq!(parse_range("bytes=-30", 10), Some(Ok(0..10)));
        assert_eq!(parse_range("bytes=8-100", 10), Some(Ok(8..10)));
        assert_eq!(parse_range("bytes=10-", 10), Some(Err(())));
        assert_eq!(parse_range("bytes=5-2", 10), Some(Err(())));
        assert_eq!(parse_range("bytes=0-1,4-5", 10), None);
        assert_eq!(parse_range("items=0-1", 10), None);
        assert_eq!(parse_range("bytes=x-1", 10), None);
    }

    #[test]
    fn file_names_survive_the_disposition_header() {
        let value = disposition("attachment", "отчёт \"final\".pdf");
        let text = value.to_str().unwrap();
        assert!(text.starts_with("attachment; filename=\"_____ _final_.pdf\""), "{text}");
        assert!(text.contains("filename*=UTF-8''%D0%BE%D1%82"), "{text}");
    }
}
