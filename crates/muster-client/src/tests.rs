use super::*;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Serves one canned answer on 127.0.0.1:0 and hands back the raw request it got.
pub(crate) async fn stub(status: &str, body: &str) -> (String, oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            request.extend_from_slice(&buf[..n]);
            if n == 0 || complete(&request) {
                break;
            }
        }
        socket.write_all(answer.as_bytes()).await.unwrap();
        socket.shutdown().await.ok();
        tx.send(String::from_utf8_lossy(&request).into_owned()).ok();
    });
    (base, rx)
}

/// The JSON body of a raw request.
pub(crate) fn body_of(request: &str) -> serde_json::Value {
    let body = &request[request.find("\r\n\r\n").unwrap() + 4..];
    serde_json::from_str(body).unwrap()
}

fn complete(request: &[u8]) -> bool {
    let text = String::from_utf8_lossy(request);
    let Some(end) = text.find("\r\n\r\n") else {
        return false;
    };
    let length = text[..end]
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    request.len() >= end + 4 + length
}

const INCIDENT: &str = r#"{"id":"0193a5b0-0000-7000-8000-000000000001","number":42,"reference":"INC-42",
"title":"Login broken","description":"","impact":"","severity":"SEV1","status":"active",
"drill":false,"private":false,"declared_by":"0193a5b0-0000-7000-8000-000000000002","tags":[],
"milestones":{"started_at":null,"detected_at":null,"acknowledged_at":null,"mitigated_at":null,
"resolved_at":null,"closed_at":null},"roles":[],"participants":[],"version":3,
"declared_at":"2026-11-26T17:22:00Z","updated_at":"2026-11-26T17:22:00Z"}"#;

#[test]
fn rejects_bad_base_urls() {
    for bad in [
        "",
        "localhost:8070",
        "ftp://host",
        "http://",
        "http://h/?a=b",
        "mailto:x@y",
    ] {
        assert!(
            matches!(Client::new(bad, None), Err(ClientError::InvalidUrl(_))),
            "{bad:?} was accepted"
        );
    }
}

#[test]
fn builds_urls_under_the_base_and_encodes_segments() {
    let client = Client::new("http://h:8070", None).unwrap();
    let url = client
        .url(&["api", "v1", "incidents", "a/b?c#d%e f"])
        .unwrap();
    assert_eq!(
        url.as_str(),
        "http://h:8070/api/v1/incidents/a%2Fb%3Fc%23d%25e%20f"
    );

    for base in ["http://h/muster", "http://h/muster/"] {
        let client = Client::new(base, None).unwrap();
        let url = client.url(&["api", "v1", "users", "me"]).unwrap();
        assert_eq!(url.as_str(), "http://h/muster/api/v1/users/me");
    }
}

#[test]
fn refuses_dot_and_empty_segments() {
    let client = Client::new("http://h", None).unwrap();
    for bad in ["..", ".", ""] {
        assert!(matches!(
            client.url(&["api", "v1", "incidents", bad]),
            Err(ClientError::InvalidUrl(_))
        ));
    }
}

#[test]
fn incident_query_leaves_out_absent_fields() {
    assert!(incident_query_pairs(&IncidentQuery::default()).is_empty());
    let query = IncidentQuery {
        status: Some("active,acknowledged".into()),
        drill: Some(true),
        limit: Some(10),
        ..IncidentQuery::default()
    };
    assert_eq!(
        incident_query_pairs(&query),
        vec![
            ("status", "active,acknowledged".to_owned()),
            ("drill", "true".to_owned()),
            ("limit", "10".to_owned()),
        ]
    );
}

