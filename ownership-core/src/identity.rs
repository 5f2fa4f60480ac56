//! Where the application's users, profiles (memberships in accounts), groups and group
//! memberships live: tables, columns, key types, and how each user flag is read.
//!
//! Below the sources: the ownership and grant sources read the identity's tables through
//! it, and only through it, so the embedded `ownership_*` tables are one configuration
//! among others.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use sea_orm::sea_query::{
    DynIden, Expr, ExprTrait, IntoIden, JoinType, Query, SelectStatement, TableRef,
};
use sea_orm::{ColumnTrait, ColumnType, ConnectionTrait, EntityName, Value};

use crate::entity::{group, group_member, user, user_profile};
use crate::error::{IdentityProblem, OwnershipError, check_key_type};
use crate::key::{GroupId, Key, KeyType, UserId};
use crate::registry;

/// How a flag of a user (`is_active`, `is_staff`, `is_superuser`) is read from the user's
/// row: a boolean column, a condition on a column (a `role` column, say), or a fixed value
/// when the application's users have no such notion.
///
/// ```
/// use ownership_core::UserFlag;
/// # mod users {
/// #     use sea_orm::entity::prelude::*;
/// #     #[sea_orm::model]
/// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "users")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key, auto_increment = false)]
/// #         pub id: Uuid,
/// #         pub role: String,
/// #         pub disabled: bool,
/// #     }
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// let staff = UserFlag::any_of(users::Column::Role, ["staff", "admin"]);
/// let superuser = UserFlag::equals(users::Column::Role, "admin");
/// let active = UserFlag::column_is(users::Column::Disabled, false);
/// let never = UserFlag::always(false);
/// ```
#[derive(Clone, Debug)]
pub struct UserFlag {
    rule: FlagRule,
    /// The table the flag's column belongs to, checked against the user table.
    table: Option<DynIden>,
}

#[derive(Clone, Debug)]
enum FlagRule {
    /// `column = value` (with `TRUE`/`FALSE` written into the SQL for a boolean column).
    Equals(DynIden, Value),
    /// `column IN (values)`.
    AnyOf(DynIden, Vec<Value>),
    /// A constant.
    Always(bool),
}

impl UserFlag {
    /// Set when this boolean column is true.
    pub fn column(column: impl ColumnTrait) -> Self {
        Self::column_is(column, true)
    }

    /// Set when this boolean column holds `value` (a `disabled` column read as
    /// `is_active`: `column_is(Disabled, false)`).
    pub fn column_is(column: impl ColumnTrait, value: bool) -> Self {
        Self::on(&column, FlagRule::Equals(column.into_iden(), value.into()))
    }

    /// Set when this column equals `value`.
    pub fn equals(column: impl ColumnTrait, value: impl Into<Value>) -> Self {
        Self::on(&column, FlagRule::Equals(column.into_iden(), value.into()))
    }

    /// Set when this column holds one of `values` (none: never set).
    pub fn any_of<V: Into<Value>>(
        column: impl ColumnTrait,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let values = values.into_iter().map(Into::into).collect();
        Self::on(&column, FlagRule::AnyOf(column.into_iden(), values))
    }

    /// Always `value`, for every user.
    pub fn always(value: bool) -> Self {
        Self {
            rule: FlagRule::Always(value),
            table: None,
        }
    }

    fn on(column: &impl ColumnTrait, rule: FlagRule) -> Self {
        Self {
            rule,
            table: Some(column.entity_name()),
        }
    }

    /// The flag of the user row aliased `user`, as a condition. A boolean compared with a
    /// constant has the constant written into the SQL rather than bound: a prepared
    /// statement's generic plan on PostgreSQL then still knows which value it looks for,
    /// and reaches the few superusers through the flag's index instead of scanning.
    pub(crate) fn holds(&self, user: &'static str) -> Expr {
        match &self.rule {
            FlagRule::Equals(column, Value::Bool(Some(value))) => Expr::col((user, column.clone()))
                .eq(Expr::cust(if *value { "TRUE" } else { "FALSE" })),
            FlagRule::Equals(column, value) => Expr::col((user, column.clone())).eq(value.clone()),
            FlagRule::AnyOf(_, values) if values.is_empty() => Expr::cust("1 = 0"),
            FlagRule::AnyOf(column, values) => {
                Expr::col((user, column.clone())).is_in(values.iter().cloned())
            }
            FlagRule::Always(true) => Expr::cust("1 = 1"),
            FlagRule::Always(false) => Expr::cust("1 = 0"),
        }
    }

