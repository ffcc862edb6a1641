//! Reading the root file and the files its Locations list: each file once,
//! within the limits, every document parsed and classified.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::entity::{self, Classified, Entity, Kind, Problem};
use super::yaml::{self, Budget, Segment};
use super::{
    Located, MAX_DOCUMENT_NODES, MAX_ENTITIES, MAX_FILE_BYTES, MAX_FILES, MAX_LOCATION_DEPTH,
    MAX_TOTAL_BYTES, MAX_TOTAL_NODES, Report, Source,
};

/// A file that was read.
#[derive(Debug)]
pub(crate) struct File {
    /// As reported: the root's folder joined with `rel`.
    pub path: PathBuf,
    /// Path components below the root's folder.
    rel: Vec<String>,
    pub text: String,
}

/// Everything read, before mapping.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub files: Vec<File>,
    pub entities: Vec<Entity>,
    pub report: Report,
}

/// Where in a file a problem is: the key at `path` of `entity`, else the
/// entity's first line.
pub(crate) fn place(files: &[File], entity: &Entity, path: &[&str]) -> (PathBuf, usize, usize) {
    let file = &files[entity.file];
    let (line, column) = if path.is_empty() {
        None
    } else {
        yaml::locate(&file.text, &entity.segment, path)
    }
    .unwrap_or((entity.line, 1));
    (file.path.clone(), line, column)
}

pub(crate) fn located(
    files: &[File],
    entity: &Entity,
    path: &[&str],
    message: impl Into<String>,
) -> Located {
    let (file, line, column) = place(files, entity, path);
    Located {
        file,
        line,
        column,
        message: message.into(),
    }
}

struct Loader<'s> {
    source: &'s dyn Source,
    root_dir: PathBuf,
    files: Vec<File>,
    by_rel: HashMap<Vec<String>, usize>,
    entities: Vec<Entity>,
    report: Report,
    documents: usize,
    bytes: u64,
    nodes: usize,
    /// A limit was hit: read nothing more.
    halted: bool,
}

/// Reads `root` and, depth first, every file its Locations list.
pub(crate) fn load(root: &Path, source: &dyn Source) -> Loaded {
    let mut loader = Loader {
        source,
        root_dir: root.parent().map(Path::to_path_buf).unwrap_or_default(),
        files: Vec::new(),
        by_rel: HashMap::new(),
        entities: Vec::new(),
        report: Report::default(),
        documents: 0,
        bytes: 0,
        nodes: 0,
        halted: false,
    };
    match root.file_name().and_then(|n| n.to_str()) {
        Some(name) => {
            let whole_file = Located {
                file: root.to_path_buf(),
                line: 0,
                column: 0,
                message: String::new(),
            };
            if let Some(index) = loader.open(vec![name.to_owned()], whole_file, false) {
                loader.walk(index, &mut Vec::new());
            }
        }
        None => loader.report.errors.push(Located {
            file: root.to_path_buf(),
            line: 0,
            column: 0,
            message: "expected the path of a catalog-info.yaml file".into(),
        }),
    }
    Loaded {
        files: loader.files,
        entities: loader.entities,
        report: loader.report,
    }
}

