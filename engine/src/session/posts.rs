//! Work a session awaits alongside everything else (stores, reads), each with an answer for
//! its client or none. The set behind it is allocated only while something is pending: most
//! connections in a big room never post, and an idle connection should not pay for a queue
//! it does not use (a `FuturesUnordered` allocates its ready queue and a stub task at once).

use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use protocol::ServerEvent;

type Post = BoxFuture<'static, Option<ServerEvent>>;

#[derive(Default)]
pub struct Posts(Option<FuturesUnordered<Post>>);

impl Posts {
    pub fn push(&mut self, post: Post) {
        self.0.get_or_insert_with(FuturesUnordered::new).push(post);
    }

    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(FuturesUnordered::is_empty)
    }

    /// The next finished post's answer; `None` when nothing is pending (the set is freed
    /// once it empties). Cancel-safe: dropped before it finishes, nothing is lost.
    pub async fn next(&mut self) -> Option<Option<ServerEvent>> {
        let set = self.0.as_mut()?;
        let answer = set.next().await;
        if set.is_empty() {
            self.0 = None;
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nothing_is_allocated_until_something_is_pending_and_after_it_is_done() {
        let mut posts = Posts::default();
        assert!(posts.is_empty() && posts.0.is_none());
        assert_eq!(posts.next().await, None);
        posts.push(Box::pin(async { Some(ServerEvent::Pong) }));
        posts.push(Box::pin(async { None }));
        assert!(!posts.is_empty());
        let answers = [posts.next().await, posts.next().await];
        assert!(
            answers.contains(&Some(None)) && answers.contains(&Some(Some(ServerEvent::Pong))),
            "{answers:?}"
        );
        assert!(posts.is_empty() && posts.0.is_none(), "freed once empty");
    }
}
