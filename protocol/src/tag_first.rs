//! Reading the server's events, `{"type": "…", …fields}`, without serde's buffering.
//!
//! serde's derived decoder for an internally tagged enum cannot know where the tag is, so it
//! first copies the whole object into its own buffer (`Content`) and then decodes the variant
//! from that copy. In the browser's WASM that buffer's machinery and a second decoder of every
//! type inside an event cost about 100 KB before compression. Natter's server writes the tag
//! first (serde always does for an internally tagged enum), so [`ServerEvent`] and [`Change`]
//! are read here tag first instead: the `type` key, then the variant's fields straight from
//! the JSON. An object whose first key is not `type` is refused with an error saying so.
//! [`ClientEvent`](crate::ClientEvent), which third-party clients write, keeps serde's derived
//! decoder and accepts its keys in any order.
//!
//! The variants' fields are decoded by serde's derive, on the mirror enums below (serde's
//! `remote`): the compiler checks that each mirror variant names the real one's fields, and
//! the tests that every variant reads back and every defaulted field may be left out. (A
//! repeated `type` key is not checked: the first one decides.)

use crate::event::{
    Change, Deletion, Edit, ErrorCode, Message, Reaction, RoomInfo, SearchHit, ServerEvent, Unread,
};
use crate::Seq;
use serde::de::value::{MapAccessDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, IntoDeserializer, MapAccess, VariantAccess,
    Visitor,
};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// An enum read tag first: `body` decodes its variants as if externally tagged.
pub(crate) trait TagFirst: Sized {
    /// What the error messages call it.
    const EXPECTING: &'static str;
    fn body<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Reads `T` from a map whose first entry is `"type": variant`.
pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: TagFirst>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(TagVisitor(PhantomData))
}

struct TagVisitor<T>(PhantomData<T>);

impl<'de, T: TagFirst> Visitor<'de> for TagVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "{} (an object with \"type\" first)", T::EXPECTING)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<T, M::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == "type" => {}
            Some(_) => {
                return Err(de::Error::custom(format_args!(
                    "{}: \"type\" must be its first key",
                    T::EXPECTING
                )))
            }
            None => return Err(de::Error::missing_field("type")),
        }
        let tag: String = map.next_value()?;
        T::body(Variant { tag, rest: map })
    }
}

/// The tag and the rest of the object, seen as an externally tagged enum.
struct Variant<M> {
    tag: String,
    rest: M,
}

impl<'de, M: MapAccess<'de>> Deserializer<'de> for Variant<M> {
    type Error = M::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, M::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de, M: MapAccess<'de>> EnumAccess<'de> for Variant<M> {
    type Error = M::Error;
    type Variant = Rest<M>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Rest<M>), M::Error> {
        let tag: StringDeserializer<M::Error> = self.tag.into_deserializer();
        Ok((seed.deserialize(tag)?, Rest(self.rest)))
    }
}

/// The object's entries after the tag: the variant's fields.
struct Rest<M>(M);

