//! The plan's JSON Schema: a valid 2020-12 schema, true to the sample plan,
//! refusing what the validator refuses, and naming exactly the plan's kinds.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use muster_plan::plan::{self, Kind, Plan};
use serde::Deserialize;
use serde_json::Value;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan")
}

/// Every YAML file of the sample plan (path, text), sorted by path.
fn example_files() -> Vec<(PathBuf, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/plan is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("an example file is readable");
            (path, text)
        })
        .collect()
}

/// The documents of a multi-document YAML text, as JSON. Empty documents
/// (comments only) are skipped, as the plan loader skips them.
fn documents(text: &str) -> Vec<Value> {
    yaml_serde::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).expect("the YAML parses"))
        .filter(|value| !value.is_null())
        .collect()
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&plan::schema())
        .expect("the schema compiles")
}

/// The schema's complaints about one document, one line each.
fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

#[test]
fn the_schema_is_a_valid_2020_12_schema() {
    let schema = plan::schema();
    assert_eq!(schema["$schema"], plan::schema::DIALECT);
    if let Err(error) = jsonschema::draft202012::meta::validate(&schema) {
        panic!("not a valid 2020-12 schema: {error}");
    }
    // Every pattern compiles, and every $ref resolves.
    validator();
}

#[test]
fn every_example_document_validates() {
    let validator = validator();
    let mut problems = Vec::new();
    let mut kinds = BTreeSet::new();
    let mut count = 0;
    for (path, text) in example_files() {
        for (index, doc) in documents(&text).iter().enumerate() {
            count += 1;
            kinds.insert(doc["kind"].as_str().unwrap_or_default().to_owned());
            for error in errors(&validator, doc) {
                problems.push(format!(
                    "{} document {} ({} {}): {error}",
                    path.display(),
                    index + 1,
                    doc["kind"],
                    doc["name"]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The sample plan is a full example: every kind is exercised.
    let all: BTreeSet<String> = Kind::ALL.iter().map(|k| k.as_str().to_owned()).collect();
    assert_eq!(kinds, all);
    // The loader sees the same documents the test did.
    let loaded = plan::load(&examples_dir()).expect("the sample plan loads");
    assert_eq!(loaded.documents.len(), count);
}

/// One case: a text (one or more documents) and whether the schema accepts it.
struct Case {
    label: &'static str,
    text: &'static str,
    valid: bool,
}

const REVIEW: &str = "owner: platform\nreview_every: 90d\nlast_reviewed: 2026-01-01\n";

/// Cases are written without the review fields; `{review}` adds them.
fn cases() -> Vec<Case> {
    let bad = |label, text| Case {
        label,
        text,
        valid: false,
    };
    let good = |label, text| Case {
        label,
        text,
        valid: true,
    };
    vec![
        // The ones the brief names.
        bad("unknown kind", "kind: Playbook\nname: x-broken\n{review}"),
        good(
            "runbook step",
            "kind: Runbook\nname: x-rb\n{review}steps:\n  - {name: go, action: page_team, team: platform}\n",
        ),
        bad(
            "runbook step with an unknown action",
            "kind: Runbook\nname: x-rb\n{review}steps:\n  - {name: go, action: page_everyone, team: platform}\n",
        ),
        good(
            "severity",
            "kind: Severity\nname: SEV9\nrank: 9\n{review}---\nkind: StakeholderGroup\nname: x-sg\n{review}policies:\n  - {severities: [SEV9], when: immediately}\n",
        ),
        bad(
            "severity without rank",
            "kind: Severity\nname: SEV9\n{review}",
        ),
        bad(
            "stakeholder policy with a bad when",
            "kind: StakeholderGroup\nname: x-sg\n{review}policies:\n  - {severities: [SEV1], when: eventually}\n",
        ),
        good(
            "service",
            "kind: Service\nname: x-svc\nowner: platform\ntier: 4\n",
        ),
        bad(
            "service with tier 0",
            "kind: Service\nname: x-svc\nowner: platform\ntier: 0\n",
        ),
        good(
            "task force member",
            "kind: TaskForce\nname: x-tf\n{review}members:\n  - {function: legal, contact: law@fernbrook.example}\n",
        ),
        bad(
            "task force member with an unknown function",
            "kind: TaskForce\nname: x-tf\n{review}members:\n  - {function: catering, contact: food@fernbrook.example}\n",
        ),
        // More of what the validator refuses.
        bad(
            "runbook without review fields",
            "kind: Runbook\nname: x-rb\nsteps:\n  - {name: go, action: post_update}\n",
        ),
        bad(
            "review period in an unknown unit",
            "kind: Role\nname: x-role\nowner: platform\nreview_every: 90x\nlast_reviewed: 2026-01-01\n",
        ),
        bad(
            "webhook step without url",
            "kind: Runbook\nname: x-rb\n{review}steps:\n  - {name: go, action: webhook}\n",
        ),
        bad(
            "next_business_morning without a time zone",
            "kind: StakeholderGroup\nname: x-sg\n{review}policies:\n  - {severities: [SEV1], when: next_business_morning}\n",
        ),
        bad(
            "escalation target with two kinds",
            "kind: EscalationPolicy\nname: x-ep\n{review}steps:\n  - targets: [{team: platform, user: a@fernbrook.example}]\n",
        ),
        bad(
            "shift in months",
            "kind: Schedule\nname: x-sch\n{review}time_zone: UTC\nrotations:\n  - {participants: [a@fernbrook.example], shift: 1m}\n",
        ),
        bad(
            "timeline entry with both milestone and action",
            "kind: Scenario\nname: x-sc\n{review}runbooks: [sev1-kickoff]\nexpected_timeline:\n  - {at: T+5m, milestone: acknowledged, action: page}\n",
        ),
        bad(
            "production service without owner",
            "kind: Service\nname: x-svc\ntier: 2\n",
        ),
        bad(
            "functionality without owner",
            "kind: Functionality\nname: x-fn\n",
        ),
        bad(
            "restriction on an unknown day",
            "kind: Schedule\nname: x-sch\n{review}time_zone: UTC\nrotations:\n  - {participants: [a@fernbrook.example], shift: 1w, restrictions: [{days: [someday], from: \"09:00\", to: \"17:00\"}]}\n",
        ),
        bad(
            "restriction without an end",
            "kind: Schedule\nname: x-sch\n{review}time_zone: UTC\nrotations:\n  - {participants: [a@fernbrook.example], shift: 1w, restrictions: [{from: \"09:00\"}]}\n",
        ),
        bad(
            "restriction with no days listed",
            "kind: Schedule\nname: x-sch\n{review}time_zone: UTC\nrotations:\n  - {participants: [a@fernbrook.example], shift: 1w, restrictions: [{days: [], from: \"09:00\", to: \"17:00\"}]}\n",
        ),
        bad(
            "rotation start that is not a date",
            "kind: Schedule\nname: x-sch\n{review}time_zone: UTC\nrotations:\n  - {participants: [a@fernbrook.example], shift: 1w, start: next monday}\n",
        ),
        bad(
            "step with both delay and delay_minutes",
            "kind: EscalationPolicy\nname: x-ep\n{review}steps:\n  - {targets: [{team: platform}], delay: 5m, delay_minutes: 5}\n",
        ),
        bad(
            "step delay that is not a duration",
            "kind: EscalationPolicy\nname: x-ep\n{review}steps:\n  - {targets: [{team: platform}], delay: soon}\n",
        ),
        good(
            "layered schedule with restrictions",
            "kind: Schedule\nname: x-sch\n{review}description: Business hours on top of a weekly rota.\ntime_zone: Europe/Paris\nrotations:\n  - {name: base, participants: [a@fernbrook.example], shift: 1w, handoff: \"09:00\", start: 2026-02-02}\n  - name: office\n    participants: [b@fernbrook.example, c@fernbrook.example]\n    shift: 1d\n    restrictions:\n      - {days: [Mon, tuesday, WED, thu, Friday], from: \"09:00\", to: \"17:30\"}\n      - {days: [sat], from: \"22:00\", to: \"06:00\"}\n",
        ),
        good(
            "step delays as durations and minutes",
            "kind: EscalationPolicy\nname: x-ep\n{review}description: Platform first.\nrepeat: 1\nsteps:\n  - {targets: [{team: platform}], delay: 90s}\n  - {targets: [{team: platform}], delay: 1h 30m}\n  - {targets: [{team: platform}], delay_minutes: 15, delay: }\n",
        ),
        good(
            "integration bound to a service",
            "kind: Integration\nname: x-int\nsource: alertmanager\nservice: checkout-api\ndescription:\n",
        ),
        good(
            "signed grafana integration and a heartbeat",
            "kind: Integration\nname: x-int\nsource: grafana\nteam: storefront\nsigning_secret_env: X_GRAFANA_SECRET\ntimestamp_header: X-Grafana-Alerting-Timestamp\n---\nkind: Integration\nname: x-beat\nsource: heartbeat\nteam: platform\ninterval: 1h 30m\ngrace:\n",
        ),
        good(
            "generic integration with a mapping",
            "kind: Integration\nname: x-int\nsource: generic\nservice: shop-web\nmapping: {summary: /title, dedup_key_optional: true, resolved_values: [up]}\n",
        ),
        bad(
            "integration with an unknown source",
            "kind: Integration\nname: x-int\nsource: nagios\nservice: checkout-api\n",
        ),
        bad(
            "integration with its secret written inline",
            "kind: Integration\nname: x-int\nsource: grafana\nteam: storefront\nsigning_secret: hunter2\n",
        ),
        bad(
            "integration with a misspelt key",
            "kind: Integration\nname: x-int\nsource: grafana\nteam: storefront\nsigning_secret_envv: X_GRAFANA_SECRET\n",
        ),
        bad(
            "integration bound to a service and a team",
            "kind: Integration\nname: x-int\nsource: alertmanager\nservice: checkout-api\nteam: storefront\n",
        ),
        bad(
            "heartbeat without an interval",
            "kind: Integration\nname: x-beat\nsource: heartbeat\nteam: platform\n",
        ),
        bad(
            "mapping for an alertmanager integration",
            "kind: Integration\nname: x-int\nsource: alertmanager\nservice: checkout-api\nmapping: {summary: /title}\n",
        ),
        bad(
            "mapping without a summary",
            "kind: Integration\nname: x-int\nsource: generic\nservice: shop-web\nmapping: {status: /state}\n",
        ),
        bad(
            "timestamp header without a signing secret",
            "kind: Integration\nname: x-int\nsource: grafana\nteam: storefront\ntimestamp_header: X-Ts\n",
        ),
        bad(
            "integration name in capitals",
            "kind: Integration\nname: X-Int\nsource: alertmanager\nservice: checkout-api\n",
        ),
        // What the validator lets through, the schema must too.
        good(
            "experimental service without owner",
            "kind: Service\nname: x-svc\nlifecycle: experimental\n",
        ),
        good(
            "optional keys left empty and unknown keys",
            "kind: Severity\nname: SEV9\nrank: 9\ndescription:\nnotes: anything\n{review}---\nkind: StakeholderGroup\nname: x-sg\n{review}policies:\n  - {severities: [SEV9], when: immediately}\n",
        ),
        good(
            "timeline in seconds, zero minutes and days",
            "kind: Scenario\nname: x-sc\n{review}runbooks: [sev1-kickoff]\nexpected_timeline:\n  - {at: T+30s, action: alert}\n  - {at: T+0m, milestone: started}\n  - {at: T+1d, milestone: closed}\n",
        ),
    ]
}

fn text_of(case: &Case) -> String {
    case.text.replace("{review}", REVIEW)
}

#[test]
fn broken_documents_are_rejected_and_sound_ones_accepted() {
    let validator = validator();
    for case in cases() {
        let text = text_of(&case);
        let complaints: Vec<String> = documents(&text)
            .iter()
            .flat_map(|doc| errors(&validator, doc))
            .collect();
        if case.valid {
            assert!(complaints.is_empty(), "{}: {complaints:#?}", case.label);
        } else {
            assert!(
                !complaints.is_empty(),
                "{}: the schema accepts it",
                case.label
            );
        }
    }
}

/// The schema and the validator agree on every case: added to the sample
/// plan as its own file, a case the schema refuses is reported by the
/// validator too, and one it accepts is not.
#[test]
fn the_validator_agrees_on_every_case() {
    for case in cases() {
        let broken = PathBuf::from("case.yaml");
        let mut files = example_files();
        files.push((broken.clone(), text_of(&case)));
        let findings = match Plan::from_texts(files) {
            Ok(loaded) => plan::validate(&loaded),
            Err(findings) => findings,
        };
        let here: Vec<String> = findings
            .iter()
            .filter(|f| f.file == broken)
            .map(ToString::to_string)
            .collect();
        let elsewhere: Vec<String> = findings
            .iter()
            .filter(|f| f.file != broken)
            .map(ToString::to_string)
            .collect();
        assert!(elsewhere.is_empty(), "{}: {elsewhere:#?}", case.label);
        assert_eq!(here.is_empty(), case.valid, "{}: {here:#?}", case.label);
    }
}

#[test]
fn the_schema_names_exactly_the_plan_kinds() {
    let schema = plan::schema();
    let expected: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    let listed: Vec<&str> = schema["properties"]["kind"]["enum"]
        .as_array()
        .expect("kind has an enum")
        .iter()
        .map(|k| k.as_str().expect("a kind is a string"))
        .collect();
    assert_eq!(listed, expected);
    let branches: Vec<&str> = schema["allOf"]
        .as_array()
        .expect("one branch per kind")
        .iter()
        .map(|b| {
            b["if"]["properties"]["kind"]["const"]
                .as_str()
                .expect("a branch tests kind")
        })
        .collect();
    assert_eq!(branches, expected);
    for kind in Kind::ALL {
        let def = &schema["$defs"][kind.as_str()];
        assert_eq!(def["properties"]["kind"]["const"], kind.as_str());
        let required: BTreeSet<&str> = def["required"]
            .as_array()
            .expect("a kind requires kind and name")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for key in ["owner", "review_every", "last_reviewed"] {
            // Catalog kinds' owner is required by the soundness rules, not review.
            if key == "owner" && kind == Kind::Functionality {
                continue;
            }
            assert_eq!(
                required.contains(key),
                kind.requires_review(),
                "{kind}: {key}"
            );
        }
    }
}
