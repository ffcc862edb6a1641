//! The dependency graph around one catalog entry, laid out in columns and
//! drawn as inline SVG on the server: no JavaScript, links that work.
//!
//! Columns follow hop distance: dependants (and the functionalities a failure
//! reaches) on the left, the focus in the middle, dependencies on the right,
//! so every arrow reads "depends on" from left to right. Rows follow names.
//! Each entry is placed once, so a cycle draws a back edge and never loops.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use muster_core::Slug;
use muster_core::catalog::graph::CatalogGraph;
use muster_core::catalog::{Criticality, Functionality, Service};

/// How far the graph reaches on each side of the focus.
pub const HOPS: usize = 2;

const NODE_W: i32 = 164;
const NODE_H: i32 = 44;
const COLUMN_GAP: i32 = 56;
const ROW_GAP: i32 = 18;
const MARGIN: i32 = 12;
/// Longer names are cut (the full name is in the node's tooltip).
const LABEL_MAX: usize = 19;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Service,
    Functionality,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    pub slug: String,
    pub label: String,
    /// A second line: the owning team, or "no owner".
    pub detail: String,
    pub href: String,
    /// The entry the page is about.
    pub focus: bool,
    /// Negative: left of the focus (dependants), positive: right (dependencies).
    pub column: i32,
    pub row: usize,
}

/// `from` depends on (or, for a functionality, stands on) `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub soft: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Graph {
    pub fn node(&self, kind: NodeKind, slug: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.kind == kind && n.slug == slug)
    }
}

fn owner_text(owner: Option<&Slug>) -> String {
    owner.map_or_else(|| String::from("no owner"), |t| t.to_string())
}

fn service_node(service: &Service, column: i32, focus: bool) -> Node {
    Node {
        kind: NodeKind::Service,
        slug: service.slug.to_string(),
        label: display_name(&service.name, &service.slug),
        detail: owner_text(service.owner_team.as_ref()),
        href: format!("/services/{}", service.slug),
        focus,
        column,
        row: 0,
    }
}

fn functionality_node(functionality: &Functionality, column: i32, focus: bool) -> Node {
    Node {
        kind: NodeKind::Functionality,
        slug: functionality.slug.to_string(),
        label: display_name(&functionality.name, &functionality.slug),
        detail: owner_text(functionality.owner_team.as_ref()),
        href: format!("/functionalities/{}", functionality.slug),
        focus,
        column,
        row: 0,
    }
}

fn display_name(name: &str, slug: &Slug) -> String {
    if name.trim().is_empty() {
        slug.to_string()
    } else {
        name.to_owned()
    }
}

/// Services by slug, and each service's dependants.
struct Index<'a> {
    services: BTreeMap<&'a Slug, &'a Service>,
    dependants: BTreeMap<&'a Slug, Vec<&'a Slug>>,
}

impl<'a> Index<'a> {
    fn new(services: &'a [Service]) -> Self {
        let index: BTreeMap<&Slug, &Service> = services.iter().map(|s| (&s.slug, s)).collect();
        let mut dependants: BTreeMap<&Slug, Vec<&Slug>> = BTreeMap::new();
        for service in services {
            for (target, _) in &service.depends_on {
                dependants.entry(target).or_default().push(&service.slug);
            }
        }
        Self {
            services: index,
            dependants,
        }
    }

    fn dependencies(&self, slug: &Slug) -> Vec<&'a Slug> {
        self.services
            .get(slug)
            .map(|s| s.depends_on.iter().map(|(t, _)| t).collect())
            .unwrap_or_default()
    }

    fn dependants(&self, slug: &Slug) -> Vec<&'a Slug> {
        self.dependants.get(slug).cloned().unwrap_or_default()
    }

    /// Breadth-first from `starts` up to `hops`, skipping anything in `seen`
    /// (and adding what it visits): (slug, distance), distance ≥ 1.
    fn walk(
        &self,
        starts: &[&'a Slug],
        hops: usize,
        seen: &mut BTreeSet<&'a Slug>,
        next: impl Fn(&Self, &Slug) -> Vec<&'a Slug>,
    ) -> Vec<(&'a Slug, usize)> {
        let mut queue: VecDeque<(&Slug, usize)> = starts.iter().map(|s| (*s, 0)).collect();
        let mut found = Vec::new();
        while let Some((slug, distance)) = queue.pop_front() {
            if distance == hops {
                continue;
            }
            for neighbour in next(self, slug) {
                if self.services.contains_key(neighbour) && seen.insert(neighbour) {
                    found.push((neighbour, distance + 1));
                    queue.push_back((neighbour, distance + 1));
                }
            }
        }
        found
    }
}

