//! What every HTTP sink shares: one client (10 s timeout, no redirects, a
//! `muster/<version>` user agent) and one reading of answers into
//! [`SendError`]s.

use std::error::Error as _;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, LOCATION, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode, Url};

use crate::SendError;
use crate::config::ConfigError;

/// Sent with every request.
pub const USER_AGENT: &str = concat!("muster/", env!("CARGO_PKG_VERSION"));

/// The longest wait a receiver may ask for; longer asks are cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// How much of a response body is kept for error messages (and parsing).
const BODY_LIMIT: usize = 64 * 1024;

/// How much of a body an error message quotes.
const EXCERPT_CHARS: usize = 200;

/// The client every HTTP sink uses. Redirects are not followed: a webhook
/// that moved should be reconfigured, not silently posted elsewhere (and a
/// redirected POST may arrive as a GET).
pub fn client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| ConfigError::new("http_timeout", format!("cannot build an HTTP client: {e}")))
}

/// An answer, read whole (up to 64 KiB of body).
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as text (lossily decoded), at most 64 KiB.
    pub body: String,
}

impl Reply {
    /// Reads an answer. A body cut short still counts: the status decides.
    pub async fn read(mut response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let mut bytes = Vec::new();
        while bytes.len() < BODY_LIMIT {
            match response.chunk().await {
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        bytes.truncate(BODY_LIMIT);
        Self {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A header's value, if present and readable as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The receiver's `Retry-After`, if it gave a readable one.
    pub fn retry_after(&self, now: SystemTime) -> Option<Duration> {
        self.headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, now))
    }

    /// The start of the body on one line, for error messages.
    pub fn excerpt(&self) -> String {
        let flat = self.body.split_whitespace().collect::<Vec<_>>().join(" ");
        crate::content::truncate(&flat, EXCERPT_CHARS).into_owned()
    }
}

/// `Retry-After` as delta-seconds or an HTTP date, capped at an hour; a date
/// in the past means "now" (zero).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// Whether a status asks to try again later.
pub fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 425 | 429) || status.is_server_error()
}

/// The generic reading of a status: 2xx sent; 3xx permanent (configure the
/// final URL); 408, 425, 429 and 5xx retryable with the receiver's
/// `Retry-After`; any other status permanent, quoting the body.
pub fn classify(service: &str, reply: &Reply, now: SystemTime) -> Result<(), SendError> {
    let status = reply.status;
    if status.is_success() {
        return Ok(());
    }
    if status.is_redirection() {
        let to = reply
            .header(LOCATION.as_str())
            .unwrap_or("an unnamed location");
        return Err(SendError::permanent(format!(
            "{service} answered HTTP {status}: redirected to {to}; configure the final URL"
        )));
    }
    let excerpt = reply.excerpt();
    let reason = if excerpt.is_empty() {
        format!("{service} answered HTTP {status}")
    } else {
        format!("{service} answered HTTP {status}: {excerpt}")
    };
    if retryable_status(status) {
        Err(SendError::Retryable {
            reason,
            retry_after: reply.retry_after(now),
        })
    } else {
        Err(SendError::permanent(reason))
    }
}

/// A request that got no answer. Connection failures and timeouts are
/// retryable; a request that could not even be built is not. The URL is
/// left out of the reason: webhook URLs are secrets.
pub fn transport_error(service: &str, error: reqwest::Error) -> SendError {
    let error = error.without_url();
    let mut reason = format!("{service}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    if error.is_builder() {
        SendError::permanent(reason)
    } else {
        SendError::retryable(reason)
    }
}

/// Sends a request and reads the answer, without judging its status.
pub async fn exchange(service: &str, request: RequestBuilder) -> Result<Reply, SendError> {
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(service, e))?;
    Ok(Reply::read(response).await)
}

/// Sends a request and judges the answer with [`classify`].
pub async fn deliver(service: &str, request: RequestBuilder) -> Result<Reply, SendError> {
    let reply = exchange(service, request).await?;
    classify(service, &reply, SystemTime::now())?;
    Ok(reply)
}

