//! Demo data: two workspaces, users of every kind with a token each, a team, a few notes.

use ownership_core::{OwnedActiveModelExt, OwnershipError};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::api::token_digest;
use crate::entities::{api_tokens, memberships, notes, team_members, teams, users, workspaces};

/// A demo user and its token.
#[derive(Clone, Debug)]
pub struct DemoUser {
    /// The user's name (also its e-mail's local part).
    pub name: &'static str,
    /// `member`, `manager` or `admin`.
    pub role: &'static str,
    /// Its id.
    pub id: Uuid,
    /// Its bearer token.
    pub token: String,
}

/// What [`demo`] created.
#[derive(Clone, Debug)]
pub struct Demo {
    /// The users, in the order of [`DEMO_USERS`].
    pub users: Vec<DemoUser>,
    /// The team `reviewers` (bob is its member).
    pub reviewers: Uuid,
}

impl Demo {
    /// The user called `name`.
    pub fn user(&self, name: &str) -> &DemoUser {
        self.users
            .iter()
            .find(|user| user.name == name)
            .unwrap_or_else(|| panic!("no demo user {name}"))
    }
}

/// The demo users: name, role, workspace (`None`: a member of none).
pub const DEMO_USERS: [(&str, &str, Option<&str>); 6] = [
    ("ada", "member", Some("acme")),
    ("bob", "member", Some("acme")),
    ("carol", "manager", Some("acme")),
    ("dan", "admin", Some("acme")),
    ("eve", "member", Some("globex")),
    ("zoe", "member", None),
];

/// A new random token: 256 bits from the operating system's generator, in hex.
pub fn new_token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// Creates the demo data, with a fresh token for each user.
pub async fn demo<C: ConnectionTrait>(db: &C) -> Result<Demo, OwnershipError> {
    let mut workspace_ids = Vec::new();
    for name in ["acme", "globex"] {
        let workspace = workspaces::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(name.to_owned()),
        }
        .insert(db)
        .await?;
        workspace_ids.push((name, workspace.id));
    }
    let reviewers = teams::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set("reviewers".to_owned()),
    }
    .insert(db)
    .await?
    .id;
    let mut demo_users = Vec::new();
    for (name, role, workspace) in DEMO_USERS {
        let id = Uuid::new_v4();
        users::ActiveModel {
            id: Set(id),
            email: Set(format!("{name}@example.com")),
            role: Set(role.to_owned()),
            disabled: Set(false),
        }
        .insert(db)
        .await?;
        let token = new_token();
        api_tokens::ActiveModel {
            token_sha256: Set(token_digest(&token)),
            user_id: Set(id),
        }
        .insert(db)
        .await?;
        if let Some((_, workspace_id)) = workspace_ids.iter().find(|(w, _)| Some(*w) == workspace) {
            memberships::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(id),
                workspace_id: Set(*workspace_id),
            }
            .insert(db)
            .await?;
        }
        demo_users.push(DemoUser {
            name,
            role,
            id,
            token,
        });
    }
    let demo = Demo {
        users: demo_users,
        reviewers,
    };
    team_members::ActiveModel {
        team_id: Set(reviewers),
        user_id: Set(demo.user("bob").id),
    }
    .insert(db)
    .await?;
    for (owner, title) in [
        ("ada", "plan"),
        ("ada", "draft"),
        ("carol", "budget"),
        ("eve", "secret"),
    ] {
        let membership = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(demo.user(owner).id))
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("{owner}'s membership")))?;
        notes::ActiveModel {
            membership_id: Set(membership.id),
            title: Set(title.to_owned()),
            body: Set(format!("{owner}'s {title}")),
            created_at: Set(crate::now_ms()),
            ..Default::default()
        }
        .insert_owned(db)
        .await?;
    }
    Ok(demo)
}
