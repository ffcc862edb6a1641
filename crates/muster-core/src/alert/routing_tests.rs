use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use uuid::Uuid;

use super::*;
use crate::alert::matcher::Matcher;
use crate::alert::silence::Recurrence;
use crate::alert::tests::alert_with;
use crate::oncall::Restriction;

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + minutes * 60).unwrap()
}

fn slug(s: &str) -> Slug {
    Slug::parse("slug", s).unwrap()
}

fn source() -> AlertSource {
    AlertSource {
        id: alert_with(&[]).integration,
        name: "prometheus".into(),
        kind: "alertmanager".into(),
        service: Some(slug("checkout-api")),
        team: None,
        owner: UserId(Uuid::from_u128(1)),
    }
}

struct World {
    routes: Vec<Route>,
    silences: Vec<Silence>,
    sources: HashMap<IntegrationId, AlertSource>,
    grouping: Grouping,
}

impl World {
    fn new() -> Self {
        let s = source();
        Self {
            routes: Vec::new(),
            silences: Vec::new(),
            sources: HashMap::from([(s.id, s)]),
            grouping: Grouping::default(),
        }
    }

    fn plan(&self, pending: &[PendingAlert], groups: &[GroupView], now: Timestamp) -> RoutingPlan {
        let rules = RoutingRules {
            routes: &self.routes,
            silences: &self.silences,
            sources: &self.sources,
            grouping: &self.grouping,
            flapping: Flapping::default(),
            silence_recheck: SignedDuration::from_mins(1),
        };
        let mut n = 100;
        plan(pending, groups, &rules, now, &mut || {
            n += 1;
            AlertGroupId(Uuid::from_u128(n))
        })
    }
}

/// A distinct alert id per call: the core makes no ids of its own.
fn next_id() -> AlertId {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_000);
    AlertId(Uuid::from_u128(u128::from(
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    )))
}

fn pending(key: &str, group_key: Option<&str>, now: Timestamp) -> PendingAlert {
    let mut alert = alert_with(&[("alertname", "TargetDown"), ("job", "checkout-api")]);
    alert.id = next_id();
    alert.dedup_key = key.to_owned();
    alert.group_key = group_key.map(str::to_owned);
    alert.first_seen = now;
    PendingAlert {
        alert,
        route_seq: 1,
        group: None,
        silenced_by: None,
        openings: vec![now],
    }
}

fn stored_group(id: u128, key: &str, incident: Option<IncidentId>) -> AlertGroup {
    AlertGroup {
        id: AlertGroupId(Uuid::from_u128(id)),
        integration: source().id,
        key: key.to_owned(),
        opened_at: at(0),
        last_alert_at: at(0),
        effect: if incident.is_some() {
            "open_incident".into()
        } else {
            "page".into()
        },
        page: Some(PageId(Uuid::from_u128(9))),
        incident,
        mitigate_on_resolve: true,
        follow_up_due: false,
        version: 3,
    }
}

#[test]
fn a_storm_in_one_batch_pages_once() {
    let world = World::new();
    let now = at(10);
    let storm: Vec<PendingAlert> = (0..3)
        .map(|n| {
            pending(
                &format!("fp{n}"),
                Some("{}:{alertname=\"TargetDown\"}"),
                now,
            )
        })
        .collect();
    let plan = world.plan(&storm, &[], now);
    assert_eq!(plan.new_groups.len(), 1, "{plan:#?}");
    let group = plan.new_groups[0].id;
    assert!(matches!(
        &plan.routed[0].action,
        Action::Page { group: g, to: Destination::Service(s), .. } if *g == group && s.as_str() == "checkout-api"
    ));
    for joined in &plan.routed[1..] {
        assert_eq!(joined.group, Some(group));
        assert_eq!(joined.action, Action::Nothing);
        let why = joined.decision.as_ref().unwrap().reasons.join("; ");
        assert!(why.contains("joined an open group"), "{why}");
    }
    assert!(plan.changed_groups.is_empty());
}

#[test]
fn an_alert_joining_a_stored_group_attaches_to_its_incident() {
    let world = World::new();
    let incident = IncidentId(Uuid::from_u128(5));
    let group = stored_group(1, "source:g", Some(incident));
    let views = [GroupView {
        group: group.clone(),
        open_alerts: 2,
    }];
    let plan = world.plan(&[pending("late", Some("g"), at(20))], &views, at(20));
    assert!(plan.new_groups.is_empty());
    assert_eq!(plan.routed[0].action, Action::Attach { incident });
    assert_eq!(plan.changed_groups.len(), 1);
    assert_eq!(plan.changed_groups[0].version, group.version + 1);
    assert_eq!(plan.changed_groups[0].last_alert_at, at(20));
}

