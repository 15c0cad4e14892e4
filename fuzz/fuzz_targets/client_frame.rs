//! Arbitrary bytes as a client's WebSocket frame: decoding never panics, and whatever decodes
//! survives the checks the server then runs on its fields and encodes back to the same event.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::frame::{decode_client, encode_client};
use protocol::ClientEvent;

fuzz_target!(|frame: &[u8]| {
    let Ok(event) = decode_client(frame) else { return };
    check_fields(&event);
    let again = decode_client(&encode_client(&event)).expect("an encoded event decodes");
    assert_eq!(again, event);
});

/// The field rules the server applies to each event: none may panic, and what they accept
/// must be in canonical form.
fn check_fields(event: &ClientEvent) {
    use protocol::*;
    let room = |name: &str| {
        if let Ok(canonical) = room_name(name) {
            assert_eq!(room_name(&canonical).as_deref(), Ok(canonical.as_str()));
            assert!(canonical.len() <= MAX_ROOM_CHARS);
        }
        let _ = new_room_name(name);
    };
    let person = |name: &str| {
        if let Ok(shown) = nickname(name) {
            assert!(char_count(shown) <= MAX_NICKNAME_CHARS);
            // Uniqueness is decided on this key; a name and its trimmed form are one person.
            assert_eq!(nickname_key(shown), nickname_key(name));
        }
    };
    match event {
        ClientEvent::Hello { nickname, password } => {
            person(nickname);
            let _ = password.as_deref().map(char_count);
        }
        ClientEvent::Join { room: r, .. } | ClientEvent::Leave { room: r } | ClientEvent::StopTyping { room: r } => {
            room(r)
        }
        ClientEvent::LoadOlder { room: r, .. } | ClientEvent::CreateRoom { room: r, .. } => room(r),
        ClientEvent::Send { room: r, client_id: id, text, reply_to: _, attachments } => {
            room(r);
            let _ = client_id(id);
            if let Ok(stored) = message_text(text) {
                assert!(!stored.is_empty() && char_count(stored) <= MAX_MESSAGE_CHARS);
            }
            // A caption of files may be empty, never over the limit; ids are only looked up.
            if let Ok(stored) = caption(text) {
                assert!(char_count(stored) <= MAX_MESSAGE_CHARS);
            }
            // Each file's own caption: none when blank, else within the limit.
            for file in attachments {
                if let Ok(Some(stored)) = file_caption(file.caption.as_deref()) {
                    assert!(!stored.is_empty() && stored.trim() == stored && char_count(stored) <= MAX_FILE_CAPTION_CHARS);
                }
            }
        }
        ClientEvent::Edit { room: r, text, .. } => {
            room(r);
            let _ = message_text(text);
        }
        ClientEvent::Delete { room: r, .. } | ClientEvent::Read { room: r, .. } => room(r),
        ClientEvent::React { room: r, emoji, .. } | ClientEvent::Unreact { room: r, emoji, .. } => {
            room(r);
            let _ = char_count(emoji);
        }
        ClientEvent::Search { query, room: r, before } => {
            let _ = char_count(query);
            if let Some(r) = r {
                room(r);
            }
            let _ = before.as_deref().map(str::parse::<u64>);
        }
        ClientEvent::Typing { room: r, draft } => {
            room(r);
            let _ = draft.as_deref().map(message_text);
        }
        ClientEvent::OpenDirect { with } => person(with),
        ClientEvent::Invite { room: r, nickname } | ClientEvent::Remove { room: r, nickname } => {
            room(r);
            person(nickname);
        }
        ClientEvent::ListMembers { room: r, after, .. } => {
            room(r);
            if let Some(after) = after {
                person(after);
            }
        }
        ClientEvent::Protect { password } => {
            let _ = char_count(password);
        }
        ClientEvent::Ping | ClientEvent::UploadToken => {}
    }
}
