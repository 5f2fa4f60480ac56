//! The trait `#[derive(Owned)]` implements: what the scopes need to know about an owned entity.

use sea_orm::EntityTrait;
use sea_orm::sea_query::{IntoTableRef, TableRef};

/// An entity whose rows each belong to one user profile and carry a name unique per owner.
///
/// Implemented by `#[derive(Owned)]` on the entity's `Model`; everything else in this crate
/// (scopes, checks, clone, typed duplicate errors) is generic over it. Implementing it by
/// hand is possible but the derive also validates the entity at compile time.
pub trait OwnedEntity: EntityTrait {
    /// The model name permissions are scoped by. No two entities on different tables may
    /// share one: a grant on an object admits the row with its id in every entity of its
    /// model name (two entities of one table, say one that declares root grants and one
    /// that does not, are the same rows and may). The derive's
    /// default is the table name, `"<schema>.<table>"` when the entity has
    /// `#[sea_orm(schema_name = "..")]`.
    const MODEL_NAME: &'static str;
    /// The `#[sea_orm(unique_key = "..")]` shared by the owner and name columns; SeaORM
    /// names the index it creates for it `idx-<table>-<key>`.
    const OWNER_NAME_KEY: &'static str;
    /// The permission name that lets a subject read a row (default `view`).
    const READ_PERMISSION: &'static str = "view";
    /// The permission name that lets a subject manage a row (default `change`).
    const MANAGE_PERMISSION: &'static str = "change";
    /// The permission name of deleting a row (default `delete`), which the
    /// [`Level::All`](crate::Level::All) level grants with the other two.
    const DELETE_PERMISSION: &'static str = "delete";
    /// The level the user who creates a row through
    /// [`insert_as`](crate::AuthorizedActiveModelExt::insert_as) is granted on it, beside
    /// what the ACL templates give (`#[owned(creator = "edit")]`; default: none). Its owner
    /// profile already manages the row; the grant is the user's own, and stays when the row
    /// moves to another owner.
    const CREATOR_LEVEL: Option<Level> = None;
    /// Whether rows owned by a staff user are readable by every member of the owning
    /// profile's account (default `true`; `#[owned(staff_rows_readable_by_account = false)]`).
    ///
    /// When `false`, a staff user's row is read by the rest of its account as any other
    /// member's row is: by the account's staff, who manage it, by superusers, and by
    /// whoever holds a grant on it. What staff manage (rule 2) does not change.
    const STAFF_ROWS_READABLE_BY_ACCOUNT: bool = true;
    /// Whether rows owned by a superuser are readable by every user with a profile in any
    /// account (default `true`;
    /// `#[owned(superuser_rows_readable_by_all_accounts = false)]`).
    ///
    /// When `false`, a superuser's row is read by other users as any user's row is: by
    /// other superusers, by the staff of the owning profile's account, by whoever holds a
    /// grant on it, and, when the superuser is staff too, by the members of that account as
    /// [`STAFF_ROWS_READABLE_BY_ACCOUNT`](Self::STAFF_ROWS_READABLE_BY_ACCOUNT) says.
    const SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS: bool = true;
    /// The root grants of a share (`#[owned(share(view = 2, change = 1, delete = 0))]`):
    /// each permission name a share of a row may hold, with how many more times it may be
    /// passed on from a share made by someone who manages the row. Empty (the default):
    /// the rows cannot be shared. Depths are at most [`MAX_SHARE_DEPTH`](crate::MAX_SHARE_DEPTH).
    const SHARE_ROOT: &'static [(&'static str, u32)] = &[];

    /// The actions the entity's policies name (`#[owned(policy(actions(..)))]`): a policy
    /// scope for any other action admits no row. Empty (the default): any action.
    const POLICY_ACTIONS: &'static [&'static str] = &[];

    /// The path of a row for policies (`#[owned(policy(path = "parcel/{org}/{id}"))]`):
    /// fixed segments and columns, whose values are taken as they are (a value holding `/`
    /// is one segment). Empty (the default): the entity has no path, and a policy scope
    /// admits none of its rows.
    fn policy_path() -> &'static [PathSegment<Self::Column>] {
        &[]
    }

    /// The single primary-key column (an integer, UUID or string key).
    fn id_column() -> Self::Column;
    /// The owner column: a user profile id.
    fn owner_column() -> Self::Column;
    /// The name column, unique together with the owner.
    fn name_column() -> Self::Column;
    /// The version column, if the entity has one (`#[owned(version)]`).
    fn version_column() -> Option<Self::Column> {
        None
    }

    /// The table of grants on single rows of this entity to users: `<table>_user_grant`,
    /// in the entity's schema. Its rows reference the owned row and the user with
    /// `ON DELETE CASCADE`, so a grant never outlives either (see
    /// `ownership_migration::create_owned_table`).
    fn user_grant_table() -> TableRef {
        table_beside::<Self>("user_grant")
    }

    /// The table of grants on single rows of this entity to groups: `<table>_group_grant`,
    /// like [`user_grant_table`](Self::user_grant_table).
    fn group_grant_table() -> TableRef {
        table_beside::<Self>("group_grant")
    }

    /// The table of this entity's shares: `<table>_share`, in the entity's schema, laid out
    /// as [`object_share`](crate::entity::object_share) describes. Only an entity with
    /// root grants ([`SHARE_ROOT`](Self::SHARE_ROOT)) has one.
    fn share_table() -> TableRef {
        table_beside::<Self>("share")
    }

    /// The table of the permission names each share holds: `<table>_share_name`.
    fn share_name_table() -> TableRef {
        table_beside::<Self>("share_name")
    }

    /// The name SeaORM gives the unique (owner, name) index: `idx-<table>-<key>`.
    fn owner_name_index() -> String {
        format!(
            "idx-{}-{}",
            Self::default().table_name(),
            Self::OWNER_NAME_KEY
        )
    }
}

