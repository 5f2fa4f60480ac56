//! The identity: where users, profiles and groups live. A misconfigured identity is a typed
//! error naming what is wrong (when it is built, or when `verify` asks the database), an id
//! of another key type is refused before anything is asked or written, and the identity in
//! use cannot be swapped under a running program.
//!
//! Runs against whichever identity the process uses (the embedded tables, or the
//! application's with `OWNERSHIP_TEST_IDENTITY=app`).

use ownership_core::{
    Grantees, GroupId, Groups, Identity, IdentityProblem, Key, KeyType, OwnershipError, Profiles,
    Subject, Target, UserFlag, UserId, Users, Uuid, grant, permissions_of,
};
use ownership_tests::entities::document;
use ownership_tests::world::{self, Role, app_mode, gid, uid};
use ownership_tests::{app_identity, on_every_backend};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, Schema,
};

on_every_backend!(
    the_identity_in_use_verifies,
    tables_and_columns_that_are_not_there_are_named,
    an_id_of_another_key_type_is_refused,
    the_identity_in_use_cannot_be_replaced,
);

/// The tables as they are in the database.
mod people {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "people")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

mod people_memberships {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "people_memberships")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub person_id: i64,
        pub tenant_id: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The same tables as an application misdeclares them: UUID keys where the database has
/// integers, a `role` column it does not have, groups in tables that do not exist.
mod declared {
    pub mod person {
        use sea_orm::entity::prelude::*;

        #[sea_orm::model]
        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "people")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub role: String,
            pub archived: f64,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod membership {
        use sea_orm::entity::prelude::*;

        #[sea_orm::model]
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "people_memberships")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            pub person_id: Uuid,
            pub tenant_id: i64,
            pub joined: bool,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod crew {
        use sea_orm::entity::prelude::*;

        #[sea_orm::model]
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "crews")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i32,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod crew_member {
        use sea_orm::entity::prelude::*;

        #[sea_orm::model]
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "crew_members")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub crew_id: i32,
            #[sea_orm(primary_key, auto_increment = false)]
            pub person_id: Uuid,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }
}

/// An identity over the misdeclared entities with these users: memberships and crews keyed
/// as the users are.
fn declared_identity(users: Users) -> Result<Identity, OwnershipError> {
    use declared::{crew, crew_member, membership};
    Identity::new(
        users,
        Profiles::new(
            membership::Column::Id,
            membership::Column::PersonId,
            membership::Column::TenantId,
        ),
        Groups::new(
            crew::Column::Id,
            crew_member::Column::PersonId,
            crew_member::Column::CrewId,
        ),
    )
}

/// The identity an application would build from the misdeclared entities: well formed, so
/// only the database can tell it is wrong.
fn misdeclared() -> Identity {
    use declared::person;
    declared_identity(
        Users::new(person::Column::Id).staff(UserFlag::equals(person::Column::Role, "staff")),
    )
    .expect("a well-formed identity")
}

fn problems<T: std::fmt::Debug>(result: Result<T, OwnershipError>) -> Vec<IdentityProblem> {
    match result {
        Err(OwnershipError::InvalidIdentity(problems)) => problems,
        other => panic!("expected InvalidIdentity, got {other:?}"),
    }
}

/// The parts of the identity an error names, in order.
fn parts(problems: &[IdentityProblem]) -> Vec<&'static str> {
    problems.iter().map(|p| p.part).collect()
}

fn columns(problems: &[IdentityProblem]) -> Vec<&str> {
    problems.iter().map(|p| p.column.as_str()).collect()
}

async fn the_identity_in_use_verifies(db: &DatabaseConnection) {
    Identity::current()
        .verify(db)
        .await
        .expect("the identity the tables were made for");
    // The other one's tables are not in this database: every part is named.
    let other = if app_mode() {
        Identity::embedded()
    } else {
        app_identity::identity()
    };
    let found = problems(other.verify(db).await);
    let named = columns(&found);
    let users = other.user_id_column();
    assert!(
        named.contains(&format!("{}.{}", table_name(&users.table), users.column).as_str()),
        "{found:?}"
    );
    assert!(
        found.len() >= 7,
        "every part of the missing tables: {found:?}"
    );
}

async fn tables_and_columns_that_are_not_there_are_named(db: &DatabaseConnection) {
    let schema = Schema::new(db.get_database_backend());
    db.execute(&schema.create_table_from_entity(people::Entity))
        .await
        .unwrap();
    db.execute(&schema.create_table_from_entity(people_memberships::Entity))
        .await
        .unwrap();
    let found = problems(misdeclared().verify(db).await);
    let named = columns(&found);
    for missing in [
        "people.role",
        "crews.id",
        "crew_members.person_id",
        "crew_members.crew_id",
    ] {
        assert!(named.contains(&missing), "{missing} in {found:?}");
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // PostgreSQL compares types strictly: UUIDs against integer columns.
        for mistyped in ["people.id", "people_memberships.person_id"] {
            assert!(named.contains(&mistyped), "{mistyped} in {found:?}");
        }
    }
    for present in ["people_memberships.id", "people_memberships.tenant_id"] {
        assert!(!named.contains(&present), "{present} in {found:?}");
    }
}

