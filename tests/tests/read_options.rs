//! The read scope's per-entity options on every backend. An entity with an option off drops
//! that branch of rule 3 from every way of reading it (the list, keyset pages, checks, the
//! shared scope and its pages), and nothing else: the owner, grants, managers (rule 2) and
//! superuser readers still reach the rows, and an entity with the defaults reads as before.

use std::collections::BTreeSet;

use ownership_core::{
    Grantees, IdOf, OwnedEntity, OwnershipChecks, OwnershipPages, OwnershipScopes, Subject, Target,
};
use ownership_tests::entities::{admin_note, document, hr_note};
use ownership_tests::on_every_backend;
use ownership_tests::world::uid;
use ownership_tests::world::{self, Role, SmarterWorld, give, load, walk_pages};
use sea_orm::{ActiveModelTrait, DatabaseConnection, QuerySelect, Select, Set};

on_every_backend!(
    staff_rows_can_stay_out_of_the_account,
    superuser_rows_can_stay_out_of_other_accounts,
);

/// The page size the scopes are walked with: smaller than what most subjects read, so a
/// page that dropped or repeated a row between pages would show.
const PAGE: u64 = 2;

/// The ids a query of `E` selects.
async fn listed<E: OwnedEntity>(db: &DatabaseConnection, select: Select<E>) -> BTreeSet<i64> {
    select
        .select_only()
        .column(E::id_column())
        .into_tuple::<i64>()
        .all(db)
        .await
        .expect("run the scoped query")
        .into_iter()
        .collect()
}

/// What a subject reads of an entity, and what of it is shared with the subject.
#[derive(Debug)]
struct Reads {
    read: BTreeSet<i64>,
    shared: BTreeSet<i64>,
}

/// What `subject` reads of `E`, asked every way a caller can: the read scope as a list, as
/// keyset pages and as one `can_read` per row of `rows`, and the shared scope as a list and
/// as pages. Fails unless they all agree, and unless the shared rows are the read rows the
/// subject does not own.
async fn reads<E>(db: &DatabaseConnection, subject: &Subject, rows: &[i64]) -> Reads
where
    E: OwnedEntity,
    IdOf<E>: From<i64>,
{
    let read = listed(db, E::find().with_read_permission_for(subject)).await;
    let paged = walk_pages(db, E::readable_page(subject, PAGE), PAGE)
        .await
        .expect("walk the read pages");
    assert_eq!(
        paged.into_iter().collect::<BTreeSet<_>>(),
        read,
        "read pages"
    );
    for &id in rows {
        let can_read = E::can_read(db, subject, id).await.expect("check a row");
        assert_eq!(
            can_read,
            read.contains(&id),
            "can_read({id}) against {read:?}"
        );
    }
    let shared = listed(db, E::find().shared_with(subject)).await;
    let paged = walk_pages(db, E::shared_page(subject, PAGE), PAGE)
        .await
        .expect("walk the shared pages");
    assert_eq!(
        paged.into_iter().collect::<BTreeSet<_>>(),
        shared,
        "shared pages"
    );
    let owned = listed(db, E::find().owned_by(subject)).await;
    assert_eq!(
        shared,
        read.difference(&owned).copied().collect(),
        "shared is read and not owned"
    );
    Reads { read, shared }
}

/// What `subject` manages of `E`, as a list, after checking `can_manage` on every row of
/// `rows` agrees.
async fn manages<E>(db: &DatabaseConnection, subject: &Subject, rows: &[i64]) -> BTreeSet<i64>
where
    E: OwnedEntity,
    IdOf<E>: From<i64>,
{
    let managed = listed(db, E::find().with_manage_permission_for(subject)).await;
    for &id in rows {
        let can_manage = E::can_manage(db, subject, id).await.expect("check a row");
        assert_eq!(can_manage, managed.contains(&id), "can_manage({id})");
    }
    managed
}

