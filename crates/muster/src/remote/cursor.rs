//! `--all`: following a list's `next_cursor` to its last page.

use std::collections::HashSet;

use super::Failure;

/// Stops following cursors of a server that never says "last page".
const MAX_PAGES: usize = 10_000;

/// A page of a cursor-paged list.
pub(crate) trait Paged: Sized {
    /// Where the next page starts, taken out of this one.
    fn take_cursor(&mut self) -> Option<String>;
    /// Adds the next page's items and its cursor to this one.
    fn append(&mut self, next: Self);
}

/// Fetches page after page into `first`, refusing a server whose cursors
/// repeat or never end.
pub(crate) async fn follow<P, F, Fut>(mut first: P, mut fetch: F) -> Result<P, Failure>
where
    P: Paged,
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<P, Failure>>,
{
    let mut seen = HashSet::new();
    while let Some(cursor) = first.take_cursor() {
        if !seen.insert(cursor.clone()) || seen.len() > MAX_PAGES {
            return Err(anyhow::anyhow!("the server keeps sending more pages; stopped").into());
        }
        let next = fetch(cursor).await?;
        first.append(next);
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Numbers {
        items: Vec<u32>,
        next: Option<String>,
    }

    impl Paged for Numbers {
        fn take_cursor(&mut self) -> Option<String> {
            self.next.take()
        }
        fn append(&mut self, next: Self) {
            self.items.extend(next.items);
            self.next = next.next;
        }
    }

    fn page(items: &[u32], next: Option<&str>) -> Numbers {
        Numbers {
            items: items.to_vec(),
            next: next.map(str::to_owned),
        }
    }

    #[tokio::test]
    async fn pages_are_followed_to_the_last() {
        let all = follow(page(&[1, 2], Some("a")), |cursor| async move {
            Ok(match cursor.as_str() {
                "a" => page(&[3], Some("b")),
                _ => page(&[4], None),
            })
        })
        .await;
        assert!(all.is_ok_and(|all| all.items == [1, 2, 3, 4] && all.next.is_none()));
    }

    #[tokio::test]
    async fn a_cursor_seen_before_stops_the_loop() {
        let looping = follow(page(&[1], Some("a")), |_| async {
            Ok(page(&[1], Some("a")))
        })
        .await;
        assert!(looping.is_err());
    }
}
