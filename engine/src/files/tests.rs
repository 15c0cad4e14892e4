use super::*;
use crate::store::{Appended, StoreError};
use crate::{Engine, Options, PostError, Request};
use files::media::sample_png;

async fn engine_with(files: FileOptions) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_sqlite(dir.path(), Options { files, ..Options::default() }).await.unwrap();
    (dir, engine)
}

async fn engine() -> (tempfile::TempDir, Engine) {
    engine_with(FileOptions::default()).await
}

async fn person(engine: &Engine, nickname: &str) -> Speaker {
    engine.users().sign_in(nickname, None, None).await.unwrap().into()
}

fn attached(appended: Appended) -> Vec<Attachment> {
    match appended {
        Appended::New(m) => m.attachments,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_image_is_kept_once_with_its_size_and_sent_with_a_message() {
    let (dir, engine) = engine().await;
    let ann = person(&engine, "ann").await;
    let png = sample_png(64, 32);
    let first = engine.upload(&ann, "../../photo.png", png.clone()).await.unwrap();
    // An opaque image is kept as a JPEG, its name saying so.
    assert_eq!((first.width, first.height, first.mime.as_str()), (Some(64), Some(32), "image/jpeg"));
    assert_eq!(first.name, "photo.jpg");
    let second = engine.upload(&ann, "again.png", png).await.unwrap();
    assert_ne!(first.id, second.id);
    let stored = std::fs::read_dir(dir.path().join("files/files")).unwrap().count();
    assert_eq!(stored, 1, "the same contents are stored once");

    let sent = engine
        .post_files(&ann, "general", "c1", "", None, vec![first.id.clone().into(), second.id.clone().into()])
        .await
        .unwrap();
    assert_eq!(attached(sent), vec![first.clone(), second.clone()]);
    // A resend is the same message, not a refusal for files already sent.
    let again =
        engine.post_files(&ann, "general", "c1", "", None, vec![first.id.clone().into()]).await.unwrap();
    assert!(matches!(again, Appended::Duplicate(m) if m.attachments.len() == 2));
    // History carries them.
    let page = engine.history("general", None, None, 10).await.unwrap();
    assert_eq!(page.messages[0].attachments, vec![first.clone(), second]);
    // Sent once only.
    let refused = engine.post_files(&ann, "general", "c2", "x", None, vec![first.id.into()]).await;
    assert!(matches!(refused, Err(PostError::Store(StoreError::UnknownUpload))), "{refused:?}");
}

#[tokio::test]
async fn only_the_uploader_sends_an_upload_and_sees_it_before_it_is_sent() {
    let (_dir, engine) = engine().await;
    let ann = person(&engine, "ann").await;
    let bob = person(&engine, "bob").await;
    let file = engine.upload(&ann, "notes.txt", b"plain notes\n".to_vec()).await.unwrap();
    assert!(file.mime.starts_with("text/plain"), "{}", file.mime);
    assert_eq!(file.width, None);
    assert_eq!(engine.find_file(Some(&bob), &file.id).await.err(), Some(DownloadError::NotFound));
    assert_eq!(engine.find_file(None, &file.id).await.err(), Some(DownloadError::NotFound));
    assert!(engine.find_file(Some(&ann), &file.id).await.is_ok());
    let refused =
        engine.post_files(&bob, "general", "b1", "mine now", None, vec![file.id.clone().into()]).await;
    assert!(matches!(refused, Err(PostError::Store(StoreError::UnknownUpload))), "{refused:?}");
    assert!(engine.post_files(&bob, "general", "b2", "", None, vec!["nope".into()]).await.is_err());
    // Sent in a public room: anyone, even someone not signed in, may download it.
    engine.post_files(&ann, "general", "a1", "", None, vec![file.id.clone().into()]).await.unwrap();
    let found = engine.find_file(None, &file.id).await.unwrap();
    let download = engine.files().open(found, false, None).await.unwrap();
    assert_eq!(download.fetched.bytes().await.unwrap(), b"plain notes\n");
    // A range of it.
    let found = engine.find_file(None, &file.id).await.unwrap();
    let part = engine.files().open(found, false, Some(6..11)).await.unwrap();
    assert_eq!((part.fetched.range.clone(), part.fetched.size), (6..11, 12));
}

#[tokio::test]
async fn a_private_rooms_files_are_for_its_members_only() {
    let (_dir, engine) = engine().await;
    let ann = person(&engine, "ann").await;
    let bob = person(&engine, "bob").await;
    let cat = person(&engine, "cat").await;
    engine.create_room(&ann, "secret", true).await.unwrap();
    engine.invite(&ann, "secret", "bob").await.unwrap();
    let image = engine.upload(&ann, "plan.png", sample_png(20, 20)).await.unwrap();
    engine.post_files(&ann, "secret", "s1", "the plan", None, vec![image.id.clone().into()]).await.unwrap();
    assert!(engine.find_file(Some(&bob), &image.id).await.is_ok());
    assert_eq!(engine.find_file(Some(&cat), &image.id).await.err(), Some(DownloadError::NotFound));
    assert_eq!(engine.find_file(None, &image.id).await.err(), Some(DownloadError::NotFound));
    let record = engine.find_file(Some(&bob), &image.id).await.unwrap();
    assert!(record.thumb);
    assert!(engine.files().open(record, true, None).await.is_ok());
}

#[tokio::test]
async fn deleting_a_message_deletes_its_files_and_contents_nothing_else_names() {
    let (dir, engine) = engine().await;
    let ann = person(&engine, "ann").await;
    let png = sample_png(30, 30);
    let kept = engine.upload(&ann, "a.png", png.clone()).await.unwrap();
    let shared = engine.upload(&ann, "b.png", png).await.unwrap();
    let other = engine.upload(&ann, "c.txt", b"only here".to_vec()).await.unwrap();
    let Appended::New(first) = engine
        .post_files(&ann, "general", "m1", "", None, vec![shared.id.clone().into(), other.id.clone().into()])
        .await
        .unwrap()
    else {
        panic!()
    };
    engine.post_files(&ann, "general", "m2", "", None, vec![kept.id.clone().into()]).await.unwrap();
    engine.submit_change(&ann, "general", first.seq, Request::Delete).await.unwrap().await.unwrap();
    assert_eq!(engine.find_file(None, &shared.id).await.err(), Some(DownloadError::NotFound));
    assert_eq!(engine.find_file(None, &other.id).await.err(), Some(DownloadError::NotFound));
    let page = engine.history("general", None, None, 10).await.unwrap();
    assert!(page.messages[0].deleted && page.messages[0].attachments.is_empty());
    engine.files().sweep_now().await;
    let stored = std::fs::read_dir(dir.path().join("files/files")).unwrap().count();
    assert_eq!(stored, 1, "the text file's contents are gone; the image is still named by m2");
    assert!(engine.find_file(None, &kept.id).await.is_ok());
}

#[tokio::test]
async fn limits_refuse_clearly_and_keep_nothing() {
    let options = FileOptions { max_file_bytes: 1000, max_person_bytes: 1500, ..FileOptions::default() };
    let (dir, engine) = engine_with(options).await;
    let ann = person(&engine, "ann").await;
    let too_big = engine.upload(&ann, "big.bin", vec![7; 1001]).await.unwrap_err();
    assert_eq!((too_big.code(), too_big.status()), ("file_too_large", 413));
    assert!(too_big.to_string().contains("1.0 KB"), "{too_big}");
    let program = engine.upload(&ann, "run", b"#!/bin/sh\nrm -rf /\n".to_vec()).await.unwrap_err();
    assert_eq!(program.code(), "type_not_allowed");
    engine.upload(&ann, "a.txt", vec![b'a'; 900]).await.unwrap();
    let full = engine.upload(&ann, "b.txt", vec![b'b'; 900]).await.unwrap_err();
    assert_eq!(full.code(), "quota_exceeded");
    let stored = std::fs::read_dir(dir.path().join("files/files")).unwrap().count();
    assert_eq!(stored, 1);
    let empty = engine.upload(&ann, "e.txt", Vec::new()).await.unwrap_err();
    assert_eq!(empty.code(), "invalid_file");
}

#[tokio::test]
async fn uploads_are_limited_per_person_per_minute() {
    // Six a minute, two at once: the rest wait, each person apart.
    let (_dir, engine) = engine_with(FileOptions { uploads_per_minute: 6, ..FileOptions::default() }).await;
    let ann = person(&engine, "ann").await;
    let bob = person(&engine, "bob").await;
    for i in 0..2 {
        engine.upload(&ann, "a.txt", format!("a{i}").into_bytes()).await.unwrap();
    }
    let fast = engine.upload(&ann, "c.txt", b"c".to_vec()).await.unwrap_err();
    assert_eq!((fast.code(), fast.status()), ("too_fast", 429));
    assert!(matches!(fast, UploadError::TooFast(s) if (1..=10).contains(&s)), "{fast:?}");
    engine.upload(&bob, "b.txt", b"b".to_vec()).await.unwrap();
}

#[tokio::test]
async fn the_server_refuses_files_once_it_is_full() {
    let options = FileOptions { max_total_bytes: 100, ..FileOptions::default() };
    let (_dir, engine) = engine_with(options).await;
    let ann = person(&engine, "ann").await;
    engine.upload(&ann, "a.txt", vec![b'a'; 60]).await.unwrap();
    let full = engine.upload(&ann, "b.txt", vec![b'b'; 60]).await.unwrap_err();
    assert_eq!((full.code(), full.status()), ("storage_full", 507));
}

#[tokio::test]
async fn upload_tokens_name_their_person_and_cannot_be_forged() {
    let (_dir, engine) = engine().await;
    let ann = person(&engine, "ann").await;
    let (token, expires) = engine.files().token(&ann);
    assert!(expires > now_millis());
    assert_eq!(engine.files().check_token(&token), Some(ann.clone()));
    let guest = Speaker::guest("Zoë");
    let (token, _) = engine.files().token(&guest);
    assert_eq!(engine.files().check_token(&token), Some(guest));
    let forged = token.replacen(&hex("Zoë".as_bytes()), &hex(b"ann"), 1);
    assert_eq!(engine.files().check_token(&forged), None);
    assert_eq!(engine.files().check_token("garbage"), None);
    assert_eq!(engine.files().check_token(""), None);
    let (_other_dir, other) = engine_with(FileOptions::default()).await;
    assert_eq!(other.files().check_token(&token), None, "another key");
}

#[tokio::test]
async fn contents_left_by_an_upload_that_failed_half_way_are_swept() {
    let (dir, engine) = engine().await;
    let files = engine.files();
    // As an upload does, the contents are recorded, then written (under the lock the sweeper
    // takes too: the sweep at start-up runs beside this test); then storing the upload fails.
    let registering = files.registry.lock().await;
    files.store.add_blob("ab12", 3, false).await.unwrap();
    files.blobs.put("ab12", Part::Whole, b"abc".to_vec()).await.unwrap();
    let stored = || std::fs::read_dir(dir.path().join("files/files")).map_or(0, |d| d.count());
    assert_eq!(stored(), 1);
    drop(registering);
    files.sweep_now().await;
    assert_eq!(stored(), 0, "named by no upload: deleted");
    assert!(files.store.orphan_blobs().await.unwrap().is_empty());
}
