//! Files over HTTP, as browsers and the terminal client use them: uploading with the session
//! cookie or an upload token, sending with a message, downloading with the headers that keep
//! uploads from running in Natter's origin, ranges and revalidation, private rooms' files for
//! members only, the no-JavaScript form, limits, and deletion.

mod support;

use protocol::{Attachment, ClientEvent, ServerEvent};
use reqwest::header::{self, COOKIE};
use reqwest::StatusCode;
use std::time::Duration;
use support::{Client, Server};
use tokio_tungstenite::tungstenite::Message as Frame;

async fn upload(server: &Server, auth: (&str, &str), name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let name: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
    reqwest::Client::new()
        .post(server.url(&format!("/api/files?name={name}")))
        .header(auth.0, auth.1)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn uploaded(server: &Server, cookie: &str, name: &str, bytes: Vec<u8>) -> Attachment {
    let response = upload(server, (COOKIE.as_str(), cookie), name, bytes).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn get(server: &Server, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(server.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn live(server: &Server, cookie: &str, nickname: &str, room: &str) -> Client {
    let client = server.connect_with_cookie(cookie).await.introduce(nickname).await;
    client.join(room).await.0
}

/// The next message event (skipping presence and the like).
async fn next_message(client: &mut Client) -> protocol::Message {
    loop {
        match client.next().await {
            ServerEvent::Message(message) => return message,
            ServerEvent::Error { code, message, .. } => panic!("{code:?}: {message}"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_photo_is_sent_seen_and_downloaded_without_its_gps_position() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let ann = server.sign_in("ann").await;
    let photo = files::samples::jpeg_with_exif(64, 48);
    assert!(photo.windows(9).any(|w| w == b"SecretCam"));
    let attachment = uploaded(&server, &ann, "trip photo.jpg", photo).await;
    // Turned as its EXIF orientation said.
    assert_eq!(
        (attachment.width, attachment.height, attachment.mime.as_str()),
        (Some(48), Some(64), "image/jpeg")
    );

    // Before it is sent, only Ann may see it.
    assert_eq!(get(&server, &attachment.url(), &[]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&server, &attachment.url(), &[("cookie", &ann)]).await.status(), StatusCode::OK);

    let mut ann_live = live(&server, &ann, "ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;
    ann_live
        .send(&ClientEvent::Send {
            room: "general".into(),
            client_id: "p1".into(),
            text: "look".into(),
            reply_to: None,
            attachments: vec![(&attachment).into()],
        })
        .await;
    let seen = next_message(&mut bob).await;
    assert_eq!(seen.attachments, vec![attachment.clone()]);

    // Sent in a public room: anyone may download it, and it carries no metadata.
    let response = get(&server, &attachment.url(), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("sandbox"));
    assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline;"));
    assert!(headers[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"));
    let body = response.bytes().await.unwrap();
    assert_eq!(body.len() as u64, attachment.size);
    assert!(!body.windows(9).any(|w| w == b"SecretCam"), "the camera name is gone");
    assert!(!body.windows(4).any(|w| w == b"Exif"), "the EXIF block (and its GPS position) is gone");

    // Revalidation and ranges.
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    let again = get(&server, &attachment.url(), &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let part = get(&server, &attachment.url(), &[("range", "bytes=2-11")]).await;
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()[header::CONTENT_RANGE], format!("bytes 2-11/{}", attachment.size).as_str());
    assert_eq!(part.bytes().await.unwrap(), body.slice(2..12));
    let outside = get(&server, &attachment.url(), &[("range", &format!("bytes={}-", attachment.size))]).await;
    assert_eq!(outside.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    // Its thumbnail.
    let thumb = get(&server, &attachment.thumb_url(), &[]).await;
    assert_eq!(thumb.status(), StatusCode::OK);
    assert_eq!(thumb.headers()[header::CONTENT_TYPE], "image/jpeg");

    // Deleting the message deletes the file.
    ann_live.send(&ClientEvent::Delete { room: "general".into(), seq: seen.seq }).await;
    let mut gone = false;
    for _ in 0..50 {
        if get(&server, &attachment.url(), &[]).await.status() == StatusCode::NOT_FOUND {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "a deleted message's file is not served");
}

#[tokio::test]
async fn each_file_has_a_caption_of_its_own_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let ann = server.sign_in("ann").await;
    let photo = uploaded(&server, &ann, "view.jpg", files::samples::jpeg(40, 30)).await;
    let notes = uploaded(&server, &ann, "notes.txt", b"milk, bread".to_vec()).await;
    let plain = uploaded(&server, &ann, "plain.txt", b"nothing to say".to_vec()).await;
    let mut ann_live = live(&server, &ann, "ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;

    // As a client writes it from docs/protocol.md: an id alone, or an object with a caption
    // (a blank one is none).
    let frame = format!(
        r#"{{"type":"send","room":"general","client_id":"c1","text":"our trip","attachments":[{{"id":"{}","caption":" from the top "}},"{}",{{"id":"{}","caption":"  "}}]}}"#,
        photo.id, notes.id, plain.id
    );
    ann_live.send_frame(Frame::Binary([&[0u8][..], frame.as_bytes()].concat().into())).await;
    let seen = next_message(&mut bob).await;
    assert_eq!(seen.text, "our trip");
    let captions: Vec<_> = seen.attachments.iter().map(|a| (a.name.as_str(), a.caption.as_deref())).collect();
    assert_eq!(captions, [("view.jpg", Some("from the top")), ("notes.txt", None), ("plain.txt", None)]);
    // Stored: someone joining later sees the same.
    let (_carol, history) = server.joined("carol", "general").await;
    let stored = history.iter().find(|m| m.seq == seen.seq).expect("in the history");
    assert_eq!(stored.attachments, seen.attachments);

    // A caption over a message's limit is refused to its sender alone, and nothing is sent.
    let long = uploaded(&server, &ann, "long.txt", b"x".to_vec()).await;
    ann_live
        .send(&ClientEvent::Send {
            room: "general".into(),
            client_id: "c2".into(),
            text: String::new(),
            reply_to: None,
            attachments: vec![protocol::SendFile {
                id: long.id.clone(),
                caption: Some("a".repeat(protocol::MAX_FILE_CAPTION_CHARS + 1)),
            }],
        })
        .await;
    loop {
        match ann_live.next().await {
            ServerEvent::Error { code, client_id, .. } => {
                assert_eq!((code, client_id.as_deref()), (protocol::ErrorCode::MessageTooLong, Some("c2")));
                break;
            }
            ServerEvent::Message(m) if m.client_id == "c2" => panic!("stored: {m:?}"),
            _ => {}
        }
    }
    assert!(bob
        .try_next(Duration::from_millis(300))
        .await
        .is_none_or(|e| !matches!(e, ServerEvent::Message(_))));
    // The upload is still unsent, and goes with a caption within the limit.
    ann_live
        .send(&ClientEvent::Send {
            room: "general".into(),
            client_id: "c3".into(),
            text: String::new(),
            reply_to: None,
            attachments: vec![protocol::SendFile { id: long.id.clone(), caption: Some("short".into()) }],
        })
        .await;
    let sent = next_message(&mut bob).await;
    assert_eq!(sent.attachments[0].caption.as_deref(), Some("short"));
}

#[tokio::test]
async fn pages_and_pictures_in_disguise_are_downloads_never_documents() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let ann = server.sign_in("ann").await;
    let html = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>".to_vec();
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    for (name, bytes) in
        [("page.html", html), ("drawing.svg", svg), ("photo.jpg", b"<html>not a photo</html>".to_vec())]
    {
        let attachment = uploaded(&server, &ann, name, bytes).await;
        assert!(!attachment.is_image(), "{name} is no verified image");
        let response = get(&server, &attachment.url(), &[("cookie", &ann)]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment;"), "{name}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("sandbox") && csp.contains("default-src 'none'"), "{csp}");
    }
}

#[tokio::test]
async fn limits_answer_clear_errors_and_programs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--max-file-bytes", "2000"], "info");
    let ann = server.sign_in("ann").await;
    let big = upload(&server, ("cookie", &ann), "big.bin", vec![1; 2001]).await;
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: serde_json::Value = big.json().await.unwrap();
    assert_eq!(error["code"], "file_too_large");
    assert!(error["message"].as_str().unwrap().contains("2.0 KB"), "{error}");
    let program = upload(&server, ("cookie", &ann), "tool.txt", b"#!/bin/sh\necho hi\n".to_vec()).await;
    assert_eq!(program.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let nobody = upload(&server, ("x-nothing", "1"), "a.txt", b"hi".to_vec()).await;
    assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED);
    let forged = upload(&server, ("authorization", "Bearer 1.2.3.4"), "a.txt", b"hi".to_vec()).await;
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_private_rooms_files_are_refused_to_non_members() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let ann = server.sign_in("ann").await;
    let bob = server.sign_in("bob").await;
    let cat = server.sign_in("cat").await;
    let created =
        server.call_function("/api/create_room", Some(&ann), &[("name", "plans"), ("private", "on")]).await;
    assert_eq!(created.status(), 200);
    let invited =
        server.call_function("/api/invite", Some(&ann), &[("room", "plans"), ("nickname", "bob")]).await;
    assert_eq!(invited.status(), 200);
    let attachment = uploaded(&server, &ann, "plan.png", files::media::sample_png(40, 30)).await;
    let mut ann_live = live(&server, &ann, "ann", "plans").await;
    ann_live
        .send(&ClientEvent::Send {
            room: "plans".into(),
            client_id: "s1".into(),
            text: String::new(),
            reply_to: None,
            attachments: vec![(&attachment).into()],
        })
        .await;
    assert_eq!(next_message(&mut ann_live).await.attachments, vec![attachment.clone()]);
    for path in [attachment.url(), attachment.thumb_url()] {
        assert_eq!(get(&server, &path, &[("cookie", &bob)]).await.status(), StatusCode::OK, "{path}");
        assert_eq!(get(&server, &path, &[("cookie", &cat)]).await.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(get(&server, &path, &[]).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn a_terminal_uploads_with_a_token_and_a_browser_without_javascript_with_a_form() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    // A client without cookies asks its live connection for a token.
    let (mut dan, _) = server.joined("dan", "general").await;
    dan.send(&ClientEvent::UploadToken).await;
    let token = loop {
        match dan.next().await {
            ServerEvent::UploadToken { token, expires_at } => {
                assert!(expires_at > 0);
                break token;
            }
            ServerEvent::Message(_) => {}
            other => panic!("{other:?}"),
        }
    };
    let bearer = format!("Bearer {token}");
    let response = upload(&server, ("authorization", &bearer), "notes.txt", b"dan's notes\n".to_vec()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let notes: Attachment = response.json().await.unwrap();
    dan.send(&ClientEvent::Send {
        room: "general".into(),
        client_id: "d1".into(),
        text: "notes".into(),
        reply_to: None,
        attachments: vec![(&notes).into()],
    })
    .await;
    assert_eq!(next_message(&mut dan).await.attachments, vec![notes.clone()]);
    // Someone else cannot send Dan's upload again.
    let (mut eve, _) = server.joined("eve", "general").await;
    eve.send(&ClientEvent::Send {
        room: "general".into(),
        client_id: "e1".into(),
        text: "mine".into(),
        reply_to: None,
        attachments: vec![(&notes).into()],
    })
    .await;
    loop {
        match eve.next().await {
            ServerEvent::Error { code, .. } => {
                assert_eq!(code, protocol::ErrorCode::UnknownUpload);
                break;
            }
            ServerEvent::Message(m) => assert_ne!(m.client_id, "e1"),
            _ => {}
        }
    }

    // The composer's form without JavaScript: multipart, with the message.
    let ann = server.sign_in("ann").await;
    let boundary = "natterboundary42";
    let mut body = Vec::new();
    for (name, value) in [("room", "general"), ("client_id", "form-1"), ("text", "from the form")] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.csv\"\r\n\
             Content-Type: text/csv\r\n\r\na,b\n1,2\n\r\n"
        )
        .as_bytes(),
    );
    // A second file larger than axum's default 2 MB body limit.
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"log.txt\"\r\n\
             Content-Type: text/plain\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(std::iter::repeat_n(b'z', 3_000_000));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(server.url("/api/post_file"))
        .header(COOKIE, &ann)
        .header(header::REFERER, server.url("/r/general"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/r/general");
    let posted = next_message(&mut dan).await;
    assert_eq!((posted.author.as_str(), posted.text.as_str()), ("ann", "from the form"));
    assert_eq!(posted.attachments.len(), 2);
    assert_eq!(posted.attachments[0].name, "report.csv");
    assert_eq!(posted.attachments[1].size, 3_000_000);
    let file = get(&server, &posted.attachments[0].url(), &[]).await;
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"a,b\n1,2\n");
}