/// Posts `body` as JSON to a webhook address (the chat sinks), judging the
/// answer with `judge` (usually [`classify`]).
pub async fn post_json(
    client: &reqwest::Client,
    service: &str,
    address: &str,
    body: &serde_json::Value,
    judge: fn(&str, &Reply, SystemTime) -> Result<(), SendError>,
) -> Result<Reply, SendError> {
    let url = destination_url(service, address)?;
    let request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string());
    let reply = exchange(service, request).await?;
    judge(service, &reply, SystemTime::now())?;
    Ok(reply)
}

/// A destination address that must be an http(s) URL (a webhook).
pub fn destination_url(service: &str, address: &str) -> Result<Url, SendError> {
    let url = Url::parse(address.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| {
            SendError::permanent(format!(
                "the {service} address is not an http(s) URL; expected its webhook URL"
            ))
        })?;
    Ok(url)
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for a
/// value that must stay one path segment (a Matrix room id, an alias).
pub fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, headers: &[(&'static str, &str)], body: &str) -> Reply {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().expect("a header value"));
        }
        Reply {
            status: StatusCode::from_u16(status).expect("a status"),
            headers: map,
            body: body.into(),
        }
    }

    fn now() -> SystemTime {
        httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("a date")
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        let now = now();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("86400", now), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Sun Nov  6 08:49:47 1994", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn statuses_map_to_sent_retryable_or_permanent() {
        let now = now();
        assert_eq!(classify("hook", &reply(200, &[], "ok"), now), Ok(()));
        assert_eq!(classify("hook", &reply(202, &[], ""), now), Ok(()));
        assert_eq!(
            classify("hook", &reply(503, &[("retry-after", "7")], "down"), now),
            Err(SendError::Retryable {
                reason: "hook answered HTTP 503 Service Unavailable: down".into(),
                retry_after: Some(Duration::from_secs(7)),
            })
        );
        for status in [408, 425, 429, 500, 502, 504] {
            let result = classify("hook", &reply(status, &[], ""), now);
            assert!(
                matches!(
                    result,
                    Err(SendError::Retryable {
                        retry_after: None,
                        ..
                    })
                ),
                "{status}: {result:?}"
            );
        }
        assert_eq!(
            classify("hook", &reply(404, &[], "no_service"), now),
            Err(SendError::permanent(
                "hook answered HTTP 404 Not Found: no_service"
            ))
        );
        assert_eq!(
            classify("hook", &reply(401, &[], ""), now),
            Err(SendError::permanent("hook answered HTTP 401 Unauthorized"))
        );
        assert_eq!(
            classify(
                "hook",
                &reply(301, &[("location", "https://new.example/hook")], ""),
                now
            ),
            Err(SendError::permanent(
                "hook answered HTTP 301 Moved Permanently: redirected to \
                 https://new.example/hook; configure the final URL"
            ))
        );
    }

    #[test]
    fn error_messages_quote_at_most_200_characters_on_one_line() {
        let body = format!("line one\n\n  line two {}", "x".repeat(400));
        let excerpt = reply(400, &[], &body).excerpt();
        assert_eq!(excerpt.chars().count(), 200);
        assert!(excerpt.starts_with("line one line two xxx"));
        assert!(excerpt.ends_with("x…"));
    }

    #[test]
    fn path_segments_are_fully_encoded() {
        assert_eq!(
            encode_path_segment("!abc:example.org"),
            "%21abc%3Aexample.org"
        );
        assert_eq!(encode_path_segment("#ops/é"), "%23ops%2F%C3%A9");
        assert_eq!(encode_path_segment("a-b_c.d~e"), "a-b_c.d~e");
    }

    #[test]
    fn only_http_urls_are_webhook_addresses() {
        assert!(destination_url("slack", "https://hooks.slack.com/services/T/B/x").is_ok());
        assert!(destination_url("slack", "http://127.0.0.1:9/x").is_ok());
        for bad in ["hooks.slack.com/x", "ftp://x.example/", "", "mailto:a@b.c"] {
            assert_eq!(
                destination_url("slack", bad),
                Err(SendError::permanent(
                    "the slack address is not an http(s) URL; expected its webhook URL"
                )),
                "{bad}"
            );
        }
    }
}
