//! The service's tables: its own users (keyed by UUID), their API tokens, workspaces and
//! memberships in them, teams, and the one owned entity, notes.

pub mod users {
    //! A person who signs in. `role` is `member` or `admin` (an admin is a superuser).
    use sea_orm::entity::prelude::*;

    /// A user.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        /// The user's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The sign-in address.
        #[sea_orm(unique)]
        pub email: String,
        /// `member` or `admin`.
        pub role: String,
        /// A disabled user may do nothing, even with a snapshot loaded before.
        pub disabled: bool,
    }

    /// No relations the library needs.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_tokens {
    //! A bearer token of a user, stored as its SHA-256 so that a leaked table signs no one
    //! in.
    use sea_orm::entity::prelude::*;

    /// A token.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        /// The token's SHA-256, in hex.
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_sha256: String,
        /// Whose token it is.
        pub user_id: Uuid,
    }

    /// No relations the library needs.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod workspaces {
    //! A tenant: its members' notes are readable by its admins.
    use sea_orm::entity::prelude::*;

    /// A workspace.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "workspaces")]
    pub struct Model {
        /// The workspace's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Its name.
        pub name: String,
    }

    /// No relations the library needs.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod memberships {
    //! One user in one workspace: what a note is owned by (the library's "profile").
    use sea_orm::entity::prelude::*;

    /// A membership.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "memberships")]
    pub struct Model {
        /// The membership's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The member.
        pub user_id: Uuid,
        /// The workspace.
        pub workspace_id: Uuid,
    }

    /// No relations the library needs.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod teams {
    //! A team: notes are shared with a team's members as they are when a query runs.
    use sea_orm::entity::prelude::*;

    /// A team.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "teams")]
    pub struct Model {
        /// The team's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Its name.
        pub name: String,
    }

    /// No relations the library needs.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod team_members {
    //! A user in a team.
    use sea_orm::entity::prelude::*;

    /// A team membership.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "team_members")]
    pub struct Model {
        /// The team.
        #[sea_orm(primary_key, auto_increment = false)]
        pub team_id: Uuid,
        /// The member.
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
    }

    /// No relations the library needs.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod notes {
    //! A note, owned by a membership. It may be shared: `view` passed on once more,
    //! `change` and `delete` not again.
    use sea_orm::entity::prelude::*;

    /// A note.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "notes")]
    #[owned(model_name = "note", share(view = 1, change = 0, delete = 0))]
    pub struct Model {
        /// The note's id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The owner: a membership.
        #[owned(owner)]
        #[sea_orm(unique_key = "owner_title")]
        pub membership_id: Uuid,
        /// The title, unique per owner.
        #[owned(name)]
        #[sea_orm(unique_key = "owner_title")]
        pub title: String,
        /// The text.
        pub body: String,
        /// When it was created, in Unix milliseconds.
        pub created_at: i64,
    }

    /// No relations: the migration helper adds the owner's foreign key.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
