//! The incident's card for the public status page: what customers see of
//! it now, the drafts its runbooks wrote, and the form that previews and
//! publishes the next update.

use super::OptionView;

/// The public face as published.
#[derive(Debug, Clone, Default)]
pub struct PublishedView {
    pub name: String,
    pub status: String,
    pub impact: String,
    /// The incident's page on the public site.
    pub url: String,
    pub latest: String,
    pub latest_at: String,
}

#[derive(Debug, Clone, Default)]
pub struct DraftView {
    pub component: String,
    pub text: String,
    pub at: String,
}

/// One component's row of the form: its status select.
#[derive(Debug, Clone, Default)]
pub struct ComponentChoice {
    pub name: String,
    pub title: String,
    /// `not affected` first, then the unplanned statuses.
    pub options: Vec<OptionView>,
}

/// What would be published.
#[derive(Debug, Clone, Default)]
pub struct StatusPreview {
    pub status: String,
    pub body: String,
    pub components: String,
    pub impact: String,
}

#[derive(Debug, Clone, Default)]
pub struct StatusPageCard {
    pub href: String,
    pub published: Option<PublishedView>,
    pub drafts: Vec<DraftView>,
    /// Why this incident can never be published (a drill, private).
    pub withheld: Option<String>,
    pub statuses: Vec<OptionView>,
    pub components: Vec<ComponentChoice>,
    /// The text area's words: the newest draft, or what was previewed.
    pub body: String,
    pub preview: Option<StatusPreview>,
}
