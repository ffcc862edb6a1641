//! Pages (raise, list, show, acknowledge, resolve), people's notification rules and the
//! notification sinks' health. Pages are addressed as `P-12`, `12` or their id.

use muster_api_types::paging::{
    NewPage, NotificationRules, Page, PageDetail, PageList, PageQuery, SinkHealthList,
};
use reqwest::Method;

use crate::oncall::{present, with_query};
use crate::{Client, ClientError};

/// The query pairs of `GET /api/v1/pages`, in a fixed order; absent fields are left out.
pub fn page_query_pairs(query: &PageQuery) -> Vec<(&'static str, String)> {
    let mut pairs = present(&[
        ("status", &query.status),
        ("incident", &query.incident),
        ("recipient", &query.recipient),
        ("cursor", &query.cursor),
    ]);
    if let Some(limit) = query.limit {
        pairs.push(("limit", limit.to_string()));
    }
    pairs
}

impl Client {
    /// Raises a page; the server's engine fires its first step at once.
    pub async fn create_page(&self, body: &NewPage) -> Result<Page, ClientError> {
        let url = self.url(&["api", "v1", "pages"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    /// Pages, newest first; follow `next_cursor` for older ones.
    pub async fn list_pages(&self, query: &PageQuery) -> Result<PageList, ClientError> {
        let url = self.url(&["api", "v1", "pages"])?;
        let url = with_query(url, &page_query_pairs(query));
        self.call(Method::GET, url, None::<&()>).await
    }

    /// A page with its history and its deliveries with every attempt.
    pub async fn get_page(&self, key: &str) -> Result<PageDetail, ClientError> {
        let url = self.url(&["api", "v1", "pages", key])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// Stops the page escalating; 409 when it is acknowledged or resolved already.
    pub async fn acknowledge_page(&self, key: &str) -> Result<Page, ClientError> {
        let url = self.url(&["api", "v1", "pages", key, "acknowledge"])?;
        self.call(Method::POST, url, None::<&()>).await
    }

    /// 409 when it is resolved already.
    pub async fn resolve_page(&self, key: &str) -> Result<Page, ClientError> {
        let url = self.url(&["api", "v1", "pages", key, "resolve"])?;
        self.call(Method::POST, url, None::<&()>).await
    }

    // Notification rules and sinks

    /// `user` is an id or email; no rules means every contact method at once.
    pub async fn notification_rules(&self, user: &str) -> Result<NotificationRules, ClientError> {
        let url = self.url(&["api", "v1", "users", user, "notification-rules"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// Replaces the person's rules (yours, or anyone's as admin); an empty list clears them.
    pub async fn set_notification_rules(
        &self,
        user: &str,
        body: &NotificationRules,
    ) -> Result<NotificationRules, ClientError> {
        let url = self.url(&["api", "v1", "users", user, "notification-rules"])?;
        self.call(Method::PUT, url, Some(body)).await
    }

    /// Whether each sink is configured and reachable (admins only).
    pub async fn notification_health(&self) -> Result<SinkHealthList, ClientError> {
        let url = self.url(&["api", "v1", "notifications", "health"])?;
        self.call(Method::GET, url, None::<&()>).await
    }
}

#[cfg(test)]
mod tests {
    use muster_api_types::paging::{NotificationRule, PageTarget};

    use super::*;
    use crate::tests::{body_of, stub};

    const PAGE: &str = r#"{"id":"0193a5b0-0000-7000-8000-000000000001","number":"P-1",
        "target":{"kind":"team","name":"identity"},"summary":"Login is failing","details":"",
        "incident":null,"drill":false,"team":"identity","policy":"identity-oncall",
        "status":"triggered","triggered_at":"2026-12-01T10:00:00Z","triggered_by":null,
        "acknowledged_at":null,"acknowledged_by":null,"resolved_at":null,"resolved_by":null,
        "steps_fired":0,"steps_total":4,"next_step_at":"2026-12-01T10:00:00Z","version":1}"#;

    #[tokio::test]
    async fn raises_a_page_for_a_team() {
        let (base, request) = stub("201 Created", PAGE).await;
        let client = Client::new(&base, Some("t".into())).unwrap();
        let body = NewPage {
            target: PageTarget {
                kind: "team".into(),
                name: "identity".into(),
            },
            summary: "Login is failing".into(),
            details: String::new(),
            incident: Some("INC-3".into()),
            drill: true,
        };
        let page = client.create_page(&body).await.unwrap();
        assert_eq!(page.number, "P-1");
        assert_eq!(page.steps_total, 4);
        let request = request.await.unwrap();
        assert!(request.starts_with("POST /api/v1/pages HTTP/1.1\r\n"));
        assert_eq!(
            body_of(&request),
            serde_json::json!({"target": {"kind": "team", "name": "identity"},
                "summary": "Login is failing", "details": "", "incident": "INC-3", "drill": true})
        );
    }

    #[tokio::test]
    async fn lists_pages_with_filters() {
        let (base, request) = stub(
            "200 OK",
            &format!(r#"{{"pages":[{}],"next_cursor":"1"}}"#, PAGE),
        )
        .await;
        let client = Client::new(&base, None).unwrap();
        let query = PageQuery {
            status: Some("triggered,acknowledged".into()),
            incident: Some("INC-3".into()),
            limit: Some(5),
            ..PageQuery::default()
        };
        let list = client.list_pages(&query).await.unwrap();
        assert_eq!(list.next_cursor.as_deref(), Some("1"));
        assert!(request.await.unwrap().starts_with(
            "GET /api/v1/pages?status=triggered%2Cacknowledged&incident=INC-3&limit=5 HTTP/1.1\r\n"
        ));
    }

    #[tokio::test]
    async fn shows_and_acknowledges_by_number() {
        let detail = format!(
            r#"{{"page":{},"history":[{{"at":"2026-12-01T10:00:00Z","kind":"triggered","actor":null,
            "recipient":null,"sink":null,"detail":"paged team identity"}}],
            "deliveries":[{{"id":"0193a5b0-0000-7000-8000-000000000009","recipient":"ana@example.com",
            "sink":"email","status":"sent","firing":0,"due_at":"2026-12-01T10:00:00Z",
            "sent_at":"2026-12-01T10:00:01Z","last_error":null,"attempts":[{{"attempt":1,
            "at":"2026-12-01T10:00:01Z","node":"n1","outcome":"sent","error":null}}]}}]}}"#,
            PAGE
        );
        let (base, request) = stub("200 OK", &detail).await;
        let client = Client::new(&base, None).unwrap();
        let shown = client.get_page("P-1").await.unwrap();
        assert_eq!(shown.history[0].kind, "triggered");
        assert_eq!(shown.deliveries[0].attempts[0].node, "n1");
        assert!(
            request
                .await
                .unwrap()
                .starts_with("GET /api/v1/pages/P-1 HTTP/1.1\r\n")
        );

        let (base, request) = stub("200 OK", PAGE).await;
        let client = Client::new(&base, None).unwrap();
        client.acknowledge_page("P-1").await.unwrap();
        assert!(
            request
                .await
                .unwrap()
                .starts_with("POST /api/v1/pages/P-1/acknowledge HTTP/1.1\r\n")
        );

        let body = r#"{"error":{"code":"invalid_transition","message":"P-1 is already resolved","fields":{}}}"#;
        let (base, request) = stub("409 Conflict", body).await;
        let client = Client::new(&base, None).unwrap();
        let error = client.resolve_page("P-1").await.unwrap_err();
        assert_eq!(error.status(), Some(409));
        assert_eq!(error.to_string(), "P-1 is already resolved");
        assert!(
            request
                .await
                .unwrap()
                .starts_with("POST /api/v1/pages/P-1/resolve HTTP/1.1\r\n")
        );
    }

    #[tokio::test]
    async fn reads_and_replaces_notification_rules() {
        let rules =
            r#"{"rules":[{"kind":"push","after_minutes":0},{"kind":"sms","after_minutes":2}]}"#;
        let (base, request) = stub("200 OK", rules).await;
        let client = Client::new(&base, None).unwrap();
        let body = NotificationRules {
            rules: vec![
                NotificationRule {
                    kind: "push".into(),
                    after_minutes: 0,
                },
                NotificationRule {
                    kind: "sms".into(),
                    after_minutes: 2,
                },
            ],
        };
        let stored = client
            .set_notification_rules("ana@example.com", &body)
            .await
            .unwrap();
        assert_eq!(stored.rules, body.rules);
        let request = request.await.unwrap();
        assert!(
            request
                .starts_with("PUT /api/v1/users/ana@example.com/notification-rules HTTP/1.1\r\n")
        );
        assert_eq!(body_of(&request)["rules"][1]["after_minutes"], 2);

        let (base, request) = stub("200 OK", r#"{"rules":[]}"#).await;
        let client = Client::new(&base, None).unwrap();
        assert!(
            client
                .notification_rules("me")
                .await
                .unwrap()
                .rules
                .is_empty()
        );
        assert!(
            request
                .await
                .unwrap()
                .starts_with("GET /api/v1/users/me/notification-rules HTTP/1.1\r\n")
        );
    }

    #[tokio::test]
    async fn reads_sink_health() {
        let health = r#"{"sinks":[{"sink":"email","status":"failing","detail":"connection refused"},
            {"sink":"slack","status":"not_configured","detail":""}]}"#;
        let (base, request) = stub("200 OK", health).await;
        let client = Client::new(&base, None).unwrap();
        let list = client.notification_health().await.unwrap();
        assert_eq!(list.sinks[0].status, "failing");
        assert!(
            request
                .await
                .unwrap()
                .starts_with("GET /api/v1/notifications/health HTTP/1.1\r\n")
        );
    }

    #[test]
    fn page_query_leaves_out_absent_fields() {
        assert!(page_query_pairs(&PageQuery::default()).is_empty());
    }
}
