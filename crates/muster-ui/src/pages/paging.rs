//! Paging pages: the list, one page and its live part, the one-time link
//! pages, and the panel that shows who is on call and raises a page.

use askama::Template;

use crate::view::{
    Chrome, FieldMessage, Flash, LinkPageView, LinkResultView, OnCallCard, PageDetailView,
    PageFilters, PageForm, PageRow,
};

/// `/pages`: pages, newest first.
#[derive(Debug, Template)]
#[template(path = "pages.html")]
pub struct PagesPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub filters: PageFilters,
    pub rows: Vec<PageRow>,
    pub older_href: Option<String>,
    pub newest_href: Option<String>,
}

/// `/pages/{P-n}`.
#[derive(Debug, Template)]
#[template(path = "page.html")]
pub struct PageDetailPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub page: PageDetailView,
}

/// The live part of a page's page, for its poll.
#[derive(Debug, Template)]
#[template(path = "partials/page_live.html")]
pub struct PageLive {
    pub chrome: Chrome,
    pub page: PageDetailView,
}

/// `GET /link/{token}`: what the link would do, and one button to do it.
#[derive(Debug, Template)]
#[template(path = "link.html")]
pub struct LinkPage {
    pub chrome: Chrome,
    pub link: LinkPageView,
}

/// What pressing a link's button did, or why the link does not work.
#[derive(Debug, Template)]
#[template(path = "link_result.html")]
pub struct LinkResultPage {
    pub chrome: Chrome,
    pub result: LinkResultView,
}

/// "On call now" and "Page this team", on team, service and functionality pages.
#[derive(Debug, Clone)]
pub struct PagingPanel {
    pub oncall: OnCallCard,
    /// "Page this team", "Page the owner team".
    pub heading: String,
    pub form: PageForm,
    pub errors: Vec<FieldMessage>,
}

impl PagingPanel {
    /// The message for `field`, shown beside its input.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}
