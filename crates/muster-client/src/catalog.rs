//! The catalog routes: teams, services, functionalities, blast radius and backing.
//! Entries are addressed by slug; each slug is one percent-encoded path segment.

use muster_api_types::catalog::{
    Backing, BlastRadius, CatalogSync, CatalogSyncResult, Functionality, FunctionalityList,
    Service, ServiceList, Team, TeamList,
};
use reqwest::{Method, Url};

use crate::{Client, ClientError};

impl Client {
    // Teams

    pub async fn list_teams(&self) -> Result<TeamList, ClientError> {
        let url = self.url(&["api", "v1", "teams"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn get_team(&self, slug: &str) -> Result<Team, ClientError> {
        let url = self.url(&["api", "v1", "teams", slug])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// Creates or replaces the team `slug`; the body's own `slug` is ignored by the server.
    pub async fn put_team(&self, slug: &str, body: &Team) -> Result<Team, ClientError> {
        let url = self.url(&["api", "v1", "teams", slug])?;
        self.call(Method::PUT, url, Some(body)).await
    }

    /// Fails with 409 (`still_referenced`) while a service or functionality names the team.
    pub async fn delete_team(&self, slug: &str) -> Result<(), ClientError> {
        let url = self.url(&["api", "v1", "teams", slug])?;
        self.call_no_content(Method::DELETE, url).await
    }

    // Services

    pub async fn list_services(&self) -> Result<ServiceList, ClientError> {
        let url = self.url(&["api", "v1", "services"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn get_service(&self, slug: &str) -> Result<Service, ClientError> {
        let url = self.url(&["api", "v1", "services", slug])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// Creates or replaces the service `slug`, its links and dependencies included.
    pub async fn put_service(&self, slug: &str, body: &Service) -> Result<Service, ClientError> {
        let url = self.url(&["api", "v1", "services", slug])?;
        self.call(Method::PUT, url, Some(body)).await
    }

    /// Fails with 409 (`still_referenced`) while another service depends on it or a
    /// functionality stands on it.
    pub async fn delete_service(&self, slug: &str) -> Result<(), ClientError> {
        let url = self.url(&["api", "v1", "services", slug])?;
        self.call_no_content(Method::DELETE, url).await
    }

    /// What fails or degrades when the service fails, and which teams to involve.
    pub async fn service_impact(&self, slug: &str) -> Result<BlastRadius, ClientError> {
        let url = self.url(&["api", "v1", "services", slug, "impact"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// Makes the catalog match a whole document (or, with `dry_run`, plans it).
    pub async fn sync_catalog(&self, body: &CatalogSync) -> Result<CatalogSyncResult, ClientError> {
        let url = self.url(&["api", "v1", "catalog", "sync"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    // Functionalities

    pub async fn list_functionalities(&self) -> Result<FunctionalityList, ClientError> {
        let url = self.url(&["api", "v1", "functionalities"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn get_functionality(&self, slug: &str) -> Result<Functionality, ClientError> {
        let url = self.url(&["api", "v1", "functionalities", slug])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn put_functionality(
        &self,
        slug: &str,
        body: &Functionality,
    ) -> Result<Functionality, ClientError> {
        let url = self.url(&["api", "v1", "functionalities", slug])?;
        self.call(Method::PUT, url, Some(body)).await
    }

    pub async fn delete_functionality(&self, slug: &str) -> Result<(), ClientError> {
        let url = self.url(&["api", "v1", "functionalities", slug])?;
        self.call_no_content(Method::DELETE, url).await
    }

    /// The services the functionality stands on, transitively.
    pub async fn functionality_backing(&self, slug: &str) -> Result<Backing, ClientError> {
        let url = self.url(&["api", "v1", "functionalities", slug, "backing"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// For routes that answer 204: any 2xx is success and its body, if any, is ignored.
    async fn call_no_content(&self, method: Method, url: Url) -> Result<(), ClientError> {
        self.send(self.request(method, url.clone()), &url).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio::sync::oneshot;

    use super::*;

    /// Serves one canned answer and hands back the raw request (headers and body).
    async fn stub(status: &str, body: &str) -> (String, oneshot::Receiver<String>) {
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

    fn body_of(request: &str) -> serde_json::Value {
        let body = &request[request.find("\r\n\r\n").unwrap() + 4..];
        serde_json::from_str(body).unwrap()
    }

    const SERVICE: &str = r#"{"slug":"checkout-api","name":"Checkout API","description":"",
        "owner_team":"payments","tier":1,"lifecycle":"production","kind":"service",
        "links":[],"runbooks":[{"title":"Failover","url":"https://wiki.example/failover"}],
        "rollback_plan":"helm rollback","tags":["pci"],
        "depends_on":[{"service":"db","criticality":"hard"},{"service":"mail","criticality":"soft"}]}"#;

    #[tokio::test]
    async fn puts_a_service_under_its_encoded_slug() {
        let (base, request) = stub("200 OK", SERVICE).await;
        let client = Client::new(&base, Some("t".into())).unwrap();
        let body: Service = serde_json::from_str(SERVICE).unwrap();
        let stored = client.put_service("a/b c", &body).await.unwrap();
        assert_eq!(stored.depends_on.len(), 2);
        assert_eq!(stored.depends_on[1].criticality, "soft");
        let request = request.await.unwrap();
        assert!(
            request.starts_with("PUT /api/v1/services/a%2Fb%20c HTTP/1.1\r\n"),
            "{request}"
        );
        let json = body_of(&request);
        assert_eq!(json["tier"], 1);
        assert_eq!(json["runbooks"][0]["title"], "Failover");
    }

    #[tokio::test]
    async fn gets_impact_and_backing() {
        let radius = r#"{"service":"db","services":[{"service":"checkout-api","owner_team":"payments",
            "criticality":"hard","distance":1}],"functionalities":[{"functionality":"checkout",
            "name":"Checkout","owner_team":null,"criticality":"hard"}],"teams":["payments"],"cycles":[]}"#;
        let (base, request) = stub("200 OK", radius).await;
        let client = Client::new(&base, None).unwrap();
        let radius = client.service_impact("db").await.unwrap();
        assert_eq!(radius.services[0].service, "checkout-api");
        assert_eq!(radius.functionalities[0].functionality, "checkout");
        assert!(
            request
                .await
                .unwrap()
                .starts_with("GET /api/v1/services/db/impact HTTP/1.1\r\n")
        );

        let backing = r#"{"functionality":"checkout","services":[]}"#;
        let (base, request) = stub("200 OK", backing).await;
        let client = Client::new(&base, None).unwrap();
        assert_eq!(
            client
                .functionality_backing("checkout")
                .await
                .unwrap()
                .functionality,
            "checkout"
        );
        assert!(
            request
                .await
                .unwrap()
                .starts_with("GET /api/v1/functionalities/checkout/backing HTTP/1.1\r\n")
        );
    }

    #[tokio::test]
    async fn deletes_answer_nothing_on_204() {
        let (base, request) = stub("204 No Content", "").await;
        let client = Client::new(&base, None).unwrap();
        client.delete_team("payments").await.unwrap();
        assert!(
            request
                .await
                .unwrap()
                .starts_with("DELETE /api/v1/teams/payments HTTP/1.1\r\n")
        );
    }

    #[tokio::test]
    async fn a_referenced_team_is_a_conflict() {
        let body = r#"{"error":{"code":"still_referenced","message":"team payments is still referred to: services[checkout-api].owner_team","fields":{}}}"#;
        let (base, _request) = stub("409 Conflict", body).await;
        let client = Client::new(&base, None).unwrap();
        let error = client.delete_team("payments").await.unwrap_err();
        assert_eq!(error.status(), Some(409));
        assert!(error.to_string().contains("checkout-api"), "{error}");
        assert!(matches!(error, ClientError::Api { ref code, .. } if code == "still_referenced"));
    }

    #[tokio::test]
    async fn lists_decode_and_missing_entries_are_404() {
        let (base, _request) = stub(
            "200 OK",
            r##"{"teams":[{"slug":"payments","name":"Payments",
            "description":"","contact_channel":"#pay","escalation_policy":null,
            "members":[{"email":"ada@example.com","role":"lead"}]}]}"##,
        )
        .await;
        let client = Client::new(&base, None).unwrap();
        let teams = client.list_teams().await.unwrap();
        assert_eq!(teams.teams[0].members[0].role, "lead");

        let body =
            r#"{"error":{"code":"not_found","message":"no functionality login","fields":{}}}"#;
        let (base, _request) = stub("404 Not Found", body).await;
        let client = Client::new(&base, None).unwrap();
        let error = client.get_functionality("login").await.unwrap_err();
        assert_eq!(error.status(), Some(404));
    }

    #[test]
    fn slugs_cannot_escape_their_segment() {
        let client = Client::new("http://h", None).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for bad in ["", ".", ".."] {
            let error = runtime.block_on(client.get_service(bad)).unwrap_err();
            assert!(matches!(error, ClientError::InvalidUrl(_)), "{bad:?}");
        }
    }
}
