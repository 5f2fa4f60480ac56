//! The library's tracing spans: loading a subject, building a scope, running a page, a
//! count and a check each open a span naming the entity, the scope and the subject, with
//! the rows its statement gave; a write by a subject or by nobody (an administrative grant)
//! opens one naming the entity, the write and who makes it; no span carries a row's values.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

use ownership_core::{
    Action, AuthorizedActiveModelExt, AuthorizedGrants, Grantees, OwnedEntity, OwnershipAccess,
    OwnershipCounts, OwnershipPages, OwnershipScopes, Target, grant,
};
use ownership_tests::entities::document;
use ownership_tests::world::{SmarterWorld, load, new_document, uid};
use ownership_tests::{Backend, TestDb};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// A span as recorded: its name and every field given to it.
#[derive(Clone, Debug, Default)]
struct Recorded {
    name: &'static str,
    fields: BTreeMap<String, String>,
}

/// Every span opened, by id.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<HashMap<u64, Recorded>>>);

impl Spans {
    /// The spans named `name`, in no order.
    fn named(&self, name: &str) -> Vec<Recorded> {
        let spans = self.0.lock().expect("the spans");
        spans
            .values()
            .filter(|span| span.name == name)
            .cloned()
            .collect()
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut recorded = Recorded {
            name: attributes.metadata().name(),
            fields: BTreeMap::new(),
        };
        attributes.record(&mut Fields(&mut recorded.fields));
        self.0
            .lock()
            .expect("the spans")
            .insert(id.into_u64(), recorded);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(recorded) = self.0.lock().expect("the spans").get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut recorded.fields));
        }
    }
}

#[tokio::test]
async fn scopes_pages_counts_and_checks_open_spans_of_ids_and_counts() {
    let spans = Spans::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(spans.clone()))
        .expect("the only subscriber of this test binary");
    let Some(test_db) = TestDb::create(Backend::Sqlite).await else {
        return;
    };
    let db = &test_db.db;
    let w = SmarterWorld::build(db).await;
    let secret = "a body no span may carry";
    let mut row = document::Entity::find_by_id(w.s_r1)
        .one(db)
        .await
        .expect("read")
        .expect("the row")
        .into_active_model();
    row.body = Set(secret.to_owned());
    row.update(db).await.expect("update");

    let r1 = load(db, w.r1).await;
    let user = uid(w.r1).to_string();
    let loaded = spans.named("ownership.load_subject");
    assert!(
        loaded
            .iter()
            .any(|span| span.fields.get("user") == Some(&user)
                && span.fields.get("profiles").map(String::as_str) == Some("1")),
        "{loaded:?}"
    );

    let _query = document::Entity::find().with_read_permission_for(&r1);
    let scopes = spans.named("ownership.scope");
    assert!(
        scopes.iter().any(
            |span| span.fields.get("scope").map(String::as_str) == Some("read")
                && span.fields.get("entity").map(String::as_str)
                    == Some(document::Entity::MODEL_NAME)
                && span.fields.get("subject") == Some(&user)
        ),
        "{scopes:?}"
    );

    let page = document::Entity::readable_page(&r1, 10)
        .all(db)
        .await
        .expect("a page");
    let count = document::Entity::readable_count(db, &r1)
        .await
        .expect("a count");
    document::Entity::check_access(db, &r1, w.s_r1, Action::Manage)
        .await
        .expect("a check");
    let runs = spans.named("ownership.run");
    let run = |what: &str| {
        runs.iter()
            .find(|span| span.fields.get("what").map(String::as_str) == Some(what))
            .unwrap_or_else(|| panic!("no {what} span in {runs:?}"))
            .clone()
    };
    assert_eq!(run("readable page").fields["rows"], page.len().to_string());
    assert_eq!(run("readable count").fields["rows"], count.to_string());
    assert_eq!(run("access check").fields["rows"], "1");
    assert_eq!(run("access check").fields["subject"], user);

    let mut created = new_document(w.profiles[2], "traced");
    created.body = Set(secret.to_owned());
    let created = created.insert_as(db, &r1).await.expect("an insert");
    let readers = Grantees::users([uid(w.r2)]);
    document::Entity::grant_as(db, &r1, "view", [created.id], &readers)
        .await
        .expect("a grant by the owner");
    grant(
        db,
        "view",
        &Target::object::<document::Entity>(created.id),
        &readers,
    )
    .await
    .expect("an administrative grant");
    let writes = spans.named("ownership.write");
    let write = |what: &str, actor: &str| {
        writes.iter().any(|span| {
            span.fields.get("what").map(String::as_str) == Some(what)
                && span.fields.get("actor").map(String::as_str) == Some(actor)
                && span.fields.get("entity").map(String::as_str)
                    == Some(document::Entity::MODEL_NAME)
        })
    };
    assert!(write("insert", &user), "{writes:?}");
    assert!(write("grant", &user), "{writes:?}");
    assert!(write("grant", "nobody"), "{writes:?}");

    let everything: Vec<Recorded> = spans
        .0
        .lock()
        .expect("the spans")
        .values()
        .cloned()
        .collect();
    for span in &everything {
        for value in span.fields.values() {
            assert!(!value.contains(secret), "{span:?}");
        }
    }
    test_db.drop_database().await;
}
