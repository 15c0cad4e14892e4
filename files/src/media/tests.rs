use super::*;
use image::codecs::png::PngEncoder;

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    DynamicImage::ImageRgba8(sample_image(width, height))
        .write_with_encoder(PngEncoder::new(&mut out))
        .unwrap();
    out
}

use crate::samples::{jpeg, jpeg_with_exif};

#[test]
fn a_photo_loses_its_exif_and_gps_and_keeps_its_orientation() {
    let input = jpeg_with_exif(64, 32);
    assert!(input.windows(9).any(|w| w == b"SecretCam"), "the fixture carries its EXIF");
    let prepared = prepare(&input, "holiday.JPG", &Limits::default()).unwrap();
    assert_eq!(prepared.mime, "image/jpeg");
    assert_eq!(prepared.name, "holiday.jpg");
    // Turned as the orientation tag said: 64×32 became 32×64.
    assert_eq!(prepared.kind, Kind::Image { width: 32, height: 64 });
    let out = &prepared.bytes;
    assert!(!out.windows(4).any(|w| w == b"Exif"), "EXIF is gone");
    assert!(!out.windows(9).any(|w| w == b"SecretCam"));
    assert!(!out.windows(2).any(|w| w == [0xFF, 0xE1]), "no APP1 segment");
    assert!(prepared.thumb.is_some());
    assert_eq!(prepared.hash, hash(out));
}

#[test]
fn the_type_comes_from_the_content_not_the_name() {
    let prepared = prepare(&png(8, 8), "not-an-image.txt", &Limits::default()).unwrap();
    assert!(matches!(prepared.kind, Kind::Image { .. }));
    assert_eq!(prepared.mime, "image/jpeg", "an opaque PNG is stored as a JPEG");
    assert_eq!(prepared.name, "not-an-image.txt.jpg");
    let text =
        prepare("<html><script>alert(1)</script></html>".as_bytes(), "page.png", &Limits::default()).unwrap();
    assert_eq!(text.kind, Kind::File);
    // Its type, for the reader; the server sends such files only as downloads.
    assert_eq!(text.mime, "text/html");
    assert_eq!(text.name, "page.png", "a file keeps its name");
    let svg = prepare(
        br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#,
        "x.svg",
        &Limits::default(),
    );
    assert_eq!(svg.unwrap().kind, Kind::File);
    let pdf = prepare(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "paper.pdf", &Limits::default()).unwrap();
    assert_eq!(pdf.mime, "application/pdf");
    let bytes = prepare(&[0, 159, 146, 150, 0, 1], "blob.bin", &Limits::default()).unwrap();
    assert_eq!(bytes.mime, "application/octet-stream");
}

#[test]
fn transparency_is_kept_as_png() {
    let mut image = sample_image(20, 10);
    image.get_pixel_mut(3, 3).0[3] = 0;
    let mut input = Vec::new();
    DynamicImage::ImageRgba8(image).write_with_encoder(PngEncoder::new(&mut input)).unwrap();
    let prepared = prepare(&input, "logo.png", &Limits::default()).unwrap();
    assert_eq!(prepared.mime, "image/png");
    assert_eq!(prepared.name, "logo.png");
}

#[test]
fn programs_are_refused_and_limits_hold() {
    let mut elf = vec![0x7F, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3E, 0];
    elf.resize(128, 0);
    assert!(matches!(prepare(&elf, "run.bin", &Limits::default()), Err(Refused::NotAllowed(_))));
    assert!(matches!(
        prepare(b"#!/bin/sh\nrm -rf ~\n", "x.txt", &Limits::default()),
        Err(Refused::NotAllowed(_))
    ));
    assert_eq!(prepare(b"", "empty", &Limits::default()).unwrap_err(), Refused::Empty);
    let small = Limits { max_bytes: 10, ..Limits::default() };
    assert_eq!(prepare(&[b'a'; 11], "big.txt", &small).unwrap_err(), Refused::TooLarge(10));
    let few = Limits { max_pixels: 100, ..Limits::default() };
    assert_eq!(prepare(&png(11, 10), "x.png", &few).unwrap_err(), Refused::TooManyPixels(100));
    assert!(matches!(
        prepare(b"\x89PNG\r\n\x1a\nbroken", "x.png", &Limits::default()),
        Err(Refused::Unreadable(_))
    ));
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    // A PNG header claiming 100,000 × 100,000 pixels: refused before decoding anything.
    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let refused = prepare(&bomb, "bomb.png", &Limits::default()).unwrap_err();
    assert!(matches!(refused, Refused::TooManyPixels(_) | Refused::Unreadable(_)), "{refused:?}");
}

#[test]
fn animated_gifs_keep_their_frames_up_to_the_limit() {
    let frames = |n: usize| {
        let mut out = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut out);
            let frames = (0..n)
                .map(|i| Frame::new(RgbaImage::from_pixel(4, 4, image::Rgba([i as u8 * 40, 0, 0, 255]))));
            encoder.encode_frames(frames).unwrap();
        }
        out
    };
    let prepared = prepare(&frames(3), "anim.gif", &Limits::default()).unwrap();
    assert_eq!(prepared.mime, "image/gif");
    let limited = Limits { max_frames: 2, ..Limits::default() };
    assert_eq!(prepare(&frames(3), "anim.gif", &limited).unwrap_err(), Refused::TooManyFrames(2));
    // Every frame is decoded at the canvas size: all of them together count against the pixels.
    let few_pixels = Limits { max_pixels: 40, ..Limits::default() };
    assert_eq!(prepare(&frames(3), "anim.gif", &few_pixels).unwrap_err(), Refused::TooManyPixels(40));
}

#[test]
fn the_same_picture_is_the_same_file() {
    let a = prepare(&png(30, 30), "a.png", &Limits::default()).unwrap();
    let b = prepare(&png(30, 30), "b.png", &Limits::default()).unwrap();
    assert_eq!(a.hash, b.hash);
}

#[test]
fn thumbnails_are_small_and_keep_the_shape() {
    let prepared = prepare(&jpeg(1200, 600), "wide.jpg", &Limits::default()).unwrap();
    let thumb = image::load_from_memory(&prepared.thumb.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (480, 240));
}

#[test]
fn names_are_made_safe() {
    assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
    assert_eq!(sanitize_name("C:\\Users\\me\\report.pdf"), "report.pdf");
    assert_eq!(sanitize_name("a\u{202E}fdp.exe"), "afdp.exe");
    assert_eq!(sanitize_name("bad\"name<>.txt"), "bad_name__.txt");
    assert_eq!(sanitize_name("\n\t"), "file");
    assert_eq!(sanitize_name(".hidden"), "hidden");
    assert_eq!(sanitize_name("отчёт 2026.pdf"), "отчёт 2026.pdf");
    assert_eq!(sanitize_name(&"x".repeat(300)).chars().count(), 120);
}
