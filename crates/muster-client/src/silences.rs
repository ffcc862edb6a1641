//! Silences and maintenance windows.

use muster_api_types::silences::{NewSilence, Silence, SilenceList};
use reqwest::Method;

use crate::oncall::with_query;
use crate::{Client, ClientError};

impl Client {
    /// Creates a silence; the server checks the matchers, the range and the
    /// windows, each problem named by its field.
    pub async fn create_silence(&self, body: &NewSilence) -> Result<Silence, ClientError> {
        let url = self.url(&["api", "v1", "silences"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    /// Silences that have not ended (with `all`, the ended ones too), newest
    /// first.
    pub async fn list_silences(&self, all: bool) -> Result<SilenceList, ClientError> {
        let url = self.url(&["api", "v1", "silences"])?;
        let pairs = if all {
            vec![("all", "true".to_owned())]
        } else {
            Vec::new()
        };
        self.call(Method::GET, with_query(url, &pairs), None::<&()>)
            .await
    }

    /// One silence; 404 when no silence has this id.
    pub async fn get_silence(&self, id: &str) -> Result<Silence, ClientError> {
        let url = self.url(&["api", "v1", "silences", id])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// Ends a silence now; the open alerts it held are routed at once.
    pub async fn expire_silence(&self, id: &str) -> Result<Silence, ClientError> {
        let url = self.url(&["api", "v1", "silences", id])?;
        self.call(Method::DELETE, url, None::<&()>).await
    }
}
