//! Owned entities keyed by `i64`, `i32`, UUID and string, on every backend: grants, checks,
//! keyset pages after an id, counts, holder questions, `permissions_of` and deletes all take
//! and give the entity's own id type, and agree with each other.

use std::collections::BTreeSet;
use std::fmt::Debug;

use ownership_core::{
    Grantees, IdOf, Key, ObjectRef, OwnedEntity, OwnershipChecks, OwnershipCounts, OwnershipError,
    OwnershipPages, OwnershipScopes, Subject, Target, Uuid, grant, holders, permissions_of, revoke,
};
use ownership_tests::entities::{document, note, slug_doc, uuid_doc};
use ownership_tests::on_every_backend;
use ownership_tests::world::{self, Role, int_keys, load, uid, walk_page_keys};
use sea_orm::sea_query::IntoValueTuple;
use sea_orm::{ActiveModelTrait, DatabaseConnection, QuerySelect, Set};

on_every_backend!(every_key_type_is_taken_in_its_own_type);

/// An owned entity the test can insert rows of, with ids it chooses or the database gives.
trait Keyed: OwnedEntity
where
    IdOf<Self>: Clone + Debug + Ord + Send,
{
    /// Inserts the `n`th row of `owner`, returning its id.
    async fn insert_row(db: &DatabaseConnection, owner: i64, n: u32) -> IdOf<Self>;
    /// An id no row has.
    fn missing() -> IdOf<Self>;
}

impl Keyed for document::Entity {
    async fn insert_row(db: &DatabaseConnection, owner: i64, n: u32) -> i64 {
        world::document(db, owner, &format!("d{n:03}")).await
    }
    fn missing() -> i64 {
        i64::MAX
    }
}