impl Loader<'_> {
    fn halt(&mut self, at: Located) {
        if !self.halted {
            self.halted = true;
            self.report.errors.push(at);
        }
    }

    /// Reads a file; problems are reported at `at` (the Location's target, or
    /// the root file as a whole). `optional` targets may be missing.
    fn open(&mut self, rel: Vec<String>, at: Located, optional: bool) -> Option<usize> {
        let path = rel.iter().fold(self.root_dir.clone(), |p, c| p.join(c));
        if self.files.len() >= MAX_FILES {
            self.halt(Located {
                message: format!("the import lists more than {MAX_FILES} files; refused"),
                ..at
            });
            return None;
        }
        let prefix = if at.line == 0 {
            String::new()
        } else {
            format!("cannot read {}: ", path.display())
        };
        let text = match self.source.read(&path) {
            Ok(text) => text,
            Err(error) if optional && error.kind() == std::io::ErrorKind::NotFound => {
                self.report.warnings.push(Located {
                    message: format!(
                        "{} does not exist; skipped (the Location says presence: optional)",
                        path.display()
                    ),
                    ..at
                });
                return None;
            }
            Err(error) => {
                self.report.errors.push(Located {
                    message: format!("{prefix}{error}"),
                    ..at
                });
                return None;
            }
        };
        let size = text.len() as u64;
        if size > MAX_FILE_BYTES {
            self.report.errors.push(Located {
                message: format!(
                    "{prefix}the file is {size} bytes; files over {} MiB are refused",
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
                ..at
            });
            return None;
        }
        self.bytes += size;
        if self.bytes > MAX_TOTAL_BYTES {
            self.halt(Located {
                message: format!(
                    "the import reads more than {} MiB in all; refused",
                    MAX_TOTAL_BYTES / (1024 * 1024)
                ),
                ..at
            });
            return None;
        }
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_owned(),
            None => text,
        };
        let index = self.files.len();
        self.by_rel.insert(rel.clone(), index);
        self.files.push(File { path, rel, text });
        Some(index)
    }

    /// Parses every document of a file, then follows its Locations.
    fn walk(&mut self, file: usize, ancestry: &mut Vec<usize>) {
        let segments = yaml::split(&self.files[file].text);
        let mut locations = Vec::new();
        for segment in segments {
            let Some(line) = segment.content_line else {
                continue;
            };
            if self.halted {
                return;
            }
            self.documents += 1;
            if self.documents > MAX_ENTITIES {
                let at = self.file_at(file, line, 1, String::new());
                self.halt(Located {
                    message: format!("the import holds more than {MAX_ENTITIES} entities; refused"),
                    ..at
                });
                return;
            }
            if let Some(index) = self.document(file, segment, line)
                && self.entities[index].kind == Kind::Location
            {
                locations.push(index);
            }
        }
        ancestry.push(file);
        for location in locations {
            self.follow(location, ancestry);
        }
        ancestry.pop();
    }

    fn file_at(&self, file: usize, line: usize, column: usize, message: String) -> Located {
        Located {
            file: self.files[file].path.clone(),
            line,
            column,
            message,
        }
    }

    /// Parses and classifies one document; the index of its entity if any.
    fn document(&mut self, file: usize, segment: Segment, line: usize) -> Option<usize> {
        let budget = Budget::new(MAX_DOCUMENT_NODES);
        let parsed = yaml::parse(&self.files[file].text, &segment, &budget);
        self.nodes += MAX_DOCUMENT_NODES - budget.remaining();
        if self.nodes > MAX_TOTAL_NODES {
            let at = self.file_at(file, line, 1, String::new());
            self.halt(Located {
                message: format!(
                    "the import expands to more than {MAX_TOTAL_NODES} YAML nodes; refused"
                ),
                ..at
            });
            return None;
        }
        let doc = match parsed {
            Ok(doc) => doc,
            Err(error) => {
                let at = self.file_at(file, error.line, error.column, error.message);
                self.report.errors.push(at);
                return None;
            }
        };
        let locate = |path: &[String]| {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            yaml::locate(&self.files[file].text, &segment, &path).unwrap_or((line, 1))
        };
        match entity::classify(&doc) {
            Err(problem) => {
                let (l, c) = locate(&problem.path);
                let at = self.file_at(file, l, c, problem.text());
                self.report.errors.push(at);
                None
            }
            Ok(Classified::Skipped(message)) => {
                let at = self.file_at(file, line, 1, message);
                self.report.warnings.push(at);
                None
            }
            Ok(Classified::Entity {
                kind,
                namespace,
                name,
                slug,
            }) => {
                self.entities.push(Entity {
                    file,
                    segment,
                    line,
                    kind,
                    namespace,
                    name,
                    slug,
                    doc,
                });
                Some(self.entities.len() - 1)
            }
        }
    }

    fn error(&mut self, entity: usize, path: &[&str], message: String) {
        let at = located(&self.files, &self.entities[entity], path, message);
        self.report.errors.push(at);
    }

    /// Reads the files a Location lists that were not read yet.
    fn follow(&mut self, location: usize, ancestry: &mut Vec<usize>) {
        let spec = self.entities[location].spec();
        let read = (|| -> Result<_, Problem> {
            let kind = entity::str_at(spec, &["type"])?;
            let presence = entity::str_at(spec, &["presence"])?;
            let mut targets: Vec<(&'static str, String)> = Vec::new();
            if let Some(target) = entity::str_at(spec, &["target"])? {
                targets.push(("target", target.to_owned()));
            }
            for target in entity::strings_at(spec, &["targets"])? {
                targets.push(("targets", target.to_owned()));
            }
            Ok((
                kind.map(str::to_owned),
                presence.map(str::to_owned),
                targets,
            ))
        })();
        let (kind, presence, targets) = match read {
            Ok(read) => read,
            Err(mut problem) => {
                problem.path.insert(0, "spec".into());
                let path: Vec<&str> = problem.path.iter().map(String::as_str).collect();
                self.error(location, &path, problem.text());
                return;
            }
        };
        if let Some(kind) = kind.filter(|k| k != "file" && k != "url") {
            let message = format!(
                "spec.type: Location type {kind:?} is not supported; muster follows file and url targets"
            );
            self.error(location, &["spec", "type"], message);
            return;
        }
        let optional = match presence.as_deref() {
            None | Some("required") => false,
            Some("optional") => true,
            Some(other) => {
                let message =
                    format!("spec.presence: expected required or optional, got {other:?}");
                self.error(location, &["spec", "presence"], message);
                return;
            }
        };
        if targets.is_empty() {
            let message = "a Location needs spec.target or spec.targets".to_owned();
            self.error(location, &["spec"], message);
        }
        let from = self.entities[location].file;
        for (key, target) in targets {
            if self.halted {
                return;
            }
            let at = located(&self.files, &self.entities[location], &["spec", key], "");
            let rel = match resolve(&self.files[from].rel, &target) {
                Ok(rel) => rel,
                Err(reason) => {
                    self.report.errors.push(Located {
                        message: format!("spec.{key}: {target:?}: {reason}"),
                        ..at
                    });
                    continue;
                }
            };
            if let Some(&seen) = self.by_rel.get(&rel) {
                if ancestry.contains(&seen) {
                    let mut chain: Vec<String> = ancestry
                        .iter()
                        .skip_while(|f| **f != seen)
                        .map(|f| self.files[*f].path.display().to_string())
                        .collect();
                    chain.push(self.files[seen].path.display().to_string());
                    self.report.warnings.push(Located {
                        message: format!(
                            "spec.{key}: {target:?} closes a Location cycle ({}); not followed again",
                            chain.join(" → ")
                        ),
                        ..at
                    });
                }
                continue;
            }
            if ancestry.len() >= MAX_LOCATION_DEPTH {
                self.halt(Located {
                    message: format!(
                        "Locations are nested more than {MAX_LOCATION_DEPTH} deep; refused"
                    ),
                    ..at
                });
                return;
            }
            let at = Located {
                message: String::new(),
                ..at
            };
            if let Some(file) = self.open(rel, at, optional) {
                self.walk(file, ancestry);
            }
        }
    }
}

