//! Goal (issue 11 point 5): what the window's Team commands return — roles with people and
//! contacts, the rota with its gaps in the warroom span, each item's owner on call at its
//! due instant — and that the window's way of ticking a checklist item (`set_item_state`)
//! is held to the on-call rule like the CLI's: `t2h-warroom` done is refused naming the role
//! and the interval until every role is on call for the whole span.

use clubgate_desk::Service;
use clubgate_ipc::{ItemUpdate, PersonRequest, SettingsUpdate, ShiftRequest};

const ROLES: [&str; 6] = ["launch_ic", "comms_lead", "treasury_lead", "devops_lead", "risk_lead", "qa_lead"];

fn code_and_message(error: &clubgate_desk::Error) -> (String, String) {
    let json = serde_json::to_value(error).expect("errors serialize");
    (json["code"].as_str().unwrap().to_owned(), json["message"].as_str().unwrap().to_owned())
}

fn confirmation() -> ItemUpdate {
    ItemUpdate { item_id: "t2h-warroom".into(), state: "done".into(), who: "Irina (IC)".into(), evidence: "rota on the Team page".into() }
}

fn shift(person: &str, from: &str, to: &str) -> ShiftRequest {
    ShiftRequest { person: person.into(), from: from.into(), to: to.into() }
}

#[tokio::test]
async fn the_team_page_and_the_window_path_of_the_on_call_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path()).await.unwrap();
    let settings = SettingsUpdate {
        t0: "2026-12-07T10:00".into(),
        tz: String::new(),
        plan_path: String::new(),
        who: "Irina (IC)".into(),
        reason: String::new(),
    };
    service.save_settings(&settings).await.unwrap();

    let empty = service.team_at("2026-12-07T08:00:00Z".parse().unwrap()).await.unwrap();
    assert_eq!(empty.channel, "#launch-warroom");
    assert_eq!((empty.opens.rfc3339.as_str(), empty.closes.rfc3339.as_str()), ("2026-12-06T10:00:00+01:00", "2026-12-09T10:00:00+01:00"));
    assert_eq!(empty.roles.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ROLES);
    assert!(!empty.covered);
    assert!(empty.roles.iter().all(|r| r.gaps.len() == 1 && r.gaps[0].start == empty.opens && r.gaps[0].end == empty.closes));

    // The window's path is refused naming every role and the whole span.
    let error = service.set_item_state(&confirmation()).await.unwrap_err();
    let (code, message) = code_and_message(&error);
    assert_eq!(code, "refused");
    for role in ROLES {
        assert!(
            message.contains(&format!("{role} has nobody on call from 2026-12-06T10:00:00+01:00 to 2026-12-09T10:00:00+01:00")),
            "{message}"
        );
    }

    // One contact field: phone, Telegram handle or e-mail; anything else is named.
    let error =
        service.add_person(&PersonRequest { name: "Irina".into(), role: "launch_ic".into(), contact: "irina".into() }).await.unwrap_err();
    let (code, message) = code_and_message(&error);
    assert_eq!(code, "invalid_input");
    assert!(message.contains("\"irina\""), "{message}");
    let contacts = ["+48 601 234 560", "@comms_lead", "olga@clubgate.example", "+48601234563", "@risk_lead", "qa@clubgate.example"];
    for (n, (role, contact)) in ROLES.iter().zip(contacts).enumerate() {
        service.add_person(&PersonRequest { name: format!("Lead {n}"), role: (*role).into(), contact: contact.into() }).await.unwrap();
    }
    // Everyone on call T-1d → T+2d except QA, whose shift starts an hour late.
    for n in 0..5 {
        service.add_shift(&shift(&format!("Lead {n}"), "T-1d", "T+2d")).await.unwrap();
    }
    let view = service.add_shift(&shift("Lead 5", "T-23h", "T+2d")).await.unwrap();
    let qa = view.roles.iter().find(|r| r.id == "qa_lead").unwrap();
    assert_eq!(qa.people[0].email.as_deref(), Some("qa@clubgate.example"));
    assert_eq!(qa.gaps.len(), 1);
    assert_eq!(
        (qa.gaps[0].start.rfc3339.as_str(), qa.gaps[0].end.rfc3339.as_str()),
        ("2026-12-06T10:00:00+01:00", "2026-12-06T11:00:00+01:00")
    );
    let (_, message) = code_and_message(&service.set_item_state(&confirmation()).await.unwrap_err());
    assert!(message.contains("qa_lead has nobody on call from 2026-12-06T10:00:00+01:00 to 2026-12-06T11:00:00+01:00"), "{message}");
    assert_eq!(message.matches("has nobody on call").count(), 1, "{message}");

    // A second shift for the same person overlapping the first is refused (one ending where
    // it starts would not be); a bad instant is named.
    let (_, message) = code_and_message(&service.add_shift(&shift("Lead 5", "T-1d", "T-22h")).await.unwrap_err());
    assert!(message.contains("Lead 5 is on call as qa_lead"), "{message}");
    let (code, message) = code_and_message(&service.add_shift(&shift("Lead 4", "tomorrow", "T+2d")).await.unwrap_err());
    assert_eq!(code, "invalid_input");
    assert!(message.contains("\"tomorrow\""), "{message}");

    // The window's shifts are in the person's own role: a second QA person covers the hour.
    service.add_person(&PersonRequest { name: "QA deputy".into(), role: "qa_lead".into(), contact: "+48601234599".into() }).await.unwrap();
    let view = service.add_shift(&shift("QA deputy", "T-1d", "T-23h")).await.unwrap();
    assert!(view.covered);
    let after = service.set_item_state(&confirmation()).await.unwrap();
    let item = after.checkpoints.iter().flat_map(|c| c.items.iter()).find(|i| i.id == "t2h-warroom").unwrap();
    assert_eq!(item.state, "done");

    // Each item's owner resolves to who is on call at its due instant.
    let view = service.team_at("2026-12-07T08:00:00Z".parse().unwrap()).await.unwrap();
    let warroom = view.items.iter().find(|i| i.item_id == "t2h-warroom").unwrap();
    assert_eq!((warroom.owner.as_str(), warroom.at.rfc3339.as_str()), ("launch_ic", "2026-12-07T08:00:00+01:00"));
    assert_eq!(warroom.on_call, ["Lead 0"]);
    let postmortem = view.items.iter().find(|i| i.item_id == "t7d-postmortem").unwrap();
    assert!(postmortem.on_call.is_empty(), "T+7d is after the warroom closes");
    let ic = view.roles.iter().find(|r| r.id == "launch_ic").unwrap();
    assert_eq!((ic.on_call_now.as_slice(), ic.people[0].phone.as_deref()), (["Lead 0".to_owned()].as_slice(), Some("+48601234560")));
}
