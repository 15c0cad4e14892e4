//! Who people are. A browser claims a nickname (its signed session cookie then holds the
//! person's id); nicknames are unique after NFKC normalisation and case folding; a person
//! may protect their nickname with a password (Argon2id) to use it from another browser.
//! Password attempts are limited per nickname, across every node sharing the database.

use crate::store::{Store, StoreError, UserRecord};
use crate::PostError;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use protocol::{ErrorCode, Invalid};
use std::num::NonZeroU32;
use std::sync::Arc;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Password attempts allowed per nickname per minute.
const ATTEMPTS_PER_MINUTE: u32 = 5;

/// A signed-in person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub nickname: String,
    /// The nickname has a password.
    pub protected: bool,
}

/// Who a connection or request speaks as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Speaker {
    pub nickname: String,
    /// The person's id when the nickname is claimed; `None` for a guest (an unclaimed nickname
    /// on a connection without a session cookie), who sees public rooms only.
    pub id: Option<i64>,
}

impl Speaker {
    pub fn guest(nickname: impl Into<String>) -> Self {
        Speaker { nickname: nickname.into(), id: None }
    }
}

impl From<User> for Speaker {
    fn from(user: User) -> Self {
        Speaker { nickname: user.nickname, id: Some(user.id) }
    }
}

impl From<UserRecord> for User {
    fn from(record: UserRecord) -> Self {
        User { id: record.id, nickname: record.nickname, protected: record.password_hash.is_some() }
    }
}

#[derive(Clone)]
pub struct Users {
    store: Arc<Store>,
    attempts: Arc<DefaultKeyedRateLimiter<String>>,
}

fn refuse(code: ErrorCode, reason: impl Into<String>) -> PostError {
    PostError::Invalid(Invalid::new(code, reason))
}

fn taken(nickname: &str) -> PostError {
    refuse(
        ErrorCode::NicknameTaken,
        format!("The nickname {nickname:?} is taken. If it is yours and protected, enter its password."),
    )
}

impl Users {
    pub fn new(store: Arc<Store>) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(ATTEMPTS_PER_MINUTE).unwrap_or(NonZeroU32::MIN));
        Users { store, attempts: Arc::new(RateLimiter::keyed(quota)) }
    }

    pub async fn get(&self, id: i64) -> Result<Option<User>, StoreError> {
        Ok(self.store.user(id).await?.map(User::from))
    }

    /// Signs a browser in as `nickname`: the browser's own nickname again (`current`), a new
    /// nickname (claimed now, with `password` if given), or a protected one with its password.
    pub async fn sign_in(
        &self,
        nickname: &str,
        password: Option<&str>,
        current: Option<i64>,
    ) -> Result<User, PostError> {
        let nickname = protocol::nickname(nickname)?;
        let key = protocol::nickname_key(nickname);
        let password = password.filter(|p| !p.is_empty());
        if let Some(current) = current {
            if let Some(user) = self.store.user(current).await? {
                if user.nickname_key == key {
                    return Ok(user.into());
                }
            }
        }
        match self.store.user_by_key(&key).await? {
            None => {
                let hash = match password {
                    Some(password) => Some(hash(password).await?),
                    None => None,
                };
                match self.store.create_user(nickname, &key, hash).await {
                    Ok(user) => Ok(user.into()),
                    Err(StoreError::NicknameTaken) => Err(taken(nickname)),
                    Err(error) => Err(error.into()),
                }
            }
            Some(user) => self.check_password(user, password).await,
        }
    }

    /// Who a connection without a session cookie may speak as: a protected nickname with its
    /// password, or a nickname nobody has claimed (as a guest, not stored).
    pub async fn authenticate(&self, nickname: &str, password: Option<&str>) -> Result<Speaker, PostError> {
        let nickname = protocol::nickname(nickname)?;
        match self.store.user_by_key(&protocol::nickname_key(nickname)).await? {
            None => Ok(Speaker::guest(nickname)),
            Some(user) => Ok(self.check_password(user, password.filter(|p| !p.is_empty())).await?.into()),
        }
    }

    /// The person who claimed `nickname` (in any spelling), if anyone has.
    pub async fn find(&self, nickname: &str) -> Result<Option<User>, StoreError> {
        Ok(self.store.user_by_key(&protocol::nickname_key(nickname)).await?.map(User::from))
    }

    async fn check_password(&self, user: UserRecord, password: Option<&str>) -> Result<User, PostError> {
        let (Some(stored), Some(password)) = (user.password_hash.clone(), password) else {
            return Err(taken(&user.nickname));
        };
        // On a shared database every node counts together; alone, in memory.
        let allowed = match self.store.count_in_window("password", &user.nickname_key).await? {
            Some((count, _)) => count <= ATTEMPTS_PER_MINUTE,
            None => self.attempts.check_key(&user.nickname_key).is_ok(),
        };
        if !allowed {
            return Err(refuse(
                ErrorCode::TooManyAttempts,
                "Too many password attempts for this nickname; wait a minute and try again.",
            ));
        }
        if verify(password, stored).await {
            Ok(user.into())
        } else {
            Err(refuse(ErrorCode::WrongPassword, "Wrong password for that nickname."))
        }
    }

    /// Protects (or re-protects) a person's nickname with a password.
    pub async fn set_password(&self, id: i64, password: &str) -> Result<(), PostError> {
        let hash = hash(password).await?;
        Ok(self.store.set_password_hash(id, hash).await?)
    }
}