    /// Whether the flag is the constant `false`: a branch that needs it can be left out.
    pub(crate) fn is_never(&self) -> bool {
        matches!(self.rule, FlagRule::Always(false))
    }

    fn column_name(&self) -> Option<&DynIden> {
        match &self.rule {
            FlagRule::Equals(column, _) | FlagRule::AnyOf(column, _) => Some(column),
            FlagRule::Always(_) => None,
        }
    }
}

/// A table and the key type of its primary key.
#[derive(Clone, Debug)]
pub(crate) struct KeyedTable {
    pub(crate) table: TableRef,
    /// The table's name, for messages and checks.
    pub(crate) name: String,
    pub(crate) id: DynIden,
    pub(crate) key: KeyType,
    /// The key column's type, for the tables whose columns reference it.
    column_type: ColumnType,
}

impl KeyedTable {
    /// The table, its key column and the key's type.
    pub(crate) fn parts(&self) -> (&TableRef, &DynIden, KeyType) {
        (&self.table, &self.id, self.key)
    }

    fn key_column(&self) -> KeyColumn {
        KeyColumn {
            table: self.table.clone(),
            column: self.id.clone(),
            column_type: self.column_type.clone(),
        }
    }
}

/// A key column of an identity (the users', profiles' or groups' id): what the plugin's
/// tables and an owned table reference with their foreign keys, in its own type.
#[derive(Clone, Debug)]
pub struct KeyColumn {
    /// The table, with its schema.
    pub table: TableRef,
    /// The key column.
    pub column: DynIden,
    /// The column's type: a column referencing it has the same.
    pub column_type: ColumnType,
}

/// The users: who a [`Subject`](crate::Subject) is loaded for, and grantees.
#[derive(Clone, Debug)]
pub struct Users {
    pub(crate) keyed: KeyedTable,
    pub(crate) active: UserFlag,
    pub(crate) staff: UserFlag,
    pub(crate) superuser: UserFlag,
    pub(crate) security_stamp: Option<DynIden>,
    ids_never_reused: bool,
    problems: Vec<IdentityProblem>,
}

impl Users {
    /// The users are the rows of `id`'s table, keyed by it. Every user is active, none is
    /// staff or superuser and there is no security stamp until said otherwise.
    pub fn new(id: impl ColumnTrait) -> Self {
        let mut problems = Vec::new();
        Self {
            keyed: keyed(&id, "users", &mut problems),
            active: UserFlag::always(true),
            staff: UserFlag::always(false),
            superuser: UserFlag::always(false),
            security_stamp: None,
            ids_never_reused: false,
            problems,
        }
    }

    /// How `is_active` is read: an inactive user is denied everything.
    pub fn active(mut self, flag: UserFlag) -> Self {
        self.active = flag;
        self
    }

    /// How `is_staff` is read: staff manage every row owned in an account where they hold
    /// a profile.
    pub fn staff(mut self, flag: UserFlag) -> Self {
        self.staff = flag;
        self
    }

    /// How `is_superuser` is read: superusers read and manage everything.
    pub fn superuser(mut self, flag: UserFlag) -> Self {
        self.superuser = flag;
        self
    }

    /// A string column holding a random value per user row, compared by every scope with
    /// the value the subject was loaded with: a user created with the id of a deleted one
    /// (integer keys reused by SQLite, say) is then still another user, and rotating the
    /// value makes every subject loaded before get nothing. Without one, a subject is the
    /// row with its id, whoever that is when the scope runs: users keyed by integers or
    /// strings need a stamp, or [`ids_never_reused`](Self::ids_never_reused).
    pub fn security_stamp(mut self, column: impl ColumnTrait) -> Self {
        self.check_table(&column, "users.security_stamp");
        self.security_stamp = Some(column.into_iden());
        self
    }