/// Dependency edges among the placed services.
fn service_edges(nodes: &[Node], index: &Index<'_>) -> Vec<Edge> {
    let position: BTreeMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == NodeKind::Service)
        .map(|(i, n)| (n.slug.as_str(), i))
        .collect();
    let mut edges = Vec::new();
    for (from, node) in nodes.iter().enumerate() {
        if node.kind != NodeKind::Service {
            continue;
        }
        let Some(service) = index
            .services
            .values()
            .find(|s| s.slug.as_str() == node.slug)
        else {
            continue;
        };
        for (target, criticality) in &service.depends_on {
            if let Some(&to) = position.get(target.as_str()) {
                edges.push(Edge {
                    from,
                    to,
                    soft: *criticality == Criticality::Soft,
                });
            }
        }
    }
    edges
}

/// Functionality → the placed services it stands on.
fn functionality_edges(nodes: &[Node], functionalities: &[Functionality]) -> Vec<Edge> {
    let mut edges = Vec::new();
    for (from, node) in nodes.iter().enumerate() {
        if node.kind != NodeKind::Functionality {
            continue;
        }
        let Some(functionality) = functionalities
            .iter()
            .find(|f| f.slug.as_str() == node.slug)
        else {
            continue;
        };
        for service in &functionality.services {
            if let Some(to) = nodes
                .iter()
                .position(|n| n.kind == NodeKind::Service && n.slug == service.as_str())
            {
                edges.push(Edge {
                    from,
                    to,
                    soft: false,
                });
            }
        }
    }
    edges
}

/// Rows within each column, by name then slug.
fn assign_rows(nodes: &mut [Node]) {
    let mut columns: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for (i, node) in nodes.iter().enumerate() {
        columns.entry(node.column).or_default().push(i);
    }
    for members in columns.values_mut() {
        members.sort_by(|a, b| {
            let (a, b) = (&nodes[*a], &nodes[*b]);
            (a.label.to_lowercase(), &a.slug).cmp(&(b.label.to_lowercase(), &b.slug))
        });
        for (row, index) in members.iter().enumerate() {
            nodes[*index].row = row;
        }
    }
}

/// `focus`, its dependencies and dependants up to [`HOPS`] away, and the
/// functionalities its failure reaches; `None` for an unknown service.
pub fn service_graph(
    services: &[Service],
    functionalities: &[Functionality],
    focus: &Slug,
) -> Option<Graph> {
    let index = Index::new(services);
    let (focus, service) = index.services.get_key_value(focus)?;
    let mut seen = BTreeSet::from([*focus]);
    let mut nodes = vec![service_node(service, 0, true)];
    let dependencies = index.walk(&[*focus], HOPS, &mut seen, |i, s| i.dependencies(s));
    let dependants = index.walk(&[*focus], HOPS, &mut seen, |i, s| i.dependants(s));
    for (slug, distance) in &dependencies {
        nodes.push(service_node(index.services[slug], *distance as i32, false));
    }
    for (slug, distance) in &dependants {
        nodes.push(service_node(
            index.services[slug],
            -(*distance as i32),
            false,
        ));
    }
    let leftmost = nodes.iter().map(|n| n.column).min().unwrap_or(0);
    if let Some(radius) = CatalogGraph::new(services, functionalities).blast_radius(focus) {
        for impacted in &radius.functionalities {
            let Some(f) = functionalities.iter().find(|f| f.slug == impacted.slug) else {
                continue;
            };
            // Just left of its leftmost service shown, so its edges cross no column;
            // beyond the dependants when none of its services is shown.
            let column = nodes
                .iter()
                .filter(|n| f.services.iter().any(|s| s.as_str() == n.slug))
                .map(|n| n.column)
                .min()
                .unwrap_or(leftmost)
                - 1;
            nodes.push(functionality_node(f, column, false));
        }
    }
    assign_rows(&mut nodes);
    let mut edges = service_edges(&nodes, &index);
    edges.extend(functionality_edges(&nodes, functionalities));
    Some(Graph { nodes, edges })
}

