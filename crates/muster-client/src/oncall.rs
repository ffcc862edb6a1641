//! On-call: schedules and their shifts (JSON and iCalendar), overrides, who is on call,
//! and the plan's escalation policies. Schedules are addressed by name, people by id or
//! email; each is one percent-encoded path segment.

use muster_api_types::oncall::{
    NewOverride, OnCallList, OnCallQuery, Override, OverrideList, PolicyList, ScheduleList,
    ScheduleShifts, ShiftsQuery,
};
use reqwest::{Method, Url};
use uuid::Uuid;

use crate::{Client, ClientError, strip_empty_query};

/// The query pairs of the shift listings and exports; absent bounds are left out, so the
/// server's defaults apply.
pub fn shifts_query_pairs(query: &ShiftsQuery) -> Vec<(&'static str, String)> {
    present(&[("from", &query.from), ("to", &query.to)])
}

/// The query pairs of `GET /api/v1/oncall` (`for`, `at`).
pub fn on_call_query_pairs(query: &OnCallQuery) -> Vec<(&'static str, String)> {
    present(&[("for", &query.target), ("at", &query.at)])
}

pub(crate) fn present(fields: &[(&'static str, &Option<String>)]) -> Vec<(&'static str, String)> {
    fields
        .iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| (*name, v.clone())))
        .collect()
}

