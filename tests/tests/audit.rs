//! The audit trail on every backend, and what it relies on: a failed operation ends its
//! transaction at once.

use ownership_core::{
    Agent, AuthorizedGrants, Grantees, OwnershipError, OwnershipShares, ShareRequest, Target, grant,
};
use ownership_tests::entities::{document, shared_doc};
use ownership_tests::on_every_backend;
use ownership_tests::world::{self, SmarterWorld, load, uid};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

on_every_backend!(a_failed_grant_or_share_releases_its_locks_at_once);

/// A user handle no world creates.
const NOBODY: i64 = 987_654;

async fn new_shared_doc(db: &DatabaseConnection, owner_profile: i64, name: &str) -> i64 {
    shared_doc::ActiveModel {
        user_profile_id: Set(owner_profile),
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert a shared document")
    .id
}

/// A failed operation rolls back before returning: a transaction left open holds its locks
/// (on SQLite the database's) until its connection is used again, and a write on another
/// connection of the pool waits for them.
async fn a_failed_grant_or_share_releases_its_locks_at_once(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let shared = new_shared_doc(db, w.profiles[2], "shared").await;
    let nobody = Grantees::users([uid(NOBODY)]);
    for round in 0..8 {
        let refused = grant(
            db,
            "view",
            &Target::object::<document::Entity>(w.s_r1),
            &nobody,
        )
        .await;
        assert!(matches!(refused, Err(OwnershipError::UnknownUsers(_))));
        let refused =
            shared_doc::Entity::share(db, &r1, shared, &ShareRequest::to(Agent::User(uid(NOBODY))))
                .await;
        assert!(matches!(refused, Err(OwnershipError::UnknownUsers(_))));
        // Checked and locked as R1's own, then refused: the row's lock goes with the
        // transaction, so deleting the row at once does not wait for it.
        let mine = world::document(db, w.profiles[2], &format!("mine {round}")).await;
        let refused = document::Entity::grant_as(db, &r1, "view", [mine], &nobody).await;
        assert!(matches!(refused, Err(OwnershipError::UnknownUsers(_))));
        document::Entity::delete_by_id(mine)
            .exec(db)
            .await
            .expect("delete the row at once");
    }
}
