//! An application's own identity, unlike the embedded one in every way the library must not
//! care about: users keyed by UUID in `app_users`, with a `role` column for staff and
//! superuser (every combination of the two has a role) and a `disabled` column for activity; tenants and memberships under other
//! names, with the member column `person_id`; teams keyed by a string slug.
//!
//! The suites run against it when `OWNERSHIP_TEST_IDENTITY=app` is set (see
//! [`crate::TestDb`]): [`crate::world`] creates users, profiles and groups here then, and
//! hands the tests the same integer handles as with the embedded tables.

use ownership_core::{Groups, Identity, Profiles, UserFlag, Users, Uuid};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Schema};

/// The application's users.
pub mod app_user {
    use sea_orm::entity::prelude::*;

    /// A user of the application.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "app_users")]
    pub struct Model {
        /// The user id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Unique login.
        #[sea_orm(unique)]
        pub email: String,
        /// `member`, `staff`, `admin` (staff and superuser) or `root` (superuser only).
        pub role: String,
        /// A disabled user is inactive.
        pub disabled: bool,
        /// A random value per row, rotated to end every session.
        pub login_token: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The application's tenants.
pub mod tenant {
    use sea_orm::entity::prelude::*;

    /// A tenant.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tenants")]
    pub struct Model {
        /// The tenant id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Its name.
        pub title: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A user's membership in a tenant: what owned rows belong to.
pub mod tenant_member {
    use sea_orm::entity::prelude::*;

    /// A membership.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tenant_members")]
    pub struct Model {
        /// The membership id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The member.
        #[sea_orm(unique_key = "person_tenant")]
        pub person_id: Uuid,
        /// The tenant.
        #[sea_orm(unique_key = "person_tenant")]
        pub tenant_id: i64,
        /// The member.
        #[sea_orm(belongs_to, from = "person_id", to = "id", on_delete = "Cascade")]
        pub person: BelongsTo<super::app_user::Entity>,
        /// The tenant.
        #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
        pub tenant: BelongsTo<super::tenant::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The application's teams, keyed by a slug.
pub mod team {
    use sea_orm::entity::prelude::*;

    /// A team.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "teams")]
    pub struct Model {
        /// The slug.
        #[sea_orm(
            primary_key,
            auto_increment = false,
            column_type = "String(StringLen::N(40))"
        )]
        pub slug: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Who is in which team.
pub mod team_member {
    use sea_orm::entity::prelude::*;

    /// A team membership.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "team_members")]
    pub struct Model {
        /// The team.
        #[sea_orm(
            primary_key,
            auto_increment = false,
            column_type = "String(StringLen::N(40))"
        )]
        pub team_slug: String,
        /// The member.
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: Uuid,
        /// The team.
        #[sea_orm(belongs_to, from = "team_slug", to = "slug", on_delete = "Cascade")]
        pub team: BelongsTo<super::team::Entity>,
        /// The member.
        #[sea_orm(belongs_to, from = "person_id", to = "id", on_delete = "Cascade")]
        pub person: BelongsTo<super::app_user::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The identity of these tables.
pub fn identity() -> Identity {
    Identity::new(
        Users::new(app_user::Column::Id)
            .active(UserFlag::column_is(app_user::Column::Disabled, false))
            .staff(UserFlag::any_of(app_user::Column::Role, ["staff", "admin"]))
            .superuser(UserFlag::any_of(app_user::Column::Role, ["admin", "root"]))
            .security_stamp(app_user::Column::LoginToken),
        Profiles::new(
            tenant_member::Column::Id,
            tenant_member::Column::PersonId,
            tenant_member::Column::TenantId,
        ),
        Groups::new(
            team::Column::Slug,
            team_member::Column::PersonId,
            team_member::Column::TeamSlug,
        ),
    )
    .expect("the application's identity is well formed")
}

/// The user id of a handle: the tests count users with integers, the application keys them
/// by UUID.
pub fn user_key(handle: i64) -> Uuid {
    Uuid::from_u64_pair(0xA11C_E000, handle as u64)
}

/// The handle of a user id made by [`user_key`].
pub fn user_handle(key: Uuid) -> i64 {
    key.as_u64_pair().1 as i64
}

/// The slug of a group handle.
pub fn group_key(handle: i64) -> String {
    format!("team-{handle}")
}

/// The handle of a slug made by [`group_key`].
pub fn group_handle(slug: &str) -> i64 {
    slug.strip_prefix("team-")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a test team slug: {slug:?}"))
}

/// Creates the application's identity tables (before the ownership migrations, whose
/// grant tables reference them).
pub async fn create_tables(db: &DatabaseConnection) -> Result<(), DbErr> {
    let schema = Schema::new(db.get_database_backend());
    create(db, &schema, app_user::Entity).await?;
    create(db, &schema, tenant::Entity).await?;
    create(db, &schema, tenant_member::Entity).await?;
    create(db, &schema, team::Entity).await?;
    create(db, &schema, team_member::Entity).await
}

async fn create<E: EntityTrait>(
    db: &DatabaseConnection,
    schema: &Schema,
    entity: E,
) -> Result<(), DbErr> {
    db.execute(&schema.create_table_from_entity(entity)).await?;
    for index in schema.create_index_from_entity(entity) {
        db.execute(&index).await?;
    }
    Ok(())
}