    /// Says that the database never gives a new user the id of a deleted one, so users
    /// keyed by integers or strings need no [`security_stamp`](Self::security_stamp).
    /// True of a PostgreSQL sequence or identity column; not of SQLite's `INTEGER PRIMARY
    /// KEY` without `AUTOINCREMENT`, which reuses the highest id after a delete, nor of
    /// MySQL before 8.0 and MariaDB, whose `AUTO_INCREMENT` restarts after the highest id
    /// when the server restarts, nor of usernames or e-mail addresses a new account may
    /// take. Users keyed by UUID need neither.
    pub fn ids_never_reused(mut self) -> Self {
        self.ids_never_reused = true;
        self
    }

    fn check_table(&mut self, column: &impl ColumnTrait, what: &'static str) {
        if column.entity_name().to_string() != self.keyed.name {
            self.problems.push(IdentityProblem::new(
                what,
                column,
                "is not a column of the users table",
            ));
        }
    }
}

/// The user profiles: one user's membership in one account, and what an owned row's owner
/// column holds.
#[derive(Clone, Debug)]
pub struct Profiles {
    pub(crate) keyed: KeyedTable,
    pub(crate) user: DynIden,
    pub(crate) account: DynIden,
    pub(crate) account_key: KeyType,
    user_key: Option<KeyType>,
    problems: Vec<IdentityProblem>,
}

impl Profiles {
    /// The profiles are the rows of one table: `id` is what owned rows store, `user` the
    /// profile's user, `account` its account.
    pub fn new<C: ColumnTrait>(id: C, user: C, account: C) -> Self {
        let mut problems = Vec::new();
        let keyed = keyed(&id, "profiles", &mut problems);
        let user_key = column_key(&user, "profiles.user", &mut problems);
        let account_key = column_key(&account, "profiles.account", &mut problems);
        Self {
            keyed,
            user: user.into_iden(),
            account: account.into_iden(),
            account_key: account_key.unwrap_or(KeyType::Int),
            user_key,
            problems,
        }
    }
}

/// The groups of users, and who is a member of which.
#[derive(Clone, Debug)]
pub struct Groups {
    pub(crate) keyed: KeyedTable,
    pub(crate) memberships: TableRef,
    memberships_name: String,
    pub(crate) member: DynIden,
    pub(crate) group: DynIden,
    member_key: Option<KeyType>,
    group_key: Option<KeyType>,
    problems: Vec<IdentityProblem>,
}

impl Groups {
    /// The groups are the rows of `id`'s table; a membership is a row of the table of
    /// `member` and `group` (the member user and the group).
    pub fn new<M: ColumnTrait>(id: impl ColumnTrait, member: M, group: M) -> Self {
        let mut problems = Vec::new();
        let keyed = keyed(&id, "groups", &mut problems);
        let member_key = column_key(&member, "group memberships.user", &mut problems);
        let group_key = column_key(&group, "group memberships.group", &mut problems);
        Self {
            keyed,
            memberships: M::EntityName::default().table_ref(),
            memberships_name: member.entity_name().to_string(),
            member: member.into_iden(),
            group: group.into_iden(),
            member_key,
            group_key,
            problems,
        }
    }
}

impl IdentityProblem {
    fn new(part: &'static str, column: &impl ColumnTrait, problem: impl Into<String>) -> Self {
        Self {
            part,
            column: format!("{}.{}", column.entity_name(), column.as_str()),
            problem: problem.into(),
        }
    }
}

/// The table of the key column `id`, with the key's type (a problem if it has none).
fn keyed(
    id: &impl ColumnTrait,
    part: &'static str,
    problems: &mut Vec<IdentityProblem>,
) -> KeyedTable {
    let key = column_key(id, part, problems).unwrap_or(KeyType::Int);
    KeyedTable {
        table: table_of(id),
        name: id.entity_name().to_string(),
        id: id.into_iden(),
        key,
        column_type: id.def().get_column_type().clone(),
    }
}

/// The key type of `column`, or a problem if no key may have its type.
fn column_key(
    column: &impl ColumnTrait,
    part: &'static str,
    problems: &mut Vec<IdentityProblem>,
) -> Option<KeyType> {
    let column_type = column.def().get_column_type().clone();
    let key = KeyType::of_column(&column_type);
    if key.is_none() {
        problems.push(IdentityProblem::new(
            part,
            column,
            format!("has the type {column_type:?}; a key is an integer, a UUID or a string"),
        ));
    }
    key
}

fn table_of<C: ColumnTrait>(_: &C) -> TableRef {
    C::EntityName::default().table_ref()
}