#[test]
fn a_group_whose_alerts_all_resolved_is_not_joined() {
    let world = World::new();
    let views = [GroupView {
        group: stored_group(1, "source:g", None),
        open_alerts: 0,
    }];
    let plan = world.plan(&[pending("again", Some("g"), at(20))], &views, at(20));
    assert_eq!(plan.new_groups.len(), 1);
    assert!(matches!(plan.routed[0].action, Action::Page { .. }));
}

#[test]
fn a_flapping_alert_rejoins_its_last_group_instead_of_paging_again() {
    let world = World::new();
    let views = [GroupView {
        group: stored_group(1, "alert:flappy", None),
        open_alerts: 0,
    }];
    let mut flappy = pending("flappy", None, at(30));
    flappy.openings = vec![at(5), at(12), at(20), at(30)];
    let plan = world.plan(&[flappy], &views, at(30));
    assert!(plan.new_groups.is_empty(), "{plan:#?}");
    assert_eq!(plan.routed[0].action, Action::Nothing);
    let why = plan.routed[0].decision.as_ref().unwrap().reasons.join("; ");
    assert!(why.contains("flapping"), "{why}");
}

#[test]
fn a_silenced_alert_is_recorded_and_rechecked_when_the_silence_ends() {
    let mut world = World::new();
    world.silences.push(Silence {
        id: SilenceId(Uuid::from_u128(3)),
        matchers: vec![Matcher::parse("m", "job=checkout-api").unwrap()],
        starts_at: at(0),
        ends_at: at(60),
        recurrence: None,
        comment: "database upgrade".into(),
    });
    let plan = world.plan(&[pending("k", None, at(10))], &[], at(10));
    let routed = &plan.routed[0];
    assert_eq!(routed.silenced_by, Some(SilenceId(Uuid::from_u128(3))));
    assert_eq!(routed.silenced_until, Some(at(60)));
    assert_eq!(routed.action, Action::Nothing);
    assert!(routed.group.is_none() && plan.new_groups.is_empty());
    assert!(routed.decision.as_ref().unwrap().reasons[0].contains("database upgrade"));

    // Once it ended, the same open alert pages, and says why it is late.
    let mut after = pending("k", None, at(61));
    after.silenced_by = routed.silenced_by;
    let plan = world.plan(&[after], &[], at(61));
    assert!(matches!(plan.routed[0].action, Action::Page { .. }));
    assert!(plan.routed[0].silenced_by.is_none());
    assert!(plan.routed[0].decision.as_ref().unwrap().reasons[0].contains("silence ended"));
}

#[test]
fn a_recurring_silence_is_rechecked_often() {
    let mut world = World::new();
    world.silences.push(Silence {
        id: SilenceId(Uuid::from_u128(3)),
        matchers: vec![],
        starts_at: at(0),
        ends_at: at(60 * 24 * 365),
        recurrence: Some(Recurrence {
            time_zone: TimeZone::UTC,
            // Every day, all day (a window ending where it starts runs overnight).
            windows: vec![Restriction {
                days: vec![
                    Weekday::Monday,
                    Weekday::Tuesday,
                    Weekday::Wednesday,
                    Weekday::Thursday,
                    Weekday::Friday,
                    Weekday::Saturday,
                    Weekday::Sunday,
                ],
                from: Time::midnight(),
                to: Time::midnight(),
            }],
        }),
        comment: String::new(),
    });
    let plan = world.plan(&[pending("k", None, at(10))], &[], at(10));
    assert_eq!(plan.routed[0].silenced_until, Some(at(11)));
}

#[test]
fn rules_choose_notify_drop_or_an_incident() {
    let mut world = World::new();
    let rule = |name: &str, matcher: &str, effect: RouteEffect| Route {
        name: name.into(),
        team: slug("storefront"),
        matchers: vec![Matcher::parse("m", matcher).unwrap()],
        min_severity: None,
        sources: vec![],
        summary_contains: None,
        target: Some(RouteTarget::Functionality(slug("checkout"))),
        set_severity: None,
        effect: Some(effect),
        continue_matching: false,
        mitigate_on_resolve: false,
    };
    world.routes = vec![
        rule(
            "slow",
            "window=6h",
            RouteEffect::NotifyOnly {
                channel: "#team-storefront".into(),
            },
        ),
        rule("noise", "noise=yes", RouteEffect::Drop),
        rule(
            "down",
            "alertname=TargetDown",
            RouteEffect::OpenIncident {
                severity: SeverityCode::new("SEV1"),
            },
        ),
    ];
    let mut slow = pending("slow", None, at(1));
    slow.alert.labels.insert("window".into(), "6h".into());
    let mut noise = pending("noise", None, at(1));
    noise.alert.labels.insert("noise".into(), "yes".into());
    let down = pending("down", None, at(1));
    let plan = world.plan(&[slow, noise, down], &[], at(1));
    assert_eq!(
        plan.routed[0].action,
        Action::Notify {
            channel: "#team-storefront".into()
        }
    );
    assert_eq!(plan.routed[1].action, Action::Nothing);
    assert!(matches!(
        &plan.routed[2].action,
        Action::OpenIncident { to: Destination::Functionality(f), severity, .. }
            if f.as_str() == "checkout" && severity.as_str() == "SEV1"
    ));
    let effects: Vec<&str> = plan.new_groups.iter().map(|g| g.effect.as_str()).collect();
    assert_eq!(effects, ["notify", "drop", "open_incident"]);
    assert!(!plan.new_groups[2].mitigate_on_resolve);
}