impl<'de, M: MapAccess<'de>> VariantAccess<'de> for Rest<M> {
    type Error = M::Error;

    /// A variant without fields: whatever else the object holds is skipped.
    fn unit_variant(mut self) -> Result<(), M::Error> {
        while self.0.next_key::<IgnoredAny>()?.is_some() {
            self.0.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }

    /// A variant holding a struct (`Message(Message)`): the struct's fields are the rest.
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, M::Error> {
        seed.deserialize(MapAccessDeserializer::new(self.0))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, M::Error> {
        Err(de::Error::custom("an event's fields are named"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, M::Error> {
        visitor.visit_map(self.0)
    }
}

/// [`ServerEvent`]'s variants and their fields' defaults, as the real enum declares them.
#[derive(Deserialize)]
#[serde(remote = "ServerEvent", rename_all = "snake_case")]
enum ServerEventBody {
    Welcome {
        nickname: String,
    },
    History {
        room: String,
        messages: Vec<Message>,
        has_more: bool,
        #[serde(default)]
        changes: Vec<Change>,
        #[serde(default)]
        last: Seq,
    },
    Message(Message),
    Edited(Edit),
    Deleted(Deletion),
    Reaction(Reaction),
    Unread {
        rooms: Vec<Unread>,
    },
    Read {
        room: String,
        seq: Seq,
    },
    SearchResults {
        query: String,
        hits: Vec<SearchHit>,
        #[serde(default)]
        next: Option<String>,
    },
    Older {
        room: String,
        messages: Vec<Message>,
        has_more: bool,
    },
    Rooms {
        rooms: Vec<RoomInfo>,
    },
    RoomCreated {
        room: RoomInfo,
    },
    Removed {
        room: String,
    },
    Members {
        room: String,
        members: Vec<String>,
        #[serde(default)]
        count: u32,
    },
    Presence {
        room: String,
        #[serde(default)]
        joined: Vec<String>,
        #[serde(default)]
        left: Vec<String>,
        count: u32,
    },
    Protected {
        nickname: String,
    },
    Pong,
    UploadToken {
        token: String,
        expires_at: i64,
    },
    MemberPage {
        room: String,
        members: Vec<String>,
        has_more: bool,
        count: u32,
    },
    Typing {
        room: String,
        author: String,
        #[serde(default)]
        draft: Option<String>,
    },
    StopTyping {
        room: String,
        author: String,
    },
    Ack {
        room: String,
        client_id: String,
        seq: Seq,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default)]
        client_id: Option<String>,
        #[serde(default)]
        room: Option<String>,
        #[serde(default)]
        seq: Option<Seq>,
    },
}

impl TagFirst for ServerEvent {
    const EXPECTING: &'static str = "a server event";

    fn body<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ServerEventBody::deserialize(deserializer)
    }
}

/// [`Change`]'s variants.
#[derive(Deserialize)]
#[serde(remote = "Change", rename_all = "snake_case")]
enum ChangeBody {
    Edited(Edit),
    Deleted(Deletion),
    Reaction(Reaction),
}

impl TagFirst for Change {
    const EXPECTING: &'static str = "a change";

    fn body<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ChangeBody::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use crate::event::*;

    fn message(seq: crate::Seq) -> Message {
        Message {
            room: "general".into(),
            seq,
            client_id: "c".into(),
            author: "ann".into(),
            text: "hi".into(),
            sent_at: 5,
            mood: -0.5,
            lang: Some("en".into()),
            ..Message::default()
        }
    }

    /// One of each server event with every field set, so that a field the mirror decodes
    /// wrongly (or not at all) shows.
    fn every_event() -> Vec<ServerEvent> {
        let edit = Edit {
            room: "general".into(),
            seq: 9,
            target: 7,
            author: "ann".into(),
            text: "hi @bo".into(),
            mood: 0.25,
            lang: Some("en".into()),
            mentions: vec!["bo".into()],
            mentions_room: true,
            edited_at: 6,
        };
        let deletion = Deletion { room: "general".into(), seq: 10, target: 7 };
        let reaction = Reaction {
            room: "general".into(),
            seq: 11,
            target: 7,
            emoji: "👍".into(),
            author: "bo".into(),
            added: true,
        };
        let room = RoomInfo {
            name: "team".into(),
            created_at: 3,
            kind: RoomKind::Private,
            owner: Some("ann".into()),
            members: vec!["ann".into()],
        };
        let events = vec![
            ServerEvent::Welcome { nickname: "ann".into() },
            ServerEvent::History {
                room: "general".into(),
                messages: vec![message(7), message(8)],
                has_more: true,
                changes: vec![
                    Change::Edited(edit.clone()),
                    Change::Deleted(deletion.clone()),
                    Change::Reaction(reaction.clone()),
                ],
                last: 11,
            },
            ServerEvent::Message(message(12)),
            ServerEvent::Edited(edit),
            ServerEvent::Deleted(deletion),
            ServerEvent::Reaction(reaction),
            ServerEvent::Unread {
                rooms: vec![Unread { room: "general".into(), read: 4, last: 12, unread: 8, mentions: 1 }],
            },
            ServerEvent::Read { room: "general".into(), seq: 12 },
            ServerEvent::SearchResults {
                query: "hi".into(),
                hits: vec![SearchHit { message: message(7), highlights: vec![[0, 2]] }],
                next: Some("7".into()),
            },
            ServerEvent::Older { room: "general".into(), messages: vec![message(1)], has_more: false },
            ServerEvent::Rooms { rooms: vec![room.clone()] },
            ServerEvent::RoomCreated { room },
            ServerEvent::Removed { room: "team".into() },
            ServerEvent::Members {
                room: "general".into(),
                members: vec!["ann".into(), "bo".into()],
                count: 2,
            },
            ServerEvent::Presence {
                room: "general".into(),
                joined: vec!["bo".into()],
                left: vec!["cy".into()],
                count: 2,
            },
            ServerEvent::Protected { nickname: "ann".into() },
            ServerEvent::Pong,
            ServerEvent::UploadToken { token: "t".into(), expires_at: 99 },
            ServerEvent::MemberPage {
                room: "general".into(),
                members: vec!["bo".into()],
                has_more: true,
                count: 300,
            },
            ServerEvent::Typing { room: "general".into(), author: "bo".into(), draft: Some("he".into()) },
            ServerEvent::StopTyping { room: "general".into(), author: "bo".into() },
            ServerEvent::Ack { room: "general".into(), client_id: "c".into(), seq: 12 },
            ServerEvent::Error {
                code: ErrorCode::MessageTooLong,
                message: "too long".into(),
                client_id: Some("c".into()),
                room: Some("general".into()),
                seq: Some(7),
            },
        ];
        // Adding a variant fails to compile here until it has a sample above.
        for event in &events {
            match event {
                ServerEvent::Welcome { .. }
                | ServerEvent::History { .. }
                | ServerEvent::Message(_)
                | ServerEvent::Edited(_)
                | ServerEvent::Deleted(_)
                | ServerEvent::Reaction(_)
                | ServerEvent::Unread { .. }
                | ServerEvent::Read { .. }
                | ServerEvent::SearchResults { .. }
                | ServerEvent::Older { .. }
                | ServerEvent::Rooms { .. }
                | ServerEvent::RoomCreated { .. }
                | ServerEvent::Removed { .. }
                | ServerEvent::Members { .. }
                | ServerEvent::Presence { .. }
                | ServerEvent::Protected { .. }
                | ServerEvent::Pong
                | ServerEvent::UploadToken { .. }
                | ServerEvent::MemberPage { .. }
                | ServerEvent::Typing { .. }
                | ServerEvent::StopTyping { .. }
                | ServerEvent::Ack { .. }
                | ServerEvent::Error { .. } => {}
            }
        }
        events
    }

    #[test]
    fn every_event_reads_back_as_written() {
        let events = every_event();
        assert_eq!(events.len(), 23);
        for event in events {
            let text = serde_json::to_string(&event).unwrap();
            assert!(text.starts_with(r#"{"type":""#), "{text}");
            assert_eq!(serde_json::from_str::<ServerEvent>(&text).unwrap(), event, "{text}");
            assert_eq!(serde_json::from_slice::<ServerEvent>(text.as_bytes()).unwrap(), event, "{text}");
        }
    }

    #[test]
    fn fields_left_out_take_their_defaults() {
        let read = |text: &str| serde_json::from_str::<ServerEvent>(text).unwrap();
        assert_eq!(
            read(r#"{"type":"history","room":"r","messages":[],"has_more":false}"#),
            ServerEvent::History {
                room: "r".into(),
                messages: vec![],
                has_more: false,
                changes: vec![],
                last: 0
            }
        );
        assert_eq!(
            read(r#"{"type":"members","room":"r","members":["a"]}"#),
            ServerEvent::Members { room: "r".into(), members: vec!["a".into()], count: 0 }
        );
        assert_eq!(
            read(r#"{"type":"presence","room":"r","count":1}"#),
            ServerEvent::Presence { room: "r".into(), joined: vec![], left: vec![], count: 1 }
        );
        assert_eq!(
            read(r#"{"type":"error","code":"bad_frame","message":"m"}"#),
            ServerEvent::Error {
                code: ErrorCode::BadFrame,
                message: "m".into(),
                client_id: None,
                room: None,
                seq: None
            }
        );
        assert_eq!(
            read(r#"{"type":"typing","room":"r","author":"a"}"#),
            ServerEvent::Typing { room: "r".into(), author: "a".into(), draft: None }
        );
        assert_eq!(
            read(r#"{"type":"search_results","query":"q","hits":[]}"#),
            ServerEvent::SearchResults { query: "q".into(), hits: vec![], next: None }
        );
        assert_eq!(read(r#"{"type":"pong"}"#), ServerEvent::Pong);
    }

    #[test]
    fn unknown_fields_are_skipped() {
        let read = |text: &str| serde_json::from_str::<ServerEvent>(text).unwrap();
        assert_eq!(read(r#"{"type":"pong","id":3,"extra":{"a":[1,2]}}"#), ServerEvent::Pong);
        assert_eq!(
            read(r#"{"type":"read","later":[{"x":1}],"room":"r","seq":4,"more":null}"#),
            ServerEvent::Read { room: "r".into(), seq: 4 }
        );
    }

    #[test]
    fn what_is_not_a_server_event_is_refused_with_a_reason() {
        let refused = |text: &str| serde_json::from_str::<ServerEvent>(text).unwrap_err().to_string();
        assert!(refused(r#"{"room":"r","type":"removed"}"#).contains(r#""type" must be its first key"#));
        assert!(refused(r#"{}"#).contains("missing field `type`"));
        assert!(refused(r#"{"type":"shout"}"#).contains("unknown variant `shout`"));
        assert!(refused(r#"{"type":"read","room":"r"}"#).contains("missing field `seq`"));
        assert!(refused(r#"{"type":"read","room":"r","seq":"x"}"#).contains("invalid type"));
        assert!(refused(r#"{"type":7}"#).contains("invalid type"));
        assert!(refused(r#"["welcome"]"#).contains("an object with \"type\" first"));
        assert!(refused(
            r#"{"type":"history","room":"r","messages":[],"has_more":false,"changes":[{"seq":1}]}"#
        )
        .contains(r#"a change: "type" must be its first key"#));
    }

    /// Events that crossed the bus between nodes are read through serde's own buffer (the
    /// envelope is flattened); it keeps the keys' order, so they read back too.
    #[test]
    fn reads_through_a_flattened_envelope() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Envelope {
            node: u32,
            #[serde(flatten)]
            body: Body,
        }
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(tag = "t")]
        enum Body {
            Event { event: ServerEvent },
        }
        for event in every_event() {
            let text =
                serde_json::to_string(&Envelope { node: 1, body: Body::Event { event: event.clone() } })
                    .unwrap();
            let Body::Event { event: back } = serde_json::from_str::<Envelope>(&text).unwrap().body;
            assert_eq!(back, event);
        }
    }
}