/// Appends `pairs` to `url`, leaving no bare `?` when there are none.
pub(crate) fn with_query(mut url: Url, pairs: &[(&'static str, String)]) -> Url {
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
    }
    strip_empty_query(&mut url);
    url
}

impl Client {
    // Schedules

    /// Every schedule of the plan, with who is on call now.
    pub async fn list_schedules(&self) -> Result<ScheduleList, ClientError> {
        let url = self.url(&["api", "v1", "schedules"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// A schedule laid out over a window (server default: the next 14 days): the final
    /// shifts, each layer, the gaps and the overrides.
    pub async fn get_schedule(
        &self,
        name: &str,
        query: &ShiftsQuery,
    ) -> Result<ScheduleShifts, ClientError> {
        let url = self.url(&["api", "v1", "schedules", name])?;
        let url = with_query(url, &shifts_query_pairs(query));
        self.call(Method::GET, url, None::<&()>).await
    }

    /// The schedule's shifts as iCalendar text (server default: 7 days ago to 90 ahead).
    pub async fn schedule_ics(
        &self,
        name: &str,
        query: &ShiftsQuery,
    ) -> Result<String, ClientError> {
        let url = self.url(&["api", "v1", "schedules", name, "shifts.ics"])?;
        self.text(with_query(url, &shifts_query_pairs(query))).await
    }

    /// A person's shifts on every schedule as iCalendar text; `user` is an id or email.
    pub async fn user_ics(&self, user: &str, query: &ShiftsQuery) -> Result<String, ClientError> {
        let url = self.url(&["api", "v1", "users", user, "shifts.ics"])?;
        self.text(with_query(url, &shifts_query_pairs(query))).await
    }

    // Overrides

    /// The schedule's current and future overrides.
    pub async fn list_overrides(&self, schedule: &str) -> Result<OverrideList, ClientError> {
        let url = self.url(&["api", "v1", "schedules", schedule, "overrides"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn create_override(
        &self,
        schedule: &str,
        body: &NewOverride,
    ) -> Result<Override, ClientError> {
        let url = self.url(&["api", "v1", "schedules", schedule, "overrides"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    /// Answers with the override that was removed.
    pub async fn delete_override(&self, id: Uuid) -> Result<Override, ClientError> {
        let id = id.to_string();
        let url = self.url(&["api", "v1", "overrides", &id])?;
        self.call(Method::DELETE, url, None::<&()>).await
    }

    // Who is on call

    /// For a schedule, team, service or functionality (the server looks the name up in
    /// that order), or every schedule; at an instant, default now.
    pub async fn on_call(&self, query: &OnCallQuery) -> Result<OnCallList, ClientError> {
        let url = self.url(&["api", "v1", "oncall"])?;
        let url = with_query(url, &on_call_query_pairs(query));
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn list_policies(&self) -> Result<PolicyList, ClientError> {
        let url = self.url(&["api", "v1", "escalation-policies"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// A 2xx answer's body as text (lossy: a calendar is text whatever it claims).
    async fn text(&self, url: Url) -> Result<String, ClientError> {
        let bytes = self
            .send(self.request(Method::GET, url.clone()), &url)
            .await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{body_of, stub};

    const OVERRIDE: &str = r#"{"id":"0193a5b0-0000-7000-8000-00000000000a","schedule":"identity primary",
        "user":"bo@example.com","start":"2026-12-05T08:00:00Z","end":"2026-12-06T08:00:00Z",
        "replaces":"ana@example.com","note":"swap","created_by":"0193a5b0-0000-7000-8000-000000000002",
        "created_at":"2026-12-01T10:00:00Z"}"#;

    #[tokio::test]
    async fn asks_who_is_on_call_with_for_and_at() {
        let answer = r#"{"at":"2026-10-25T08:30:00Z","on_call":[{"schedule":"identity-primary",
            "policy":"identity-oncall","level":1,"user":"ana@example.com",
            "since":"2026-10-25T08:00:00Z","until":"2026-10-26T08:00:00Z"},
            {"schedule":"gappy","policy":null,"level":1,"user":null,"since":null,"until":null}]}"#;
        let (base, request) = stub("200 OK", answer).await;
        let client = Client::new(&base, None).unwrap();
        let query = OnCallQuery {
            target: Some("identity team".into()),
            at: Some("2026-10-25T08:30:00Z".into()),
        };
        let list = client.on_call(&query).await.unwrap();
        assert_eq!(list.on_call[0].user.as_deref(), Some("ana@example.com"));
        assert_eq!(list.on_call[1].user, None);
        let request = request.await.unwrap();
        assert!(
            request.starts_with(
                "GET /api/v1/oncall?for=identity+team&at=2026-10-25T08%3A30%3A00Z HTTP/1.1\r\n"
            ),
            "{request}"
        );

        let (base, request) = stub("200 OK", r#"{"at":"2026-10-25T08:30:00Z","on_call":[]}"#).await;
        let client = Client::new(&base, None).unwrap();
        client.on_call(&OnCallQuery::default()).await.unwrap();
        assert!(
            request
                .await
                .unwrap()
                .starts_with("GET /api/v1/oncall HTTP/1.1\r\n")
        );
    }

    #[tokio::test]
    async fn shows_a_schedule_over_a_window() {
        let answer = r#"{"schedule":{"name":"identity-primary","description":"","owner":"identity",
            "time_zone":"Europe/Berlin","layers":[{"name":"1","participants":["ana@example.com"],
            "shift":"1d","first_handoff":"2026-10-01T09:00","restrictions":[]}],
            "on_call_now":"ana@example.com","until":"2026-10-25T08:00:00Z"},
            "from":"2026-10-24T00:00:00Z","to":"2026-10-25T00:00:00Z",
            "shifts":[{"user":"ana@example.com","start":"2026-10-23T07:00:00Z","end":"2026-10-24T07:00:00Z"}],
            "layers":[],"gaps":[],"overrides":[]}"#;
        let (base, request) = stub("200 OK", answer).await;
        let client = Client::new(&base, None).unwrap();
        let query = ShiftsQuery {
            from: Some("2026-10-24T00:00:00Z".into()),
            to: None,
        };
        let shown = client
            .get_schedule("identity-primary", &query)
            .await
            .unwrap();
        assert_eq!(shown.schedule.time_zone, "Europe/Berlin");
        assert_eq!(shown.shifts.len(), 1);
        assert!(request.await.unwrap().starts_with(
            "GET /api/v1/schedules/identity-primary?from=2026-10-24T00%3A00%3A00Z HTTP/1.1\r\n"
        ));
    }

    #[tokio::test]
    async fn exports_return_the_calendar_text() {
        let calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
        let (base, request) = stub("200 OK", calendar).await;
        let client = Client::new(&base, Some("t".into())).unwrap();
        let text = client
            .schedule_ics("a/b", &ShiftsQuery::default())
            .await
            .unwrap();
        assert_eq!(text, calendar);
        assert!(
            request
                .await
                .unwrap()
                .starts_with("GET /api/v1/schedules/a%2Fb/shifts.ics HTTP/1.1\r\n")
        );

        let (base, request) = stub("200 OK", calendar).await;
        let client = Client::new(&base, None).unwrap();
        let query = ShiftsQuery {
            from: None,
            to: Some("2027-01-01T00:00:00Z".into()),
        };
        client.user_ics("ana@example.com", &query).await.unwrap();
        assert!(request.await.unwrap().starts_with(
            "GET /api/v1/users/ana@example.com/shifts.ics?to=2027-01-01T00%3A00%3A00Z HTTP/1.1\r\n"
        ));
    }

    #[tokio::test]
    async fn creates_lists_and_deletes_overrides() {
        let (base, request) = stub("201 Created", OVERRIDE).await;
        let client = Client::new(&base, None).unwrap();
        let body = NewOverride {
            user: "bo@example.com".into(),
            start: "2026-12-05T08:00:00Z".parse().unwrap(),
            end: "2026-12-06T08:00:00Z".parse().unwrap(),
            replaces: Some("ana@example.com".into()),
            note: "swap".into(),
        };
        let created = client
            .create_override("identity primary", &body)
            .await
            .unwrap();
        assert_eq!(created.replaces.as_deref(), Some("ana@example.com"));
        let request = request.await.unwrap();
        assert!(
            request.starts_with("POST /api/v1/schedules/identity%20primary/overrides HTTP/1.1\r\n"),
            "{request}"
        );
        let json = body_of(&request);
        assert_eq!(json["start"], "2026-12-05T08:00:00Z");
        assert_eq!(json["replaces"], "ana@example.com");

        let (base, request) = stub("200 OK", &format!(r#"{{"overrides":[{OVERRIDE}]}}"#)).await;
        let client = Client::new(&base, None).unwrap();
        let list = client.list_overrides("identity-primary").await.unwrap();
        assert_eq!(list.overrides.len(), 1);
        assert!(
            request
                .await
                .unwrap()
                .starts_with("GET /api/v1/schedules/identity-primary/overrides HTTP/1.1\r\n")
        );

        let (base, request) = stub("200 OK", OVERRIDE).await;
        let client = Client::new(&base, None).unwrap();
        let removed = client.delete_override(created.id).await.unwrap();
        assert_eq!(removed.id, created.id);
        assert!(request.await.unwrap().starts_with(
            "DELETE /api/v1/overrides/0193a5b0-0000-7000-8000-00000000000a HTTP/1.1\r\n"
        ));
    }

    #[tokio::test]
    async fn a_bad_override_names_its_fields() {
        let body = r#"{"error":{"code":"invalid_input","message":"invalid input",
            "fields":{"end":"an override ends after it starts","user":"x@example.com is not an active user"}}}"#;
        let (base, _request) = stub("400 Bad Request", body).await;
        let client = Client::new(&base, None).unwrap();
        let at = "2026-12-05T08:00:00Z".parse().unwrap();
        let body = NewOverride {
            user: "x@example.com".into(),
            start: at,
            end: at,
            replaces: None,
            note: String::new(),
        };
        match client.create_override("s", &body).await.unwrap_err() {
            ClientError::Api { status, fields, .. } => {
                assert_eq!(status, 400);
                assert!(fields.contains_key("end") && fields.contains_key("user"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn lists_policies_and_schedules() {
        let policies = r#"{"policies":[{"name":"identity-oncall","description":"","owner":"identity",
            "repeat":2,"steps":[{"targets":[{"kind":"schedule","name":"identity-primary"}],"delay_seconds":300}]}]}"#;
        let (base, request) = stub("200 OK", policies).await;
        let client = Client::new(&base, None).unwrap();
        let list = client.list_policies().await.unwrap();
        assert_eq!(list.policies[0].steps[0].delay_seconds, 300);
        assert!(
            request
                .await
                .unwrap()
                .starts_with("GET /api/v1/escalation-policies HTTP/1.1\r\n")
        );

        let (base, request) = stub("200 OK", r#"{"schedules":[]}"#).await;
        let client = Client::new(&base, None).unwrap();
        assert!(client.list_schedules().await.unwrap().schedules.is_empty());
        assert!(
            request
                .await
                .unwrap()
                .starts_with("GET /api/v1/schedules HTTP/1.1\r\n")
        );
    }

    #[test]
    fn query_pairs_leave_out_absent_fields() {
        assert!(shifts_query_pairs(&ShiftsQuery::default()).is_empty());
        assert!(on_call_query_pairs(&OnCallQuery::default()).is_empty());
        let query = OnCallQuery {
            target: Some("payments".into()),
            at: None,
        };
        assert_eq!(
            on_call_query_pairs(&query),
            vec![("for", "payments".to_owned())]
        );
    }
}
