//! The queries timed on the library: Q1-Q4 with guardian-equivalent semantics composed
//! from the public API, and the library's own scopes with the full rules; each through
//! either entity on the `document` table, the plain one or the shareable one.

use ownership_core::{
    OwnershipCounts, OwnershipPages, OwnershipScopes, Permitted, ScopePage, Subject, holders,
};
use sea_orm::{DatabaseConnection, QueryOrder, QuerySelect, Select, SelectExt};

use crate::document::Documents;
use crate::error::Result;
use crate::expected::PAGE;

/// A bench user, loaded once (untimed) as the subject of its queries.
#[derive(Clone, Debug)]
pub struct BenchUser {
    /// The user id.
    pub id: i64,
    /// Its kind (`heavy`, `staff`, ...).
    pub kind: String,
    /// The subject, as `Subject::load` returned it.
    pub subject: Subject,
}

/// Q1-Q2's permission: `view` granted on the document (the load gives each owner `view`
/// and `change` grants, as guardian's mapping does), on the model or on everything, with
/// the superuser bypass.
fn q1_q2_permitted() -> Permitted {
    Permitted::any_of(["view"])
}

/// The ids of the scope's first page, as its query ordered by id and limited.
async fn first_page_ids<E: Documents>(
    db: &DatabaseConnection,
    select: Select<E>,
) -> Result<Vec<i64>> {
    let rows = select
        .order_by_asc(E::id_column())
        .limit(PAGE as u64)
        .all(db)
        .await?;
    Ok(rows.iter().map(E::id).collect())
}

/// The ids of a keyset page.
async fn keyset_ids<E: Documents>(
    db: &DatabaseConnection,
    page: ScopePage<'_, E>,
) -> Result<Vec<i64>> {
    Ok(page.all(db).await?.iter().map(E::id).collect())
}

/// Q1: the first page (50 by id) of the documents the user may view, as a keyset page.
pub async fn q1<E: Documents>(db: &DatabaseConnection, subject: &Subject) -> Result<Vec<i64>> {
    let permitted = q1_q2_permitted();
    keyset_ids(db, E::permitted_page(subject, &permitted, PAGE as u64)).await
}

/// Q2: how many documents the user may view.
pub async fn q2<E: Documents>(db: &DatabaseConnection, subject: &Subject) -> Result<u64> {
    let permitted = q1_q2_permitted();
    Ok(E::permitted_count(db, subject, &permitted).await?)
}

/// Q3: whether the user may view one document: `view` granted on that very document
/// (model-wide grants do not count; a superuser may).
pub async fn q3<E: Documents>(
    db: &DatabaseConnection,
    subject: &Subject,
    doc: i64,
) -> Result<bool> {
    let permitted = Permitted::any_of(["view"]).objects_only();
    Ok(E::find_id(doc)
        .permitted_for(subject, &permitted)
        .exists(db)
        .await?)
}

/// Q4: the active users holding a per-object permission on the document (directly or
/// through a group; the owner's user among them), ids ascending. Holders are read from the
/// grants: an entity's shares do not change the question.
pub async fn q4<E: Documents>(db: &DatabaseConnection, doc: i64) -> Result<Vec<i64>> {
    let users = holders(["view", "change"])
        .objects([E::object(doc)])
        .include_null_object(false)
        .users()?
        .all(db)
        .await?;
    // Ascending already: `all` orders the ids.
    Ok(users.iter().filter_map(|id| id.key().as_int()).collect())
}

/// The library's own scopes, with the full rules (staff, superusers, platform admin).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `owned_by`, first page.
    OwnedFirstPage,
    /// `readable_page`: the first page of the read scope, as a keyset page.
    ReadPage,
    /// `with_read_permission_for`, first page.
    ReadFirstPage,
    /// `readable_count`.
    ReadCount,
    /// `with_manage_permission_for`, first page.
    ManageFirstPage,
    /// `shared_with`, first page.
    SharedFirstPage,
    /// `shared_page`: the first page of `shared_with`, as a keyset page.
    SharedPage,
}

impl Scope {
    /// Every scope, in report order.
    pub const ALL: [Scope; 7] = [
        Scope::OwnedFirstPage,
        Scope::ReadPage,
        Scope::ReadFirstPage,
        Scope::ReadCount,
        Scope::ManageFirstPage,
        Scope::SharedFirstPage,
        Scope::SharedPage,
    ];

    /// The name in the result files.
    pub fn name(self) -> &'static str {
        match self {
            Scope::OwnedFirstPage => "owned_by_first_page",
            Scope::ReadPage => "read_page",
            Scope::ReadFirstPage => "read_first_page",
            Scope::ReadCount => "read_count",
            Scope::ManageFirstPage => "manage_first_page",
            Scope::SharedFirstPage => "shared_first_page",
            Scope::SharedPage => "shared_page",
        }
    }

    /// Runs the scope for the subject: the number of rows of the page, or the count.
    pub async fn run<E: Documents>(
        self,
        db: &DatabaseConnection,
        subject: &Subject,
    ) -> Result<u64> {
        let find = E::find();
        let rows = match self {
            Scope::ReadCount => return Ok(E::readable_count(db, subject).await?),
            Scope::OwnedFirstPage => first_page_ids(db, find.owned_by(subject)).await?,
            Scope::ReadPage => read_page::<E>(db, subject).await?,
            Scope::ReadFirstPage => read_first_page::<E>(db, subject).await?,
            Scope::ManageFirstPage => {
                first_page_ids(db, find.with_manage_permission_for(subject)).await?
            }
            Scope::SharedPage => shared_page::<E>(db, subject).await?,
            Scope::SharedFirstPage => shared_first_page::<E>(db, subject).await?,
        };
        Ok(rows.len() as u64)
    }
}

/// The first page of the read scope as a keyset page.
pub async fn read_page<E: Documents>(
    db: &DatabaseConnection,
    subject: &Subject,
) -> Result<Vec<i64>> {
    keyset_ids(db, E::readable_page(subject, PAGE as u64)).await
}

/// The first page of the read scope as the scope's query ordered and limited.
pub async fn read_first_page<E: Documents>(
    db: &DatabaseConnection,
    subject: &Subject,
) -> Result<Vec<i64>> {
    first_page_ids(db, E::find().with_read_permission_for(subject)).await
}

/// The first page of `shared_with` as a keyset page.
pub async fn shared_page<E: Documents>(
    db: &DatabaseConnection,
    subject: &Subject,
) -> Result<Vec<i64>> {
    keyset_ids(db, E::shared_page(subject, PAGE as u64)).await
}

/// The first page of `shared_with` as the scope's query ordered and limited.
pub async fn shared_first_page<E: Documents>(
    db: &DatabaseConnection,
    subject: &Subject,
) -> Result<Vec<i64>> {
    first_page_ids(db, E::find().shared_with(subject)).await
}
