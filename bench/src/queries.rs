//! The queries timed on the library: Q1-Q4 with guardian-equivalent semantics composed
//! from the public API, and the library's own scopes with the full rules.

use ownership_core::{ObjectRef, OwnershipScopes, Permitted, Subject, holders};
use sea_orm::{
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect, Select, SelectExt,
};

use crate::document;
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

/// Q1-Q2's documents: `view` granted on them (the load gives each owner `view` and
/// `change` grants, as guardian's mapping does), on the model or on everything, with the
/// superuser bypass.
fn q1_q2_documents(subject: &Subject) -> Select<document::Entity> {
    document::Entity::find().permitted_for(subject, &Permitted::any_of(["view"]))
}

/// The first page, by id.
fn first_page(select: Select<document::Entity>) -> Select<document::Entity> {
    select.order_by_asc(document::Column::Id).limit(PAGE as u64)
}

/// The ids of the rows.
async fn ids(db: &DatabaseConnection, select: Select<document::Entity>) -> Result<Vec<i64>> {
    Ok(select.all(db).await?.into_iter().map(|d| d.id).collect())
}

/// Q1: the first page (50 by id) of the documents the user may view.
pub async fn q1(db: &DatabaseConnection, subject: &Subject) -> Result<Vec<i64>> {
    ids(db, first_page(q1_q2_documents(subject))).await
}

/// Q2: how many documents the user may view.
pub async fn q2(db: &DatabaseConnection, subject: &Subject) -> Result<u64> {
    Ok(q1_q2_documents(subject).count(db).await?)
}

/// Q3: whether the user may view one document: `view` granted on that very document
/// (model-wide grants do not count; a superuser may).
pub async fn q3(db: &DatabaseConnection, subject: &Subject, doc: i64) -> Result<bool> {
    let permitted = Permitted::any_of(["view"]).objects_only();
    Ok(document::Entity::find_by_id(doc)
        .permitted_for(subject, &permitted)
        .exists(db)
        .await?)
}

/// Q4: the active users holding a per-object permission on the document (directly or
/// through a group; the owner's user among them), ids ascending.
pub async fn q4(db: &DatabaseConnection, doc: i64) -> Result<Vec<i64>> {
    let users = holders(["view", "change"])
        .objects([ObjectRef::of::<document::Entity>(doc)])
        .include_null_object(false)
        .users()?
        .all(db)
        .await?;
    let mut ids: Vec<i64> = users.into_iter().map(|u| u.id).collect();
    ids.sort_unstable();
    Ok(ids)
}

/// The library's own scopes, with the full rules (staff, superusers, platform admin).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `owned_by`, first page.
    OwnedFirstPage,
    /// `with_read_permission_for`, first page.
    ReadFirstPage,
    /// `with_read_permission_for`, count.
    ReadCount,
    /// `with_ownership_permission_for`, first page.
    ManageFirstPage,
    /// `shared_with`, first page.
    SharedFirstPage,
}

impl Scope {
    /// Every scope, in report order.
    pub const ALL: [Scope; 5] = [
        Scope::OwnedFirstPage,
        Scope::ReadFirstPage,
        Scope::ReadCount,
        Scope::ManageFirstPage,
        Scope::SharedFirstPage,
    ];

    /// The name in the result files.
    pub fn name(self) -> &'static str {
        match self {
            Scope::OwnedFirstPage => "owned_by_first_page",
            Scope::ReadFirstPage => "read_first_page",
            Scope::ReadCount => "read_count",
            Scope::ManageFirstPage => "manage_first_page",
            Scope::SharedFirstPage => "shared_first_page",
        }
    }

    /// Runs the scope for the subject: the number of rows of the page, or the count.
    pub async fn run(self, db: &DatabaseConnection, subject: &Subject) -> Result<u64> {
        let find = document::Entity::find();
        let page = match self {
            Scope::OwnedFirstPage => find.owned_by(subject),
            Scope::ReadFirstPage => find.with_read_permission_for(subject),
            Scope::ReadCount => {
                return Ok(find.with_read_permission_for(subject).count(db).await?);
            }
            Scope::ManageFirstPage => find.with_ownership_permission_for(subject),
            Scope::SharedFirstPage => find.shared_with(subject),
        };
        Ok(ids(db, first_page(page)).await?.len() as u64)
    }
}