#[test]
fn without_a_target_nobody_is_paged_and_the_decision_says_so() {
    let mut world = World::new();
    for s in world.sources.values_mut() {
        s.service = None;
    }
    let plan = world.plan(&[pending("k", None, at(1))], &[], at(1));
    assert_eq!(plan.routed[0].action, Action::Nothing);
    let why = plan.routed[0].decision.as_ref().unwrap().reasons.join("; ");
    assert!(why.contains("nobody paged"), "{why}");
}

#[test]
fn a_status_change_marks_the_group_for_follow_up_without_routing_again() {
    let world = World::new();
    let group = stored_group(1, "source:g", None);
    let mut resolved = pending("k", Some("g"), at(5));
    resolved.alert.status = AlertStatus::Resolved;
    resolved.group = Some(group.id);
    resolved.route_seq = 2;
    let views = [GroupView {
        group: group.clone(),
        open_alerts: 0,
    }];
    let plan = world.plan(&[resolved], &views, at(5));
    assert_eq!(plan.routed[0].route_seq, 2);
    assert!(plan.routed[0].decision.is_none());
    assert_eq!(plan.changed_groups.len(), 1);
    assert!(plan.changed_groups[0].follow_up_due);
    assert_eq!(plan.changed_groups[0].version, 4);

    // Resolved before it was ever routed: nothing at all.
    let mut unseen = pending("gone", None, at(5));
    unseen.alert.status = AlertStatus::Resolved;
    let plan = world.plan(&[unseen], &[], at(5));
    assert_eq!(plan.routed[0].action, Action::Nothing);
    assert!(plan.new_groups.is_empty());
}

#[test]
fn follow_up_waits_for_every_alert() {
    let with_incident = stored_group(1, "k", Some(IncidentId(Uuid::from_u128(5))));
    let page_only = stored_group(2, "k", None);
    let alone = OtherGroups::default();
    use AlertStatus::*;
    assert_eq!(
        follow_up(&with_incident, &[Resolved, Firing], alone),
        FollowUp::Nothing
    );
    assert_eq!(
        follow_up(&with_incident, &[Resolved, Acknowledged], alone),
        FollowUp::Acknowledge
    );
    assert_eq!(
        follow_up(&with_incident, &[Resolved, Resolved], alone),
        FollowUp::Resolve {
            incident: Some(AllResolved {
                alerts: 2,
                mitigate: true
            })
        }
    );
    assert_eq!(
        follow_up(&page_only, &[Resolved], alone),
        FollowUp::Resolve { incident: None }
    );
}

#[test]
fn an_incident_following_several_groups_waits_for_all_of_them() {
    let group = stored_group(1, "k", Some(IncidentId(Uuid::from_u128(5))));
    use AlertStatus::*;
    let firing_elsewhere = OtherGroups {
        alerts: 2,
        open: 1,
        holding: 0,
    };
    assert_eq!(
        follow_up(&group, &[Resolved], firing_elsewhere),
        FollowUp::Resolve { incident: None },
        "its page resolves; the incident waits for the other group"
    );
    let all_resolved = OtherGroups {
        alerts: 2,
        open: 0,
        holding: 0,
    };
    assert_eq!(
        follow_up(&group, &[Resolved], all_resolved),
        FollowUp::Resolve {
            incident: Some(AllResolved {
                alerts: 3,
                mitigate: true
            })
        }
    );
    let one_says_no = OtherGroups {
        holding: 1,
        ..all_resolved
    };
    assert_eq!(
        follow_up(&group, &[Resolved], one_says_no),
        FollowUp::Resolve {
            incident: Some(AllResolved {
                alerts: 3,
                mitigate: false
            })
        },
        "a group attached without mitigation leaves it to a person, who is still asked"
    );
    let mut says_no = group.clone();
    says_no.mitigate_on_resolve = false;
    assert_eq!(
        follow_up(&says_no, &[Resolved], all_resolved),
        FollowUp::Resolve {
            incident: Some(AllResolved {
                alerts: 3,
                mitigate: false
            })
        }
    );
}
