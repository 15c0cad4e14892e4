//! Writes the end-to-end tests' sample files into `end2end/fixtures/` (committed; run again
//! only to change them): a photo carrying EXIF with a camera name and a GPS position.

fn main() -> std::io::Result<()> {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/fixtures");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("gps-photo.jpg"), files::samples::jpeg_with_exif(640, 480))?;
    println!("wrote {}", out.display());
    Ok(())
}