#[test]
fn an_identity_that_cannot_work_is_refused_when_built() {
    use declared::{crew, crew_member, membership, person};
    let refused = Identity::new(
        Users::new(person::Column::Id)
            // A flag read from another table.
            .superuser(UserFlag::column(membership::Column::Joined)),
        // A key of a type no key has; the user column's type is the users' key's.
        Profiles::new(
            membership::Column::Joined,
            membership::Column::PersonId,
            membership::Column::TenantId,
        ),
        // Well formed: members keyed by UUID like the users, crews by i32 on both sides.
        Groups::new(
            crew::Column::Id,
            crew_member::Column::PersonId,
            crew_member::Column::CrewId,
        ),
    );
    let found = problems(refused);
    assert_eq!(parts(&found), ["profiles", "users.superuser"], "{found:?}");

    // Columns referring to users with another type than the users' key, and a key of no
    // key type: all reported at once.
    let refused = Identity::new(
        Users::new(crew::Column::Id),
        Profiles::new(
            membership::Column::Id,
            membership::Column::PersonId,
            membership::Column::TenantId,
        ),
        Groups::new(
            person::Column::Archived,
            crew_member::Column::PersonId,
            crew_member::Column::CrewId,
        ),
    );
    let found = problems(refused);
    assert_eq!(
        parts(&found),
        [
            "groups",
            "users.security_stamp",
            "profiles.user",
            "group memberships.user"
        ],
        "{found:?}"
    );
}

#[test]
fn users_whose_ids_may_come_back_need_a_stamp_or_say_they_do_not() {
    use declared::{crew, crew_member, membership, person};
    // Integer user ids, no stamp: a subject loaded for a deleted user would reach the next
    // user given its id.
    let crews_as_users = |users: Users| {
        Identity::new(
            users,
            Profiles::new(
                membership::Column::Id,
                membership::Column::TenantId,
                membership::Column::TenantId,
            ),
            Groups::new(
                crew::Column::Id,
                crew_member::Column::CrewId,
                crew_member::Column::CrewId,
            ),
        )
    };
    let found = problems(crews_as_users(Users::new(crew::Column::Id)));
    assert_eq!(parts(&found), ["users.security_stamp"], "{found:?}");
    assert_eq!(columns(&found), ["crews.id"]);
    assert!(
        found[0].to_string().contains("ids_never_reused()"),
        "{}",
        found[0]
    );
    crews_as_users(Users::new(crew::Column::Id).ids_never_reused())
        .expect("ids the database never reuses need no stamp");
    // UUIDs are not reused: no stamp needed.
    declared_identity(Users::new(person::Column::Id)).expect("UUID user ids need no stamp");
}

async fn an_id_of_another_key_type_is_refused(db: &DatabaseConnection) {
    let identity = Identity::current();
    let (wrong_user, wrong_group): (UserId, GroupId) = match identity.user_key() {
        KeyType::Uuid => (7.into(), 7.into()),
        _ => (Uuid::nil().into(), Uuid::nil().into()),
    };
    let wrong_kind = |err: Result<_, OwnershipError>, what: &str| match err {
        Err(OwnershipError::WrongKeyType {
            what: refused,
            given,
            expected,
        }) => {
            assert_eq!(refused, what);
            assert_ne!(given, expected);
        }
        other => panic!(
            "expected WrongKeyType for {what}, got {:?}",
            other.map(|_| ())
        ),
    };
    wrong_kind(
        Subject::load(db, wrong_user.clone()).await.map(|_| ()),
        "user id",
    );

    let u = world::user(db, "u", Role::Regular).await;
    let g = world::group(db, "g", &[u]).await;
    let a = world::account(db, "a").await;
    let p = world::profile(db, u, a).await;
    let d = world::document(db, p, "d").await;
    let before = document::Entity::find().count(db).await.unwrap();
    for target in [Target::everything(), Target::object::<document::Entity>(d)] {
        wrong_kind(
            grant(
                db,
                "view",
                &target,
                &Grantees::users([uid(u), wrong_user.clone()]),
            )
            .await,
            "user id",
        );
        wrong_kind(
            grant(
                db,
                "view",
                &target,
                &Grantees::groups([gid(g), wrong_group.clone()]),
            )
            .await,
            "group id",
        );
    }
    wrong_kind(permissions_of([wrong_user], []).map(|_| ()), "user id");
    wrong_kind(permissions_of([], [wrong_group]).map(|_| ()), "group id");
    // Nothing was granted.
    let held = permissions_of([uid(u)], [gid(g)])
        .unwrap()
        .all(db)
        .await
        .unwrap();
    assert!(held.is_empty(), "{held:?}");
    assert_eq!(document::Entity::find().count(db).await.unwrap(), before);
    // The right kind loads.
    let subject = Subject::load(db, uid(u)).await.unwrap();
    assert_eq!(subject.user_id(), Some(&uid(u)));
    assert_eq!(
        subject.user().unwrap().profiles[0].id.key(),
        &Key::Int(p),
        "profiles are keyed by integers in both identities"
    );
}

async fn the_identity_in_use_cannot_be_replaced(_db: &DatabaseConnection) {
    for other in [Identity::embedded(), app_identity::identity()] {
        assert!(matches!(
            other.install(),
            Err(OwnershipError::IdentityAlreadyInstalled)
        ));
    }
    assert_eq!(Identity::current().is_embedded(), !app_mode());
}

/// The name of a table, for comparing with a problem's column.
fn table_name(table: &sea_orm::sea_query::TableRef) -> String {
    match table {
        sea_orm::sea_query::TableRef::Table(name, _) => name.1.to_string(),
        other => panic!("not a table: {other:?}"),
    }
}