/// A functionality, the services it stands on, and their dependencies up to
/// [`HOPS`] further; `None` for an unknown functionality.
pub fn functionality_graph(
    services: &[Service],
    functionalities: &[Functionality],
    focus: &Slug,
) -> Option<Graph> {
    let functionality = functionalities.iter().find(|f| &f.slug == focus)?;
    let index = Index::new(services);
    let mut nodes = vec![functionality_node(functionality, 0, true)];
    let mut seen = BTreeSet::new();
    let mut own = Vec::new();
    for slug in &functionality.services {
        if let Some((slug, service)) = index.services.get_key_value(slug)
            && seen.insert(*slug)
        {
            own.push(*slug);
            nodes.push(service_node(service, 1, false));
        }
    }
    for (slug, distance) in index.walk(&own, HOPS, &mut seen, |i, s| i.dependencies(s)) {
        nodes.push(service_node(
            index.services[slug],
            1 + distance as i32,
            false,
        ));
    }
    assign_rows(&mut nodes);
    let mut edges = functionality_edges(&nodes, functionalities);
    edges.extend(service_edges(&nodes, &index));
    Some(Graph { nodes, edges })
}

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

/// Top-left corner of each node.
fn positions(graph: &Graph) -> (Vec<(i32, i32)>, i32, i32) {
    let min = graph.nodes.iter().map(|n| n.column).min().unwrap_or(0);
    let max = graph.nodes.iter().map(|n| n.column).max().unwrap_or(0);
    let mut rows: BTreeMap<i32, usize> = BTreeMap::new();
    for node in &graph.nodes {
        *rows.entry(node.column).or_default() += 1;
    }
    let tallest = rows.values().copied().max().unwrap_or(1) as i32;
    let pitch = NODE_H + ROW_GAP;
    let height = 2 * MARGIN + tallest * pitch - ROW_GAP;
    let width = 2 * MARGIN + (max - min + 1) * (NODE_W + COLUMN_GAP) - COLUMN_GAP;
    let places = graph
        .nodes
        .iter()
        .map(|node| {
            let count = rows[&node.column] as i32;
            // Each column is centred vertically.
            let top = MARGIN + (tallest - count) * pitch / 2;
            (
                MARGIN + (node.column - min) * (NODE_W + COLUMN_GAP),
                top + node.row as i32 * pitch,
            )
        })
        .collect();
    (places, width, height)
}

fn edge_path(from: (i32, i32), to: (i32, i32)) -> String {
    let (fy, ty) = (from.1 + NODE_H / 2, to.1 + NODE_H / 2);
    if to.0 > from.0 {
        // Left to right: the usual direction.
        let (x1, x2) = (from.0 + NODE_W, to.0 - 2);
        let bend = (x2 - x1) / 2;
        format!(
            "M{x1},{fy} C{},{fy} {},{ty} {x2},{ty}",
            x1 + bend,
            x2 - bend
        )
    } else {
        // A back edge (a cycle) or within a column: loop around below.
        let (x1, x2) = (from.0 + NODE_W / 2, to.0 + NODE_W / 2);
        let (y1, y2) = (from.1 + NODE_H, to.1 + NODE_H + 2);
        let low = y1.max(y2) + ROW_GAP + 8;
        format!("M{x1},{y1} C{x1},{low} {x2},{low} {x2},{y2}")
    }
}