#[test]
fn parses_error_bodies() {
    let body = br#"{"error":{"code":"invalid_input","message":"Invalid incident","fields":{"title":"must not be empty"}}}"#;
    match api_error(reqwest::StatusCode::BAD_REQUEST, body) {
        ClientError::Api {
            status,
            code,
            message,
            fields,
        } => {
            assert_eq!(status, 400);
            assert_eq!(code, "invalid_input");
            assert_eq!(message, "Invalid incident");
            assert_eq!(fields["title"], "must not be empty");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_error_bodies_become_http_codes() {
    match api_error(
        reqwest::StatusCode::BAD_GATEWAY,
        b"<html>bad gateway</html>\n",
    ) {
        ClientError::Api { code, message, .. } => {
            assert_eq!(code, "http_502");
            assert_eq!(message, "<html>bad gateway</html>");
        }
        other => panic!("{other:?}"),
    }
    match api_error(reqwest::StatusCode::SERVICE_UNAVAILABLE, b"") {
        ClientError::Api { code, message, .. } => {
            assert_eq!(code, "http_503");
            assert_eq!(message, "HTTP 503 Service Unavailable");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn sends_token_user_agent_and_decodes_the_answer() {
    let (base, request) = stub("200 OK", INCIDENT).await;
    let client = Client::new(&base, Some("s3cret".into())).unwrap();
    let incident = client.get_incident("INC-42").await.unwrap();
    assert_eq!(incident.reference, "INC-42");
    assert_eq!(incident.version, 3);

    let request = request.await.unwrap();
    let lower = request.to_ascii_lowercase();
    assert!(request.starts_with("GET /api/v1/incidents/INC-42 HTTP/1.1\r\n"));
    assert!(
        lower.contains("authorization: bearer s3cret\r\n"),
        "{request}"
    );
    assert!(
        lower.contains(&format!("user-agent: {USER_AGENT}\r\n").to_ascii_lowercase()),
        "{request}"
    );
}

#[tokio::test]
async fn sends_json_bodies_and_query_strings() {
    let (base, request) = stub("200 OK", INCIDENT).await;
    let client = Client::new(&base, None).unwrap();
    let at: jiff::Timestamp = "2026-11-26T17:30:00Z".parse().unwrap();
    let action = MilestoneAction {
        at: Some(at),
        version: Some(3),
    };
    client.acknowledge("42", &action).await.unwrap();
    let request = request.await.unwrap();
    assert!(request.starts_with("POST /api/v1/incidents/42/acknowledge HTTP/1.1\r\n"));
    assert!(!request.to_ascii_lowercase().contains("authorization:"));
    let body = &request[request.find("\r\n\r\n").unwrap() + 4..];
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"at": "2026-11-26T17:30:00Z", "version": 3})
    );

    let (base, request) = stub("200 OK", r#"{"incidents":[],"next_cursor":null}"#).await;
    let client = Client::new(&base, None).unwrap();
    let query = IncidentQuery {
        severity: Some("SEV1,SEV2".into()),
        tag: Some("a b&c".into()),
        ..IncidentQuery::default()
    };
    client.list_incidents(&query).await.unwrap();
    let request = request.await.unwrap();
    assert!(
        request.starts_with("GET /api/v1/incidents?severity=SEV1%2CSEV2&tag=a+b%26c HTTP/1.1"),
        "{request}"
    );

    let (base, request) = stub("200 OK", r#"{"incidents":[],"next_cursor":null}"#).await;
    let client = Client::new(&base, None).unwrap();
    client
        .list_incidents(&IncidentQuery::default())
        .await
        .unwrap();
    assert!(
        request
            .await
            .unwrap()
            .starts_with("GET /api/v1/incidents HTTP/1.1")
    );
}

#[tokio::test]
async fn login_never_sends_the_old_token() {
    let created = r#"{"token":{"id":"0193a5b0-0000-7000-8000-000000000003","name":"laptop",
        "user_id":"0193a5b0-0000-7000-8000-000000000002","created_at":"2026-11-26T17:22:00Z",
        "revoked_at":null},"secret":"mst_abc"}"#;
    let (base, request) = stub("201 Created", created).await;
    let client = Client::new(&base, Some("old".into())).unwrap();
    let login = LoginRequest {
        email: "a@example.com".into(),
        password: "pw".into(),
        token_name: Some("laptop".into()),
    };
    let created = client.login(&login).await.unwrap();
    assert_eq!(created.secret, "mst_abc");
    let request = request.await.unwrap();
    assert!(request.starts_with("POST /api/v1/login HTTP/1.1\r\n"));
    assert!(!request.to_ascii_lowercase().contains("authorization:"));
}

#[tokio::test]
async fn error_answers_become_api_errors() {
    let body =
        r#"{"error":{"code":"version_conflict","message":"INC-42 changed meanwhile","fields":{}}}"#;
    let (base, _request) = stub("409 Conflict", body).await;
    let client = Client::new(&base, None).unwrap();
    let update = UpdateIncident {
        version: 1,
        title: Some("x".into()),
        ..UpdateIncident::default()
    };
    let error = client.update_incident("INC-42", &update).await.unwrap_err();
    assert_eq!(error.status(), Some(409));
    assert_eq!(error.to_string(), "INC-42 changed meanwhile");
    assert!(matches!(error, ClientError::Api { ref code, .. } if code == "version_conflict"));
}

#[tokio::test]
async fn garbage_in_a_success_is_a_decode_error() {
    let (base, _request) = stub("200 OK", "not json").await;
    let client = Client::new(&base, None).unwrap();
    let error = client.me().await.unwrap_err();
    assert!(matches!(error, ClientError::Decode(ref m) if m.contains("/api/v1/users/me")));
}

#[tokio::test]
async fn refused_connections_name_the_url() {
    // Bind and drop to get a port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::new(&format!("http://127.0.0.1:{port}"), None).unwrap();
    let error = client.healthz().await.unwrap_err();
    match error {
        ClientError::Transport(message) => {
            assert!(
                message.contains(&format!("http://127.0.0.1:{port}/healthz")),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn https_urls_speak_tls() {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let first_bytes = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = [0u8; 3];
        socket.read_exact(&mut head).await.unwrap();
        head
    });
    let client = Client::new(&format!("https://{address}"), None).unwrap();
    // The listener never answers the handshake; the request fails, but only
    // after a TLS ClientHello (record type 0x16, version 3.x) went out.
    let request = tokio::spawn(async move { client.healthz().await });
    let head = tokio::time::timeout(std::time::Duration::from_secs(10), first_bytes)
        .await
        .expect("the client connected")
        .unwrap();
    request.abort();
    assert_eq!(
        head[..2],
        [0x16, 0x03],
        "expected a TLS handshake, got {head:?}"
    );
}

#[test]
fn debug_output_hides_the_token() {
    let client = Client::new("http://h", Some("mst_very_secret".into())).unwrap();
    let text = format!("{client:?}");
    assert!(!text.contains("mst_very_secret"), "{text}");
    assert!(text.contains("redacted"), "{text}");
}