/// A target relative to the file that lists it, as components below the
/// root's folder.
fn resolve(from: &[String], target: &str) -> Result<Vec<String>, String> {
    if target.contains("://") {
        return Err("URL targets are not followed; list files relative to this one".into());
    }
    if target.contains('*') {
        return Err("glob patterns are not supported; list each file".into());
    }
    let mut rel: Vec<String> = from[..from.len().saturating_sub(1)].to_vec();
    for component in Path::new(target.trim()).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if rel.pop().is_none() {
                    return Err("points outside the folder of the root file; refused".into());
                }
            }
            Component::Normal(part) => match part.to_str() {
                Some(part) => rel.push(part.to_owned()),
                None => return Err("is not UTF-8".into()),
            },
            Component::RootDir | Component::Prefix(_) => {
                return Err(
                    "absolute paths are not followed; targets are relative to this file".into(),
                );
            }
        }
    }
    if rel.is_empty() || target.trim().ends_with('/') {
        return Err("is a folder, not a file".into());
    }
    Ok(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|p| (*p).to_owned()).collect()
    }

    #[test]
    fn targets_resolve_inside_the_root_folder_only() {
        let from = v(&["acme", "org.yaml"]);
        assert_eq!(
            resolve(&from, "./team-a.yaml"),
            Ok(v(&["acme", "team-a.yaml"]))
        );
        assert_eq!(resolve(&from, "../x/y.yaml"), Ok(v(&["x", "y.yaml"])));
        assert!(
            resolve(&from, "../../etc/passwd")
                .unwrap_err()
                .contains("outside")
        );
        assert!(
            resolve(&from, "/etc/passwd")
                .unwrap_err()
                .contains("absolute")
        );
        assert!(
            resolve(&from, "https://example.com/a.yaml")
                .unwrap_err()
                .contains("URL")
        );
        assert!(resolve(&from, "./*.yaml").unwrap_err().contains("glob"));
        assert!(resolve(&from, "./sub/").unwrap_err().contains("folder"));
    }
}