impl Keyed for note::Entity {
    async fn insert_row(db: &DatabaseConnection, owner: i64, n: u32) -> i32 {
        note::ActiveModel {
            author_profile_id: Set(owner),
            title: Set(format!("n{n:03}")),
            version: Set(1),
            text: Set(String::new()),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("insert a note")
        .id
    }
    fn missing() -> i32 {
        i32::MAX
    }
}

impl Keyed for uuid_doc::Entity {
    async fn insert_row(db: &DatabaseConnection, owner: i64, n: u32) -> Uuid {
        // Ids out of insertion order, so a page's order is the key's and not the insert's.
        let id = Uuid::from_u64_pair(u64::from(n % 3) << 60 | u64::from(n), owner as u64);
        uuid_doc::ActiveModel {
            id: Set(id),
            user_profile_id: Set(owner),
            name: Set(format!("u{n:03}")),
        }
        .insert(db)
        .await
        .expect("insert a uuid doc")
        .id
    }
    fn missing() -> Uuid {
        Uuid::max()
    }
}

impl Keyed for slug_doc::Entity {
    async fn insert_row(db: &DatabaseConnection, owner: i64, n: u32) -> String {
        // Lowercase letters and digits only: every backend's collation sorts them as bytes.
        let slug = format!("s{}{n:03}", ["c", "a", "b"][(n % 3) as usize]);
        slug_doc::ActiveModel {
            slug: Set(slug),
            user_profile_id: Set(owner),
            name: Set(format!("s{n:03}")),
        }
        .insert(db)
        .await
        .expect("insert a slug doc")
        .slug
    }
    fn missing() -> String {
        "zzz-no-such-slug".to_owned()
    }
}

/// The key of an id, as the library gives ids back.
fn key<E: Keyed>(id: &IdOf<E>) -> Key
where
    IdOf<E>: Clone + Debug + Ord + Send,
{
    let value = id
        .clone()
        .into_value_tuple()
        .into_iter()
        .next()
        .expect("one value");
    match value {
        sea_orm::Value::BigInt(Some(v)) => Key::Int(v),
        sea_orm::Value::Int(Some(v)) => Key::Int(v.into()),
        sea_orm::Value::Uuid(Some(v)) => Key::Uuid(v),
        sea_orm::Value::String(Some(v)) => Key::Text(v),
        other => panic!("not a key: {other:?}"),
    }
}

/// The ids a scope lists, as keys.
async fn listed<E: Keyed>(db: &DatabaseConnection, select: sea_orm::Select<E>) -> BTreeSet<Key>
where
    IdOf<E>: Clone + Debug + Ord + Send,
{
    select
        .select_only()
        .column(E::id_column())
        .into_tuple::<IdOf<E>>()
        .all(db)
        .await
        .expect("run the scope")
        .iter()
        .map(key::<E>)
        .collect()
}

async fn every_key_type_is_taken_in_its_own_type(db: &DatabaseConnection) {
    let account = world::account(db, "a").await;
    let owner = world::user(db, "owner", Role::Regular).await;
    let owner_profile = world::profile(db, owner, account).await;
    let reader = world::user(db, "reader", Role::Regular).await;
    world::profile(db, reader, world::account(db, "b").await).await;
    let (owner_s, reader_s) = (load(db, owner).await, load(db, reader).await);
    check::<document::Entity>(db, owner_profile, (&owner_s, reader), &reader_s).await;
    check::<note::Entity>(db, owner_profile, (&owner_s, reader), &reader_s).await;
    check::<uuid_doc::Entity>(db, owner_profile, (&owner_s, reader), &reader_s).await;
    check::<slug_doc::Entity>(db, owner_profile, (&owner_s, reader), &reader_s).await;

    // An object named by a key of another type than its model's is refused, not compared.
    for (model, id) in [
        ("uuid_doc", Key::Int(5)),
        ("document", Key::Text("5".into())),
    ] {
        match holders(["view"])
            .objects([ObjectRef::new(model, id)])
            .users()
        {
            Err(OwnershipError::WrongKeyType { what, .. }) => assert_eq!(what, "object id"),
            other => panic!(
                "{model}: expected WrongKeyType, got {:?}",
                other.map(|_| ())
            ),
        }
    }
}

/// Everything about one entity: the owner's rows, a grant on some of them to the reader,
/// and every way of asking about them.
async fn check<E: Keyed>(
    db: &DatabaseConnection,
    owner_profile: i64,
    (owner, reader): (&Subject, i64),
    reader_s: &Subject,
) where
    IdOf<E>: Clone + Debug + Ord + Send,
{
    let model = E::MODEL_NAME;
    let mut ids = Vec::new();
    for n in 0..7 {
        ids.push(E::insert_row(db, owner_profile, n).await);
    }
    let all: BTreeSet<Key> = ids.iter().map(key::<E>).collect();
    let granted: Vec<IdOf<E>> = ids.iter().step_by(2).cloned().collect();
    let granted_keys: BTreeSet<Key> = granted.iter().map(key::<E>).collect();

    // The owner reads everything, page after page in the key's order.
    assert_eq!(listed(db, E::find().owned_by(owner)).await, all, "{model}");
    let paged = walk_page_keys(db, E::readable_page(owner, 2), 2)
        .await
        .unwrap();
    assert_eq!(
        paged.iter().cloned().collect::<BTreeSet<_>>(),
        all,
        "{model}"
    );
    assert!(paged.windows(2).all(|w| w[0] < w[1]), "{model}: {paged:?}");
    assert_eq!(E::readable_count(db, owner).await.unwrap(), 7, "{model}");

    // A grant on some objects, by their own ids.
    grant(
        db,
        "view",
        &Target::objects::<E>(granted.iter().cloned()),
        &Grantees::users([uid(reader)]),
    )
    .await
    .unwrap();
    assert_eq!(
        listed(db, E::find().with_read_permission_for(reader_s)).await,
        granted_keys,
        "{model}"
    );
    let paged = walk_page_keys(db, E::readable_page(reader_s, 2), 2)
        .await
        .unwrap();
    assert_eq!(
        paged.into_iter().collect::<BTreeSet<_>>(),
        granted_keys,
        "{model}"
    );
    assert_eq!(
        E::readable_count(db, reader_s).await.unwrap(),
        granted.len() as u64
    );
    for id in &ids {
        let expected = granted.contains(id);
        assert_eq!(
            E::can_read(db, reader_s, id.clone()).await.unwrap(),
            expected,
            "{model}: {id:?}"
        );
        assert!(!E::can_manage(db, reader_s, id.clone()).await.unwrap());
        assert!(E::can_manage(db, owner, id.clone()).await.unwrap());
    }
    assert!(!E::can_read(db, reader_s, E::missing()).await.unwrap());

    // Who holds it, and what is held, in the entity's own key type.
    let first = granted[0].clone();
    let holding = holders(["view"])
        .objects([ObjectRef::of::<E>(first.clone())])
        .include_null_object(false)
        .users()
        .unwrap()
        .all(db)
        .await
        .unwrap();
    assert_eq!(int_keys(&holding), BTreeSet::from([reader]), "{model}");
    let held: BTreeSet<Key> = permissions_of([uid(reader)], [])
        .unwrap()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|held| held.model_name.as_deref() == Some(model))
        .filter_map(|held| held.object_id)
        .collect();
    assert_eq!(held, granted_keys, "{model}");

    // A missing id is named in its own type, and nothing is written.
    match grant(
        db,
        "view",
        &Target::objects::<E>([first.clone(), E::missing()]),
        &Grantees::users([uid(reader)]),
    )
    .await
    {
        Err(OwnershipError::UnknownObjects { model: m, ids }) => {
            assert_eq!((m.as_str(), ids), (model, vec![key::<E>(&E::missing())]));
        }
        other => panic!("{model}: expected UnknownObjects, got {other:?}"),
    }

    // Revoking by id, and deleting with SeaORM's own delete, take the grants away.
    assert_eq!(
        revoke(
            db,
            "view",
            &Target::object::<E>(first.clone()),
            &Grantees::users([uid(reader)])
        )
        .await
        .unwrap(),
        1
    );
    assert!(!E::can_read(db, reader_s, first).await.unwrap());
    let second = granted[1].clone();
    E::delete_by_id(second.clone()).exec(db).await.unwrap();
    assert!(!E::can_read(db, reader_s, second).await.unwrap());
    let left: BTreeSet<Key> = granted.iter().skip(2).map(key::<E>).collect();
    assert_eq!(
        listed(db, E::find().with_read_permission_for(reader_s)).await,
        left,
        "{model}"
    );
}