/// The graph as an inline `<svg>` element; every text is escaped.
pub fn render_svg(graph: &Graph, id: &str, title: &str) -> String {
    let (places, width, mut height) = positions(graph);
    let loops = graph
        .edges
        .iter()
        .any(|e| places[e.to].0 <= places[e.from].0);
    if loops {
        height += ROW_GAP + 16;
    }
    let id = escape(id);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" class=\"catalog-graph\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"{id}-title\">\
         <title id=\"{id}-title\">{}</title>",
        escape(title)
    );
    let _ = write!(
        svg,
        "<defs><marker id=\"{id}-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"graph-arrow\"/></marker></defs>"
    );
    svg.push_str("<g class=\"graph-edges\">");
    for edge in &graph.edges {
        let (from, to) = (&graph.nodes[edge.from], &graph.nodes[edge.to]);
        let class = if edge.soft {
            "graph-edge graph-edge-soft"
        } else {
            "graph-edge graph-edge-hard"
        };
        let _ = write!(
            svg,
            "<path class=\"{class}\" d=\"{}\" marker-end=\"url(#{id}-arrow)\" data-from=\"{}\" data-to=\"{}\"/>",
            edge_path(places[edge.from], places[edge.to]),
            escape(&from.slug),
            escape(&to.slug),
        );
    }
    svg.push_str("</g><g class=\"graph-nodes\">");
    for (node, (x, y)) in graph.nodes.iter().zip(&places) {
        let kind = match node.kind {
            NodeKind::Service => "graph-service",
            NodeKind::Functionality => "graph-functionality",
        };
        let focus = if node.focus { " graph-focus" } else { "" };
        let _ = write!(
            svg,
            "<a href=\"{}\" class=\"graph-node {kind}{focus}\" data-slug=\"{}\"><title>{} ({})</title>",
            escape(&node.href),
            escape(&node.slug),
            escape(&node.label),
            escape(&node.detail),
        );
        match node.kind {
            NodeKind::Service => {
                let _ = write!(
                    svg,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"8\"/>"
                );
            }
            NodeKind::Functionality => {
                // A hexagon: what customers use, not what runs.
                let (r, b, m) = (x + NODE_W, y + NODE_H, y + NODE_H / 2);
                let _ = write!(
                    svg,
                    "<polygon points=\"{},{y} {},{y} {r},{m} {},{b} {},{b} {x},{m}\"/>",
                    x + 14,
                    r - 14,
                    r - 14,
                    x + 14,
                );
            }
        }
        let cx = x + NODE_W / 2;
        let _ = write!(
            svg,
            "<text x=\"{cx}\" y=\"{}\" class=\"graph-label\" text-anchor=\"middle\">{}</text>\
             <text x=\"{cx}\" y=\"{}\" class=\"graph-detail\" text-anchor=\"middle\">{}</text></a>",
            y + 19,
            escape(&shorten(&node.label, LABEL_MAX)),
            y + 35,
            escape(&shorten(&node.detail, LABEL_MAX + 4)),
        );
    }
    svg.push_str("</g></svg>");
    svg
}

#[cfg(test)]
mod tests {
    use muster_core::catalog::Lifecycle;

    use super::*;

    fn slug(s: &str) -> Slug {
        Slug::parse("slug", s).unwrap()
    }

    fn service(name: &str, deps: &[(&str, Criticality)]) -> Service {
        Service {
            slug: slug(name),
            name: name.to_owned(),
            description: String::new(),
            owner_team: Some(slug("core")),
            tier: 2,
            lifecycle: Lifecycle::Production,
            kind: "service".into(),
            links: vec![],
            runbooks: vec![],
            rollback_plan: String::new(),
            tags: vec![],
            depends_on: deps.iter().map(|(d, c)| (slug(d), *c)).collect(),
        }
    }

    fn functionality(name: &str, services: &[&str]) -> Functionality {
        Functionality {
            slug: slug(name),
            name: name.to_owned(),
            description: String::new(),
            aliases: vec![],
            owner_team: None,
            services: services.iter().map(|s| slug(s)).collect(),
        }
    }

    use Criticality::{Hard, Soft};

    /// web → api → db → disk, api ⇢ cache (soft), edge → web, login on web.
    fn catalog() -> (Vec<Service>, Vec<Functionality>) {
        (
            vec![
                service("edge", &[("web", Hard)]),
                service("web", &[("api", Hard)]),
                service("api", &[("db", Hard), ("cache", Soft)]),
                service("db", &[("disk", Hard)]),
                service("disk", &[("san", Hard)]),
                service("san", &[]),
                service("cache", &[]),
                service("lonely", &[]),
            ],
            vec![
                functionality("login", &["web"]),
                functionality("reports", &["lonely"]),
            ],
        )
    }