fn check_rules(password: &str) -> Result<(), PostError> {
    if protocol::char_count(password) < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(refuse(
            ErrorCode::WrongPassword,
            format!("A password needs at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    Ok(())
}

/// Argon2id with the crate's recommended parameters, off the async threads (it is slow on
/// purpose).
async fn hash(password: &str) -> Result<String, PostError> {
    check_rules(password)?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|_| StoreError::Closed)?
    .map_err(|error| PostError::Store(StoreError::Commit(format!("password hashing failed: {error}"))))
}

async fn verify(password: &str, stored: String) -> bool {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use crate::{Engine, Options, PostError};
    use protocol::ErrorCode;

    async fn engine() -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open_sqlite(dir.path(), Options::default()).await.unwrap();
        (dir, engine)
    }

    fn code(result: Result<impl std::fmt::Debug, PostError>) -> ErrorCode {
        match result {
            Err(PostError::Invalid(invalid)) => invalid.code,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn nicknames_are_unique_after_normalisation_and_returning_browsers_keep_theirs() {
        let (_dir, engine) = engine().await;
        let users = engine.users();
        let ann = users.sign_in("Ann", None, None).await.unwrap();
        assert_eq!(ann.nickname, "Ann");
        // The same browser (its cookie says who it is) gets it again, in any spelling.
        assert_eq!(users.sign_in("ＡＮＮ", None, Some(ann.id)).await.unwrap(), ann);
        // Another browser cannot take it, in any spelling.
        for other in ["Ann", "ann", "ＡＮＮ", " ann "] {
            assert_eq!(code(users.sign_in(other, None, None).await), ErrorCode::NicknameTaken, "{other}");
        }
        let bob = users.sign_in("bob", None, Some(ann.id)).await.unwrap();
        assert_ne!(bob.id, ann.id);
    }

    #[tokio::test]
    async fn a_password_lets_the_nickname_move_to_another_browser() {
        let (_dir, engine) = engine().await;
        let users = engine.users();
        let ann = users.sign_in("ann", None, None).await.unwrap();
        assert_eq!(code(users.set_password(ann.id, "short").await), ErrorCode::WrongPassword);
        users.set_password(ann.id, "correct horse battery").await.unwrap();
        assert_eq!(code(users.sign_in("ann", None, None).await), ErrorCode::NicknameTaken);
        assert_eq!(code(users.sign_in("ann", Some("wrong password"), None).await), ErrorCode::WrongPassword);
        let again = users.sign_in("ANN", Some("correct horse battery"), None).await.unwrap();
        assert_eq!(again.id, ann.id);
        assert!(again.protected);
        // A connection without a cookie needs the password too; unclaimed names are guests.
        let speaker = users.authenticate("ann", Some("correct horse battery")).await.unwrap();
        assert_eq!((speaker.nickname.as_str(), speaker.id), ("ann", Some(ann.id)));
        assert_eq!(code(users.authenticate("ann", None).await), ErrorCode::NicknameTaken);
        assert_eq!(users.authenticate("guest", None).await.unwrap(), crate::users::Speaker::guest("guest"));
        // The stored hash is Argon2id, never the password.
        let stored = engine.inner.store.user(ann.id).await.unwrap().unwrap().password_hash.unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains("horse"));
    }

    #[tokio::test]
    async fn password_attempts_are_rate_limited_per_nickname() {
        let (_dir, engine) = engine().await;
        let users = engine.users();
        let ann = users.sign_in("ann", Some("correct horse battery"), None).await.unwrap();
        assert!(ann.protected);
        let mut codes = Vec::new();
        for _ in 0..6 {
            codes.push(code(users.sign_in("ann", Some("guess guess guess"), None).await));
        }
        assert_eq!(codes[..4], [ErrorCode::WrongPassword; 4]);
        assert_eq!(codes[5], ErrorCode::TooManyAttempts);
        // Even the right password waits; other nicknames are unaffected.
        assert_eq!(
            code(users.sign_in("ann", Some("correct horse battery"), None).await),
            ErrorCode::TooManyAttempts
        );
        users.sign_in("bob", Some("another good one"), None).await.unwrap();
        assert_eq!(code(users.sign_in("bob", Some("nope nope nope"), None).await), ErrorCode::WrongPassword);
    }
}