/// Indexes into a row per owner of [`SmarterWorld`]: SA (superuser, staff in P), A1 (staff
/// in account 1), R1 (regular in account 1), R2 (regular in account 2).
const SA: usize = 0;
const A1: usize = 1;
const R1: usize = 2;
const R2: usize = 3;

/// The Smarter world, one row of each entity per owner, and the readers the options are
/// about: another staff user and another regular user in account 1, a regular user in SA's
/// platform account, and a second superuser with a profile in account 2.
struct OptionsWorld {
    w: SmarterWorld,
    /// The documents (the defaults) of SA, A1, R1, R2.
    documents: [i64; 4],
    /// The HR notes (staff rows kept from the account) of SA, A1, R1, R2.
    hr: [i64; 4],
    /// The admin notes (superuser rows kept from other accounts) of SA, A1, R1, R2.
    admin: [i64; 4],
    /// Staff in account 1, besides A1.
    a1b: i64,
    /// Regular in account 1, besides R1.
    r1b: i64,
    /// Regular in SA's platform account.
    p1: i64,
    /// A superuser with a profile in account 2.
    root: i64,
}

impl OptionsWorld {
    async fn build(db: &DatabaseConnection) -> Self {
        let w = SmarterWorld::build(db).await;
        let mut hr = [0; 4];
        let mut admin = [0; 4];
        for (i, &owner) in w.profiles.iter().enumerate() {
            hr[i] = hr_note::ActiveModel {
                user_profile_id: Set(owner),
                name: Set(format!("hr {i}")),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("insert an HR note")
            .id;
            admin[i] = admin_note::ActiveModel {
                user_profile_id: Set(owner),
                name: Set(format!("admin {i}")),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("insert an admin note")
            .id;
        }
        let platform = w.platform;
        let a1b = world::user(db, "a1b", Role::Staff).await;
        world::profile(db, a1b, w.account_1).await;
        let r1b = world::user(db, "r1b", Role::Regular).await;
        world::profile(db, r1b, w.account_1).await;
        let p1 = world::user(db, "p1", Role::Regular).await;
        world::profile(db, p1, platform).await;
        let root = world::user(db, "root", Role::Superuser).await;
        world::profile(db, root, w.account_2).await;
        Self {
            documents: [w.s_sa, w.s_a1, w.s_r1, w.s_r2],
            w,
            hr,
            admin,
            a1b,
            r1b,
            p1,
            root,
        }
    }

    /// The rows of `rows` at the indexes `at`.
    fn pick(rows: [i64; 4], at: &[usize]) -> BTreeSet<i64> {
        at.iter().map(|&i| rows[i]).collect()
    }
}

/// `#[owned(staff_rows_readable_by_account = false)]`: a staff user's row is no longer read
/// by a plain member of its account, and everyone else who read it still does.
async fn staff_rows_can_stay_out_of_the_account(db: &DatabaseConnection) {
    let o = OptionsWorld::build(db).await;
    let w = &o.w;
    let hr = |at: &[usize]| OptionsWorld::pick(o.hr, at);
    let docs = |at: &[usize]| OptionsWorld::pick(o.documents, at);
    give(
        db,
        "view",
        Target::object::<hr_note::Entity>(o.hr[A1]),
        Grantees::users([uid(o.r1b)]),
    )
    .await;

    // R1 shares an account with A1: the default entity lets it read A1's document, the HR
    // notes keep A1's note from it. The superuser branch is still on.
    let r1 = load(db, w.r1).await;
    assert_eq!(
        reads::<document::Entity>(db, &r1, &o.documents).await.read,
        docs(&[SA, A1, R1])
    );
    let r1_hr = reads::<hr_note::Entity>(db, &r1, &o.hr).await;
    assert_eq!(r1_hr.read, hr(&[SA, R1]));
    assert_eq!(r1_hr.shared, hr(&[SA]));

    // A grant still counts, the owner still reads its row, and so does a superuser reader.
    let r1b = reads::<hr_note::Entity>(db, &load(db, o.r1b).await, &o.hr).await;
    assert_eq!((r1b.read, r1b.shared), (hr(&[SA, A1]), hr(&[SA, A1])));
    let a1 = reads::<hr_note::Entity>(db, &load(db, w.a1).await, &o.hr).await;
    assert_eq!((a1.read, a1.shared), (hr(&[SA, A1, R1]), hr(&[SA, R1])));
    let root = load(db, o.root).await;
    assert_eq!(
        reads::<hr_note::Entity>(db, &root, &o.hr).await.read,
        hr(&[SA, A1, R1, R2])
    );

    // The account's other staff manage A1's note (rule 2 is unchanged), and so read it;
    // R1 manages only its own.
    let a1b = load(db, o.a1b).await;
    assert_eq!(
        manages::<hr_note::Entity>(db, &a1b, &o.hr).await,
        hr(&[A1, R1])
    );
    assert_eq!(
        reads::<hr_note::Entity>(db, &a1b, &o.hr).await.read,
        hr(&[SA, A1, R1])
    );
    assert_eq!(manages::<hr_note::Entity>(db, &r1, &o.hr).await, hr(&[R1]));

    // Outside account 1 nothing changes: R2 reads SA's row by the superuser branch.
    let r2 = load(db, w.r2).await;
    assert_eq!(
        reads::<hr_note::Entity>(db, &r2, &o.hr).await.read,
        hr(&[SA, R2])
    );
}

/// `#[owned(superuser_rows_readable_by_all_accounts = false)]`: a superuser's row is no
/// longer read by users of other accounts, and everyone else who read it still does.
async fn superuser_rows_can_stay_out_of_other_accounts(db: &DatabaseConnection) {
    let o = OptionsWorld::build(db).await;
    let w = &o.w;
    let admin = |at: &[usize]| OptionsWorld::pick(o.admin, at);
    let docs = |at: &[usize]| OptionsWorld::pick(o.documents, at);
    give(
        db,
        "view",
        Target::object::<admin_note::Entity>(o.admin[SA]),
        Grantees::users([uid(o.r1b)]),
    )
    .await;

    // R1 and R2 share no account with SA: the default entity lets them read SA's document,
    // the admin notes keep SA's note from them. The staff branch is still on: R1 reads A1's.
    let r1 = load(db, w.r1).await;
    assert_eq!(
        reads::<document::Entity>(db, &r1, &o.documents).await.read,
        docs(&[SA, A1, R1])
    );
    let r1_admin = reads::<admin_note::Entity>(db, &r1, &o.admin).await;
    assert_eq!(
        (r1_admin.read, r1_admin.shared),
        (admin(&[A1, R1]), admin(&[A1]))
    );
    let r2 = load(db, w.r2).await;
    assert_eq!(
        reads::<document::Entity>(db, &r2, &o.documents).await.read,
        docs(&[SA, R2])
    );
    assert_eq!(
        reads::<admin_note::Entity>(db, &r2, &o.admin).await.read,
        admin(&[R2])
    );

    // A grant still counts; the owner and another superuser read everything.
    let r1b = reads::<admin_note::Entity>(db, &load(db, o.r1b).await, &o.admin).await;
    assert_eq!(r1b.read, admin(&[SA, A1]));
    let all = admin(&[SA, A1, R1, R2]);
    let sa = load(db, w.sa).await;
    assert_eq!(
        reads::<admin_note::Entity>(db, &sa, &o.admin).await.read,
        all
    );
    assert_eq!(manages::<admin_note::Entity>(db, &sa, &o.admin).await, all);
    let root = load(db, o.root).await;
    assert_eq!(
        reads::<admin_note::Entity>(db, &root, &o.admin).await.read,
        all
    );

    // SA is staff in its platform account too, so a member there still reads SA's note by
    // the staff branch, which this entity keeps on.
    let p1 = load(db, o.p1).await;
    assert_eq!(
        reads::<admin_note::Entity>(db, &p1, &o.admin).await.read,
        admin(&[SA])
    );
}