    #[test]
    fn the_neighbourhood_reaches_two_hops_each_way() {
        let (services, functionalities) = catalog();
        let graph = service_graph(&services, &functionalities, &slug("api")).unwrap();
        let columns: BTreeMap<&str, i32> = graph
            .nodes
            .iter()
            .map(|n| (n.slug.as_str(), n.column))
            .collect();
        assert_eq!(
            columns,
            BTreeMap::from([
                ("login", -2),
                ("edge", -2),
                ("web", -1),
                ("api", 0),
                ("cache", 1),
                ("db", 1),
                ("disk", 2),
            ]),
            "san is three hops away, lonely unrelated"
        );
        assert_eq!(graph.nodes.len(), 7);
        assert!(graph.node(NodeKind::Service, "api").unwrap().focus);
        // Rows by name within a column.
        assert_eq!(graph.node(NodeKind::Service, "cache").unwrap().row, 0);
        assert_eq!(graph.node(NodeKind::Service, "db").unwrap().row, 1);
        let soft: Vec<(&str, &str)> = graph
            .edges
            .iter()
            .filter(|e| e.soft)
            .map(|e| {
                (
                    graph.nodes[e.from].slug.as_str(),
                    graph.nodes[e.to].slug.as_str(),
                )
            })
            .collect();
        assert_eq!(soft, [("api", "cache")]);
        // edge→web, web→api, api→db, api→cache, db→disk, login→web.
        assert_eq!(graph.edges.len(), 6);

        let svg = render_svg(&graph, "service-graph", "Around api");
        assert_eq!(svg.matches("class=\"graph-node ").count(), 7);
        assert_eq!(svg.matches("<polygon").count(), 1, "one functionality");
        assert_eq!(svg.matches("graph-edge-soft").count(), 1);
        assert!(svg.contains("href=\"/functionalities/login\""));
        assert!(svg.contains("class=\"graph-node graph-service graph-focus\" data-slug=\"api\""));
    }

    #[test]
    fn cycles_do_not_loop() {
        let services = vec![
            service("a", &[("b", Hard)]),
            service("b", &[("c", Hard)]),
            service("c", &[("a", Soft)]),
        ];
        let graph = service_graph(&services, &[], &slug("a")).unwrap();
        assert_eq!(graph.nodes.len(), 3, "each service once");
        assert_eq!(graph.edges.len(), 3);
        let svg = render_svg(&graph, "g", "cycle");
        assert_eq!(svg.matches("<rect").count(), 3);
        let functionalities = vec![functionality("f", &["a", "b"])];
        let graph = functionality_graph(&services, &functionalities, &slug("f")).unwrap();
        assert_eq!(graph.nodes.len(), 4);
    }

    #[test]
    fn names_are_escaped() {
        let mut evil = service("api", &[]);
        evil.name = String::from("<script>alert(\"x\")</script> & co");
        let graph = service_graph(&[evil], &[], &slug("api")).unwrap();
        let svg = render_svg(&graph, "g", "A <b> title");
        assert!(!svg.contains("<script>"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("&lt;script&gt;alert(&quot;x&quot;)"));
        assert!(svg.contains("&amp; co"));
        assert!(svg.contains("A &lt;b&gt; title"));
    }

    #[test]
    fn a_functionality_shows_its_services_and_what_they_need() {
        let (services, functionalities) = catalog();
        let graph = functionality_graph(&services, &functionalities, &slug("login")).unwrap();
        let slugs: Vec<(&str, i32)> = graph
            .nodes
            .iter()
            .map(|n| (n.slug.as_str(), n.column))
            .collect();
        assert_eq!(
            slugs,
            [
                ("login", 0),
                ("web", 1),
                ("api", 2),
                ("db", 3),
                ("cache", 3)
            ]
        );
        assert!(graph.nodes[0].focus && graph.nodes[0].kind == NodeKind::Functionality);
        assert!(functionality_graph(&services, &functionalities, &slug("nope")).is_none());
        assert!(service_graph(&services, &functionalities, &slug("nope")).is_none());
    }

    #[test]
    fn long_names_are_shortened() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
