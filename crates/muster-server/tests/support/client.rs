//! The console as a browser sees it, driven without a browser: the router
//! called in-process, with one cookie jar.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use muster_server::AppState;
use tower::ServiceExt;

use super::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp};

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `name=value` of a `Set-Cookie` header for `name`, and its attributes.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// The console as the browser sees it, with one cookie jar.
pub struct Console {
    router: Router,
    cookies: Vec<(String, String)>,
}

impl Console {
    pub fn new(test: &TestApp) -> Self {
        Self {
            router: muster_server::router(AppState::new(test.app.clone(), None)),
            cookies: Vec::new(),
        }
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        form: Option<&str>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match form {
            Some(form) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(form.to_owned())
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        for value in headers.get_all(header::SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        Answer {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.send(Method::GET, path, &[], None).await
    }

    pub async fn post(&mut self, path: &str, form: &str) -> Answer {
        self.send(Method::POST, path, &[], Some(form)).await
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// Signs in through the form and returns the session's CSRF token.
    pub async fn sign_in(&mut self) -> String {
        self.sign_in_as(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Signs in as someone else, the same way.
    pub async fn sign_in_as(&mut self, email: &str, password: &str) -> String {
        self.get("/login").await;
        let token = self
            .cookie("muster_csrf")
            .expect("the login page sets a form token");
        let form = format!(
            "csrf_token={token}&email={}&password={}&next=%2F",
            enc(email),
            enc(password)
        );
        let answer = self.post("/login", &form).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let home = self.get("/").await;
        csrf_of(&home.body)
    }
}

/// Percent-encodes a form body from its pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub fn enc(value: &str) -> String {
    value.replace('@', "%40").replace(' ', "+")
}

/// The session token as the page embeds it in every form.
pub fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).expect("a form with a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub async fn signed_in() -> (TestApp, Console, String) {
    let test = super::app().await;
    super::with_admin(&test).await;
    let mut console = Console::new(&test);
    let csrf = console.sign_in().await;
    (test, console, csrf)
}
