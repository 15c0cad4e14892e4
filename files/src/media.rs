//! What an upload is, decided from its bytes (never its name), and what is kept of it.
//!
//! Images (PNG, JPEG, GIF, WebP) are decoded under limits (pixels, frames, memory), turned the
//! way their EXIF orientation says, and encoded again: what is stored is only pixels, with no
//! EXIF, GPS position, camera data or comments, and a thumbnail is made once. Every other file
//! is kept as it came, unless it is a program (ELF, PE, Mach-O, scripts with a shebang):
//! those are refused. Nothing uploaded is ever served as a page in Natter's origin (the server
//! decides the headers); here only the type is decided.

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, DynamicImage, Frame, ImageDecoder, ImageFormat, ImageReader, RgbaImage};
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// How much an upload may be.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of one file.
    pub max_bytes: u64,
    /// Pixels of one image (width × height): a 12-megapixel photo is fine, a bomb is not.
    pub max_pixels: u64,
    /// Frames of an animated image.
    pub max_frames: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 25 << 20, max_pixels: 50_000_000, max_frames: 300 }
    }
}

/// The longest side of a thumbnail, in pixels.
pub const THUMB_SIDE: u32 = 480;
/// JPEG quality of re-encoded photos and thumbnails.
const JPEG_QUALITY: u8 = 88;

/// Why an upload was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    #[error("files of this type are not allowed here ({0})")]
    NotAllowed(String),
    #[error("the image has more than {0} pixels")]
    TooManyPixels(u64),
    #[error("the image has more than {0} frames")]
    TooManyFrames(usize),
    #[error("the image could not be read: {0}")]
    Unreadable(String),
    #[error("the file is empty")]
    Empty,
}

/// What kind of file it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An image, shown inline: its size in pixels.
    Image { width: u32, height: u32 },
    /// Anything else: downloaded, never shown.
    File,
}

/// An upload ready to be stored.
#[derive(Debug)]
pub struct Prepared {
    /// What to store (an image re-encoded; any other file as it came).
    pub bytes: Vec<u8>,
    /// Its content address: the SHA-256 of `bytes`, hex.
    pub hash: String,
    /// Its media type, decided from the content.
    pub mime: String,
    pub kind: Kind,
    /// A thumbnail of an image (JPEG, or PNG when it has transparency).
    pub thumb: Option<Vec<u8>>,
    /// The file name to show: the one given, sanitised, with an extension that matches what
    /// is stored.
    pub name: String,
}

/// Decides what `bytes` (uploaded as `name`) are and prepares them for storing. Costly for
/// images (decoding, encoding): run it off the async runtime.
pub fn prepare(bytes: &[u8], name: &str, limits: &Limits) -> Result<Prepared, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(Refused::TooLarge(limits.max_bytes));
    }
    let name = sanitize_name(name);
    if let Ok(format) = image::guess_format(bytes) {
        if matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP) {
            return prepare_image(bytes, format, &name, limits);
        }
    }
    if is_program(bytes) {
        return Err(Refused::NotAllowed("programs".into()));
    }
    let mime = sniffed_mime(bytes);
    Ok(Prepared {
        hash: hash(bytes),
        bytes: bytes.to_vec(),
        mime: mime.to_owned(),
        kind: Kind::File,
        thumb: None,
        name,
    })
}

/// The SHA-256 of `bytes`, hex.
pub fn hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Executables and scripts a careless click could run.
fn is_program(bytes: &[u8]) -> bool {
    let kind = infer::get(bytes);
    let executable = kind.is_some_and(|k| {
        matches!(
            k.mime_type(),
            "application/x-executable"
                | "application/vnd.microsoft.portable-executable"
                | "application/x-mach-binary"
                | "application/x-msdownload"
                | "application/x-sharedlib"
        ) || k.matcher_type() == infer::MatcherType::App
    });
    executable || bytes.starts_with(b"#!")
}

