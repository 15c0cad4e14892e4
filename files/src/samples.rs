//! Sample files for tests, benchmarks and the end-to-end fixtures: images drawn here, and a
//! photo carrying the metadata an upload must lose (EXIF with a camera name and a GPS position).

use crate::media::sample_image;
use image::codecs::jpeg::JpegEncoder;
use image::DynamicImage;

/// A JPEG of [`sample_image`].
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let image = DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(sample_image(width, height)).to_rgb8());
    image.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90)).unwrap();
    out
}

/// A JPEG with an EXIF block (APP1) holding a GPS position and a camera name right after SOI,
/// and an orientation of 6 (turned 90° clockwise).
pub fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    let exif = exif_block();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&plain[2..]);
    out
}

/// "Exif\0\0" and a little-endian TIFF: IFD0 with Orientation 6, Make "SecretCam", and a GPS
/// IFD with latitude 59°56'N.
fn exif_block() -> Vec<u8> {
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    // IFD0 at 8: 3 entries.
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        let mut e = tag.to_le_bytes().to_vec();
        e.extend_from_slice(&kind.to_le_bytes());
        e.extend_from_slice(&count.to_le_bytes());
        e.extend_from_slice(&value.to_le_bytes());
        e
    };
    let ifd0_len = 2 + 3 * 12 + 4;
    let make_at = 8 + ifd0_len as u32;
    let make = b"SecretCam\0";
    let gps_at = make_at + make.len() as u32;
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend(entry(0x010F, 2, make.len() as u32, make_at)); // Make
    tiff.extend(entry(0x0112, 3, 1, 6)); // Orientation
    tiff.extend(entry(0x8825, 4, 1, gps_at)); // GPSInfo
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(make);
    // GPS IFD: LatitudeRef "N", Latitude 59/1 56/1 0/1.
    let lat_at = gps_at + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend(entry(0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0")));
    tiff.extend(entry(0x0002, 5, 3, lat_at));
    tiff.extend_from_slice(&0u32.to_le_bytes());
    for (n, d) in [(59u32, 1u32), (56, 1), (0, 1)] {
        tiff.extend_from_slice(&n.to_le_bytes());
        tiff.extend_from_slice(&d.to_le_bytes());
    }
    let mut block = b"Exif\0\0".to_vec();
    block.extend(tiff);
    block
}
