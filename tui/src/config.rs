//! What the terminal client remembers between runs, in the user's config directory
//! (`~/.config/natter/tui.conf` on Linux): for now, whether to share what one types.

use std::path::PathBuf;

fn path() -> Option<PathBuf> {
    Some(dirs::config_dir()?.join("natter").join("tui.conf"))
}

pub fn load_share_drafts() -> Option<bool> {
    let text = std::fs::read_to_string(path()?).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "share_drafts").then(|| value.trim() == "true")
    })
}

pub fn save_share_drafts(share: bool) {
    let Some(path) = path() else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(path, format!("share_drafts={share}\n"));
}
