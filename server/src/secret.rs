//! The key that signs session cookies: from the configured secret, or created once and kept
//! in the data directory (readable by the server's user only) so sessions survive restarts.

use cookie::Key;
use std::io::{Read, Write};
use std::path::Path;

const KEY_FILE: &str = "session.key";
const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("NATTER_SECRET must be at least {MIN_SECRET_BYTES} bytes")]
    TooShort,
    #[error("cannot read or create {path}: {source}")]
    File { path: String, source: std::io::Error },
}

/// The secret kept in `path` (surrounding whitespace ignored).
pub fn read_file(path: &Path) -> Result<String, SecretError> {
    let file_error = |source| SecretError::File { path: path.display().to_string(), source };
    let text = std::fs::read_to_string(path).map_err(file_error)?;
    Ok(text.trim().to_owned())
}

pub fn session_key(secret: Option<&str>, data_dir: &Path) -> Result<Key, SecretError> {
    if let Some(secret) = secret {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort);
        }
        return Ok(Key::derive_from(secret.as_bytes()));
    }
    let path = data_dir.join(KEY_FILE);
    let file_error = |source| SecretError::File { path: path.display().to_string(), source };
    std::fs::create_dir_all(data_dir).map_err(file_error)?;
    match std::fs::File::open(&path) {
        Ok(mut file) => {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).map_err(file_error)?;
            if bytes.len() >= 64 {
                return Ok(Key::from(&bytes[..64]));
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(file_error(error)),
    }
    let key = Key::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(file_error)?;
    file.write_all(key.master()).and_then(|()| file.sync_all()).map_err(file_error)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = session_key(None, dir.path()).unwrap();
        let again = session_key(None, dir.path()).unwrap();
        assert_eq!(first.master(), again.master());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(session_key(Some("short"), dir.path()), Err(SecretError::TooShort)));
        let from_secret = session_key(Some(&"s".repeat(40)), dir.path()).unwrap();
        assert_ne!(from_secret.master(), first.master());
    }
}