/// Where the users, profiles and groups live: the embedded `ownership_*` tables
/// ([`Identity::embedded`], used when nothing else is installed), or the application's own
/// ([`Identity::new`], then [`Identity::install`] once at startup).
///
/// ```
/// use ownership_core::{Groups, Identity, Profiles, UserFlag, Users};
/// # mod users {
/// #     use sea_orm::entity::prelude::*;
/// #     #[sea_orm::model]
/// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "users")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key, auto_increment = false)]
/// #         pub id: Uuid,
/// #         pub role: String,
/// #         pub active: bool,
/// #     }
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # mod members {
/// #     use sea_orm::entity::prelude::*;
/// #     #[sea_orm::model]
/// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "members")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub user_id: Uuid,
/// #         pub tenant_id: i64,
/// #     }
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # mod teams {
/// #     use sea_orm::entity::prelude::*;
/// #     #[sea_orm::model]
/// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "teams")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i32,
/// #     }
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # mod team_members {
/// #     use sea_orm::entity::prelude::*;
/// #     #[sea_orm::model]
/// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "team_members")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key, auto_increment = false)]
/// #         pub team_id: i32,
/// #         #[sea_orm(primary_key, auto_increment = false)]
/// #         pub user_id: Uuid,
/// #     }
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// let identity = Identity::new(
///     Users::new(users::Column::Id)
///         .active(UserFlag::column(users::Column::Active))
///         .staff(UserFlag::any_of(users::Column::Role, ["staff", "admin"]))
///         .superuser(UserFlag::equals(users::Column::Role, "admin")),
///     Profiles::new(members::Column::Id, members::Column::UserId, members::Column::TenantId),
///     Groups::new(teams::Column::Id, team_members::Column::UserId, team_members::Column::TeamId),
/// )?;
/// // Once, at startup, before the first subject is loaded:
/// // identity.install()?;
/// // identity.verify(&db).await?;
/// # Ok::<(), ownership_core::OwnershipError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Identity {
    pub(crate) users: Users,
    pub(crate) profiles: Profiles,
    pub(crate) groups: Groups,
    grantee_types: BTreeMap<String, GranteeKind>,
    embedded: bool,
}

/// What a grantee type resolves to: users or groups of the identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GranteeKind {
    /// A grantee of the type is a user.
    Users,
    /// A grantee of the type is a group.
    Groups,
}

/// The longest grantee type name, in characters.
pub const MAX_GRANTEE_TYPE_CHARS: usize = 50;

/// The grantee types every identity has: `user` and `group`.
const BUILT_IN_GRANTEE_TYPES: [(&str, GranteeKind); 2] =
    [("user", GranteeKind::Users), ("group", GranteeKind::Groups)];

static INSTALLED: OnceLock<Identity> = OnceLock::new();

impl Identity {
    /// An identity from its parts, checked: every key column has a key type (integer,
    /// UUID, string), the columns that refer to users and groups have their keys' types,
    /// and every flag and the stamp are columns of the users table. Every problem found is
    /// in the error, not only the first.
    pub fn new(users: Users, profiles: Profiles, groups: Groups) -> Result<Self, OwnershipError> {
        let mut problems = Vec::new();
        problems.extend(users.problems.iter().cloned());
        problems.extend(profiles.problems.iter().cloned());
        problems.extend(groups.problems.iter().cloned());
        for (part, flag) in [
            ("users.active", &users.active),
            ("users.staff", &users.staff),
            ("users.superuser", &users.superuser),
        ] {
            if let (Some(table), Some(column)) = (&flag.table, flag.column_name())
                && table.to_string() != users.keyed.name
            {
                problems.push(IdentityProblem {
                    part,
                    column: format!("{}.{}", table, column),
                    problem: "is not a column of the users table".to_owned(),
                });
            }
        }
        let user_key = users.keyed.key;
        if users.security_stamp.is_none()
            && !users.ids_never_reused
            && matches!(
                KeyType::of_column(&users.keyed.column_type),
                Some(KeyType::Int | KeyType::Text)
            )
        {
            // A subject loaded for a deleted user would reach the new user given its id.
            problems.push(IdentityProblem {
                part: "users.security_stamp",
                column: format!("{}.{}", users.keyed.name, users.keyed.id),
                problem: "is a key a new user may take after a deleted one: name a \
                          security stamp column, or say ids_never_reused() if the database \
                          never reuses them"
                    .to_owned(),
            });
        }
        let mut refers = |part: &'static str,
                          table: &str,
                          column: &DynIden,
                          key: Option<KeyType>,
                          expected: KeyType,
                          of: &str| {
            if key.is_some_and(|key| key != expected) {
                problems.push(IdentityProblem {
                    part,
                    column: format!("{table}.{}", column),
                    problem: format!(
                        "is a {:?} key, but the {of} it refers to are keyed by {expected:?}",
                        key.unwrap_or(expected)
                    ),
                });
            }
        };
        refers(
            "profiles.user",
            &profiles.keyed.name,
            &profiles.user,
            profiles.user_key,
            user_key,
            "users",
        );
        refers(
            "group memberships.user",
            &groups.memberships_name,
            &groups.member,
            groups.member_key,
            user_key,
            "users",
        );
        refers(
            "group memberships.group",
            &groups.memberships_name,
            &groups.group,
            groups.group_key,
            groups.keyed.key,
            "groups",
        );
        if !problems.is_empty() {
            return Err(OwnershipError::InvalidIdentity(problems));
        }
        Ok(Self {
            users,
            profiles,
            groups,
            grantee_types: BUILT_IN_GRANTEE_TYPES
                .iter()
                .map(|&(name, kind)| (name.to_owned(), kind))
                .collect(),
            embedded: false,
        })
    }