/// An access level of django-object-acl: the permission names it grants on a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// Reading: the entity's read permission.
    View,
    /// Reading and editing: the read and manage permissions.
    Edit,
    /// Reading, editing and deleting: the read, manage and delete permissions.
    All,
}

impl Level {
    /// The permission names the level grants on rows of `E`, each once.
    ///
    /// ```
    /// # use ownership_core::Level;
    /// # mod document {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    /// #     #[sea_orm(table_name = "document")]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         pub id: i64,
    /// #         #[sea_orm(unique_key = "owner_name")]
    /// #         pub user_profile_id: i64,
    /// #         #[sea_orm(unique_key = "owner_name")]
    /// #         pub name: String,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// assert_eq!(Level::Edit.names::<document::Entity>(), ["view", "change"]);
    /// assert_eq!(Level::All.names::<document::Entity>(), ["view", "change", "delete"]);
    /// ```
    pub fn names<E: OwnedEntity>(self) -> Vec<&'static str> {
        let all = [
            E::READ_PERMISSION,
            E::MANAGE_PERMISSION,
            E::DELETE_PERMISSION,
        ];
        let count = match self {
            Level::View => 1,
            Level::Edit => 2,
            Level::All => 3,
        };
        let mut names: Vec<&'static str> = Vec::with_capacity(count);
        for name in &all[..count] {
            if !names.contains(name) {
                names.push(name);
            }
        }
        names
    }
}

impl Level {
    /// The level's name as stored: `view`, `edit` or `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::View => "view",
            Level::Edit => "edit",
            Level::All => "all",
        }
    }

    /// The level named `name`, as [`as_str`](Self::as_str) writes it.
    pub fn from_name(name: &str) -> Option<Self> {
        [Level::View, Level::Edit, Level::All]
            .into_iter()
            .find(|level| level.as_str() == name)
    }
}

/// One segment of an entity's policy path ([`OwnedEntity::policy_path`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSegment<C> {
    /// A fixed segment (`parcel`).
    Literal(&'static str),
    /// The row's value of this column (`{org}`): text, an integer or a UUID, written as
    /// Rust writes it (`42`, a lowercase hyphenated UUID).
    Column(C),
}

/// `<table>_<suffix>`, in the entity's schema: the tables that go with an owned table.
fn table_beside<E: OwnedEntity>(suffix: &str) -> TableRef {
    let entity = E::default();
    let table = format!("{}_{suffix}", entity.table_name());
    match entity.schema_name() {
        Some(schema) => (schema.to_owned(), table).into_table_ref(),
        None => table.into_table_ref(),
    }
}
