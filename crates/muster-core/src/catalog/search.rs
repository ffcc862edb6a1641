//! Finding a functionality from the words a customer uses: "can't log in"
//! should find Login, "checkout broken" Checkout.

use super::Functionality;

/// Words that say something is wrong, not what.
const NOISE: [&str; 28] = [
    "a", "an", "the", "i", "we", "my", "our", "me", "to", "is", "are", "it", "not", "no", "can't",
    "cant", "cannot", "unable", "doesn't", "doesnt", "don't", "dont", "won't", "broken", "failing",
    "fails", "down", "error",
];

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn meaningful(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| !NOISE.contains(&w.as_str()))
        .collect()
}

fn compact(words: &[String]) -> String {
    words.concat()
}

/// How well `query` names `functionality`; 0 means not at all.
pub fn score(query: &str, functionality: &Functionality) -> u32 {
    let asked = meaningful(query);
    if asked.is_empty() {
        return 0;
    }
    let asked_compact = compact(&asked);
    let mut best = 0;
    let names = std::iter::once(functionality.name.as_str())
        .chain(std::iter::once(functionality.slug.as_str()))
        .chain(functionality.aliases.iter().map(String::as_str));
    for name in names {
        let name_words = meaningful(name);
        let name_compact = compact(&name_words);
        if name_compact.is_empty() {
            continue;
        }
        // "log in" and "login", "sign-in" and "signin" are the same words.
        if asked_compact == name_compact {
            best = best.max(100);
        } else if asked_compact.contains(&name_compact) || name_compact.starts_with(&asked_compact)
        {
            best = best.max(60);
        }
        let shared = asked
            .iter()
            .filter(|w| {
                w.len() >= 3
                    && name_words
                        .iter()
                        .any(|n| n.starts_with(w.as_str()) || w.starts_with(n.as_str()))
            })
            .count() as u32;
        best = best.max(shared * 20);
    }
    let description = meaningful(&functionality.description);
    let in_description = asked
        .iter()
        .filter(|w| w.len() >= 4 && description.iter().any(|d| d == *w))
        .count() as u32;
    best + in_description * 5
}

/// Functionalities that match `query`, best first (ties by name).
pub fn rank<'a>(
    query: &str,
    functionalities: &'a [Functionality],
) -> Vec<(&'a Functionality, u32)> {
    let mut ranked: Vec<(&Functionality, u32)> = functionalities
        .iter()
        .map(|f| (f, score(query, f)))
        .filter(|(_, score)| *score > 0)
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Slug;

    fn functionality(name: &str, aliases: &[&str], description: &str) -> Functionality {
        Functionality {
            slug: Slug::parse("s", &name.to_lowercase().replace(' ', "-")).unwrap(),
            name: name.into(),
            description: description.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            owner_team: None,
            services: vec![],
        }
    }

    fn shop() -> Vec<Functionality> {
        vec![
            functionality(
                "Login",
                &["sign in"],
                "Customers sign in with email or Google",
            ),
            functionality("Checkout", &["pay", "payment"], "Paying for the basket"),
            functionality("Search", &[], "Finding products"),
            functionality("Order history", &[], "Seeing past orders"),
        ]
    }

    fn best(query: &str) -> Option<String> {
        let shop = shop();
        rank(query, &shop).first().map(|(f, _)| f.name.clone())
    }

    #[test]
    fn customers_words_find_the_functionality() {
        assert_eq!(best("Customers can't log in").as_deref(), Some("Login"));
        assert_eq!(best("I cannot sign-in").as_deref(), Some("Login"));
        assert_eq!(best("login").as_deref(), Some("Login"));
        assert_eq!(best("checkout broken").as_deref(), Some("Checkout"));
        assert_eq!(best("payments failing").as_deref(), Some("Checkout"));
        assert_eq!(
            best("can't see my orders").as_deref(),
            Some("Order history")
        );
        assert_eq!(
            best("sea").as_deref(),
            Some("Search"),
            "typing a prefix already finds it"
        );
    }

    #[test]
    fn noise_alone_matches_nothing() {
        assert_eq!(best("it is broken"), None);
        assert_eq!(best(""), None);
        assert_eq!(best("weather"), None);
    }
}