/// The media type of a file that is not an image: what its magic number says, plain text if it
/// is UTF-8 text, else opaque bytes. (HTML, SVG and the like are text here: served as
/// downloads, never rendered.)
fn sniffed_mime(bytes: &[u8]) -> &'static str {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type();
    }
    let head = &bytes[..bytes.len().min(64 << 10)];
    // A UTF-8 text (the check stops at a character cut by the 64 KiB window).
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(error) => error.error_len().is_none(),
    };
    if text && !head.contains(&0) {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

fn prepare_image(
    bytes: &[u8],
    format: ImageFormat,
    name: &str,
    limits: &Limits,
) -> Result<Prepared, Refused> {
    let unreadable = |e: image::ImageError| Refused::Unreadable(e.to_string());
    // The size first, from the header alone: a bomb is refused before anything is decoded.
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let (width, height) = reader.into_dimensions().map_err(unreadable)?;
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(Refused::TooManyPixels(limits.max_pixels));
    }
    let mut memory = image::Limits::default();
    memory.max_alloc = Some(limits.max_pixels * 4 * 2);
    let (stored, mime, extension, first) = match format {
        ImageFormat::Gif => {
            let frames = gif_frames(bytes, u64::from(width) * u64::from(height), limits)?;
            let first = DynamicImage::ImageRgba8(frames[0].buffer().clone());
            if frames.len() > 1 {
                let mut out = Vec::new();
                {
                    let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
                    encoder.set_repeat(Repeat::Infinite).map_err(unreadable)?;
                    encoder.encode_frames(frames).map_err(unreadable)?;
                }
                (out, "image/gif", "gif", first)
            } else {
                let (out, mime, extension) = encode_still(&first)?;
                (out, mime, extension, first)
            }
        }
        ImageFormat::WebP => {
            let decoder = WebPDecoder::new(Cursor::new(bytes)).map_err(unreadable)?;
            let image = if decoder.has_animation() {
                // An animated WebP keeps its first frame (no WebP animation encoder here).
                let frame = decoder.into_frames().next().ok_or(Refused::Unreadable("no frames".into()))?;
                DynamicImage::ImageRgba8(frame.map_err(unreadable)?.into_buffer())
            } else {
                let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
                reader.limits(memory);
                reader.decode().map_err(unreadable)?
            };
            let (out, mime, extension) = encode_still(&image)?;
            (out, mime, extension, image)
        }
        _ => {
            let mut decoder =
                ImageReader::with_format(Cursor::new(bytes), format).into_decoder().map_err(unreadable)?;
            decoder.set_limits(memory).map_err(unreadable)?;
            let orientation = decoder.orientation().map_err(unreadable)?;
            let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
            // The picture as the camera meant it: the tag that said so is not kept.
            image.apply_orientation(orientation);
            let (out, mime, extension) = if format == ImageFormat::Jpeg {
                (encode_jpeg(&image)?, "image/jpeg", "jpg")
            } else {
                encode_still(&image)?
            };
            (out, mime, extension, image)
        }
    };
    let thumb = thumbnail(&first)?;
    Ok(Prepared {
        hash: hash(&stored),
        bytes: stored,
        mime: mime.to_owned(),
        kind: Kind::Image { width: first.width(), height: first.height() },
        thumb: Some(thumb),
        name: with_extension(name, extension),
    })
}

/// The frames of a GIF (each decoded at the full `canvas` size, in pixels), refused beyond the
/// frame limit, or when all of them together would hold more than the pixel limit (a small
/// file of many tiny frames on a big canvas would otherwise take gigabytes).
fn gif_frames(bytes: &[u8], canvas: u64, limits: &Limits) -> Result<Vec<Frame>, Refused> {
    let unreadable = |e: image::ImageError| Refused::Unreadable(e.to_string());
    let decoder = GifDecoder::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut frames = Vec::new();
    for frame in decoder.into_frames() {
        if frames.len() == limits.max_frames {
            return Err(Refused::TooManyFrames(limits.max_frames));
        }
        if (frames.len() as u64 + 1) * canvas.max(1) > limits.max_pixels {
            return Err(Refused::TooManyPixels(limits.max_pixels));
        }
        frames.push(frame.map_err(unreadable)?);
    }
    if frames.is_empty() {
        return Err(Refused::Unreadable("no frames".into()));
    }
    Ok(frames)
}

fn has_alpha(image: &DynamicImage) -> bool {
    image.color().has_alpha() && image.to_rgba8().pixels().any(|p| p.0[3] < 255)
}

/// A still image as PNG when it has transparency, else JPEG.
fn encode_still(image: &DynamicImage) -> Result<(Vec<u8>, &'static str, &'static str), Refused> {
    if has_alpha(image) {
        let mut out = Vec::new();
        image
            .write_with_encoder(PngEncoder::new(&mut out))
            .map_err(|e| Refused::Unreadable(e.to_string()))?;
        Ok((out, "image/png", "png"))
    } else {
        Ok((encode_jpeg(image)?, "image/jpeg", "jpg"))
    }
}

fn encode_jpeg(image: &DynamicImage) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::new();
    let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
    rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        .map_err(|e| Refused::Unreadable(e.to_string()))?;
    Ok(out)
}

/// At most [`THUMB_SIDE`] on its longer side (never enlarged).
fn thumbnail(image: &DynamicImage) -> Result<Vec<u8>, Refused> {
    let small = if image.width().max(image.height()) > THUMB_SIDE {
        image.thumbnail(THUMB_SIDE, THUMB_SIDE)
    } else {
        image.clone()
    };
    encode_still(&small).map(|(bytes, _, _)| bytes)
}

/// A name safe to show and to send in a `Content-Disposition`: no path, no control or
/// invisible characters, no bidi overrides, at most 120 characters; "file" if nothing is left.
pub fn sanitize_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(*c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2066..=0x2069 | 0xFEFF)
        })
        .map(|c| if matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|') { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let short: String = trimmed.chars().take(120).collect();
    if short.is_empty() {
        "file".to_owned()
    } else {
        short
    }
}

/// `name` ending in `.extension` (replacing an image extension it had).
fn with_extension(name: &str, extension: &str) -> String {
    let stem = match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && ["png", "jpg", "jpeg", "gif", "webp", "jfif"]
                    .contains(&ext.to_ascii_lowercase().as_str()) =>
        {
            stem
        }
        _ => name,
    };
    format!("{stem}.{extension}")
}

/// An RGBA image `width`×`height` of a gradient (tests and benchmarks).
pub fn sample_image(width: u32, height: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            ((x ^ y) & 0xFF) as u8,
            255,
        ])
    })
}

/// [`sample_image`] as PNG bytes (tests and benchmarks).
pub fn sample_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(sample_image(width, height))
        .write_to(&mut out, ImageFormat::Png)
        .expect("encoding to memory");
    out.into_inner()
}

#[cfg(test)]
#[path = "media/tests.rs"]
mod tests;