    /// The plugin's own tables (`ownership_user`, `ownership_user_profile`,
    /// `ownership_group`, `ownership_group_member`), with `is_active`, `is_staff`,
    /// `is_superuser` and `security_stamp` columns: the identity used when the application
    /// installs none.
    pub fn embedded() -> Self {
        Self::new(
            Users::new(user::Column::Id)
                .active(UserFlag::column(user::Column::IsActive))
                .staff(UserFlag::column(user::Column::IsStaff))
                .superuser(UserFlag::column(user::Column::IsSuperuser))
                .security_stamp(user::Column::SecurityStamp),
            Profiles::new(
                user_profile::Column::Id,
                user_profile::Column::UserId,
                user_profile::Column::AccountId,
            ),
            Groups::new(
                group::Column::Id,
                group_member::Column::UserId,
                group_member::Column::GroupId,
            ),
        )
        .map(|identity| Self {
            embedded: true,
            ..identity
        })
        .expect("the embedded identity is well formed")
    }

    /// The same identity with the grantee type `name` resolving to `kind`, for grants and
    /// ACL templates that name grantees by type (as django-object-acl's settings do): a
    /// `team` whose grantees are groups, say. `user` and `group` are built in. A name is 1
    /// to [`MAX_GRANTEE_TYPE_CHARS`] lowercase ASCII letters, digits, `_` and `-`; a name
    /// registered already, or a bad one, is [`OwnershipError::InvalidName`].
    ///
    /// ```
    /// use ownership_core::{GranteeKind, Identity};
    ///
    /// let identity = Identity::embedded().grantee_type("team", GranteeKind::Groups)?;
    /// assert_eq!(identity.grantee_kind("team")?, GranteeKind::Groups);
    /// assert_eq!(identity.grantee_kind("user")?, GranteeKind::Users);
    /// assert!(identity.grantee_kind("department").is_err());
    /// // Once, at startup: identity.install()?;
    /// # Ok::<(), ownership_core::OwnershipError>(())
    /// ```
    pub fn grantee_type(mut self, name: &str, kind: GranteeKind) -> Result<Self, OwnershipError> {
        let problem = if name.is_empty() {
            Some("is empty")
        } else if name.chars().count() > MAX_GRANTEE_TYPE_CHARS {
            Some("is longer than 50 characters")
        } else if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            Some("holds a character other than a-z, 0-9, _ and -")
        } else if self.grantee_types.contains_key(name) {
            Some("is registered already")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(OwnershipError::InvalidName {
                what: "grantee type",
                problem,
                name: name.chars().take(40).collect(),
            });
        }
        self.grantee_types.insert(name.to_owned(), kind);
        Ok(self)
    }

    /// What the grantee type `name` resolves to; a type never registered is
    /// [`OwnershipError::UnknownGranteeType`].
    pub fn grantee_kind(&self, name: &str) -> Result<GranteeKind, OwnershipError> {
        self.grantee_types
            .get(name)
            .copied()
            .ok_or_else(|| OwnershipError::UnknownGranteeType(name.chars().take(40).collect()))
    }

    /// Whether this is [`Identity::embedded`]: the plugin's migrations create and index
    /// the embedded tables only then.
    pub fn is_embedded(&self) -> bool {
        self.embedded
    }

    /// The users' key column: what grants to users reference.
    pub fn user_id_column(&self) -> KeyColumn {
        self.users.keyed.key_column()
    }

    /// The profiles' key column: what an owned table's owner column references.
    pub fn profile_id_column(&self) -> KeyColumn {
        self.profiles.keyed.key_column()
    }

    /// The groups' key column: what grants to groups reference.
    pub fn group_id_column(&self) -> KeyColumn {
        self.groups.keyed.key_column()
    }

    /// Makes this the identity every subject, scope, grant and holder question of the
    /// program reads, once, at startup. Fails with
    /// [`OwnershipError::IdentityAlreadyInstalled`] when an identity was installed before
    /// or one was already in use (the embedded one, taken by the first use of the
    /// library): the tables a scope reads never change under a running program.
    pub fn install(self) -> Result<&'static Identity, OwnershipError> {
        let mut installed = false;
        let identity = INSTALLED.get_or_init(|| {
            installed = true;
            self
        });
        if installed {
            Ok(identity)
        } else {
            Err(OwnershipError::IdentityAlreadyInstalled)
        }
    }

    /// The identity the program uses: the one installed, or the embedded one (which from
    /// then on is installed).
    pub fn current() -> &'static Identity {
        INSTALLED.get_or_init(Identity::embedded)
    }

    /// The key type of user ids.
    pub fn user_key(&self) -> KeyType {
        self.users.keyed.key
    }

    /// The key type of profile ids.
    pub fn profile_key(&self) -> KeyType {
        self.profiles.keyed.key
    }

    /// The key type of group ids.
    pub fn group_key(&self) -> KeyType {
        self.groups.keyed.key
    }

    /// Asks the database for every table and column of the identity, with a value of each
    /// key's type and of each flag's condition, reading no row: a table or column that
    /// does not exist, or (on PostgreSQL, which compares types strictly) a column of
    /// another type, is [`OwnershipError::InvalidIdentity`] naming it, as is an owned
    /// entity of the program whose owner column is not of the profiles' key type. Call it
    /// at startup.
    pub async fn verify<C: ConnectionTrait>(&self, db: &C) -> Result<(), OwnershipError> {
        let mut problems = self.owner_problems()?;
        for (part, (table, name), column, probe) in self.probes() {
            let select = Query::select()
                .expr(Expr::cust("1"))
                .from_as(table.clone(), PROBE)
                .and_where(probe)
                .and_where(Expr::cust("1 = 0"))
                .to_owned();
            if let Err(err) = db.query_one(&select).await {
                problems.push(IdentityProblem {
                    part,
                    column: format!("{name}.{}", column),
                    problem: format!("cannot be read: {err}"),
                });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(OwnershipError::InvalidIdentity(problems))
        }
    }

    /// The owned entities of the program whose owner column is not of the profiles' key
    /// type: their owners could never be one of the profiles.
    fn owner_problems(&self) -> Result<Vec<IdentityProblem>, OwnershipError> {
        let expected = self.profiles.keyed.key;
        Ok(registry::owned_tables()?
            .into_values()
            .filter(|table| table.owner_key != Some(expected))
            .map(|table| IdentityProblem {
                part: "owned entities",
                column: format!("{}.{}", table.model_name, table.owner),
                problem: format!(
                    "is the owner column, of key type {:?}, but the profiles are keyed by \
                     {expected:?}",
                    table.owner_key
                ),
            })
            .collect())
    }

    /// One condition per column of the identity, each naming it with a value of its type.
    fn probes(&self) -> Vec<(&'static str, (TableRef, &String), DynIden, Expr)> {
        let sample = |key: KeyType| -> Value {
            match key {
                KeyType::Int => Key::Int(0).into(),
                KeyType::Uuid => Key::Uuid(Default::default()).into(),
                KeyType::Text => Key::Text(String::new()).into(),
            }
        };
        let is =
            |column: &DynIden, key: KeyType| Expr::col((PROBE, column.clone())).eq(sample(key));
        let users = &self.users;
        let profiles = &self.profiles;
        let groups = &self.groups;
        let mut probes = vec![
            (
                "users",
                (users.keyed.table.clone(), &users.keyed.name),
                users.keyed.id.clone(),
                is(&users.keyed.id, users.keyed.key),
            ),
            (
                "profiles",
                (profiles.keyed.table.clone(), &profiles.keyed.name),
                profiles.keyed.id.clone(),
                is(&profiles.keyed.id, profiles.keyed.key),
            ),
            (
                "profiles.user",
                (profiles.keyed.table.clone(), &profiles.keyed.name),
                profiles.user.clone(),
                is(&profiles.user, users.keyed.key),
            ),
            (
                "profiles.account",
                (profiles.keyed.table.clone(), &profiles.keyed.name),
                profiles.account.clone(),
                is(&profiles.account, profiles.account_key),
            ),
            (
                "groups",
                (groups.keyed.table.clone(), &groups.keyed.name),
                groups.keyed.id.clone(),
                is(&groups.keyed.id, groups.keyed.key),
            ),
            (
                "group memberships.user",
                (groups.memberships.clone(), &groups.memberships_name),
                groups.member.clone(),
                is(&groups.member, users.keyed.key),
            ),
            (
                "group memberships.group",
                (groups.memberships.clone(), &groups.memberships_name),
                groups.group.clone(),
                is(&groups.group, groups.keyed.key),
            ),
        ];
        for (part, flag) in [
            ("users.active", &users.active),
            ("users.staff", &users.staff),
            ("users.superuser", &users.superuser),
        ] {
            if let Some(column) = flag.column_name() {
                probes.push((
                    part,
                    (users.keyed.table.clone(), &users.keyed.name),
                    column.clone(),
                    flag.holds(PROBE),
                ));
            }
        }
        if let Some(stamp) = &users.security_stamp {
            probes.push((
                "users.security_stamp",
                (users.keyed.table.clone(), &users.keyed.name),
                stamp.clone(),
                Expr::col((PROBE, stamp.clone())).eq(""),
            ));
        }
        probes
    }

    /// `Ok` if every user and group id has the key type of its table.
    pub(crate) fn check_ids<'a>(
        &self,
        users: impl IntoIterator<Item = &'a UserId>,
        groups: impl IntoIterator<Item = &'a GroupId>,
    ) -> Result<(), OwnershipError> {
        for user in users {
            check_key_type("user id", user.key(), self.user_key())?;
        }
        for group in groups {
            check_key_type("group id", group.key(), self.group_key())?;
        }
        Ok(())
    }

    /// `SELECT <group column> FROM memberships WHERE <member column> = user`: the groups
    /// of one user.
    pub(crate) fn groups_of(&self, user: &Key, alias: &'static str) -> SelectStatement {
        Query::select()
            .column((alias, self.groups.group.clone()))
            .from_as(self.groups.memberships.clone(), alias)
            .and_where(Expr::col((alias, self.groups.member.clone())).eq(Value::from(user)))
            .to_owned()
    }

    /// The group of a membership aliased `alias`: what a list run once per group of
    /// [`per_group_of`](Self::per_group_of) compares its group with.
    pub(crate) fn membership_group(&self, alias: &'static str) -> Expr {
        Expr::col((alias, self.groups.group.clone()))
    }

    /// `SELECT part.column FROM memberships AS alias JOIN LATERAL (list) AS part ON TRUE
    /// WHERE alias.member = user`: `list` run once per group of one user, each run limited
    /// on its own, so that a user of many groups reads a few rows of each.
    pub(crate) fn per_group_of(
        &self,
        user: &Key,
        alias: &'static str,
        list: SelectStatement,
        part: &'static str,
        column: &'static str,
    ) -> SelectStatement {
        Query::select()
            .expr_as(Expr::col((part, column)), column)
            .from_as(self.groups.memberships.clone(), alias)
            .join_lateral(JoinType::InnerJoin, list, part, Expr::cust("TRUE"))
            .and_where(Expr::col((alias, self.groups.member.clone())).eq(Value::from(user)))
            .to_owned()
    }
}

/// The alias of the table a probe reads.
const PROBE: &str = "ownership_probe";
