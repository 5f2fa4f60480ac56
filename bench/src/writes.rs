//! The write benchmark: what an authorized insert and its ACL templates cost. Rows of an
//! `entry` table are inserted three ways, in turns on one connection: `insert_owned` (the
//! plain insert: no subject, no check, no templates), `insert_as` by a user no template
//! applies to, and `insert_as` by a user to whose rows most of 50 templates apply, owned by
//! the user or by its groups, for this model, for every model or for another one (which
//! must not apply). Afterwards every row's grants are read from the entity's grant tables
//! and must be exactly those its creator's templates give, each (grantee, permission name)
//! once, however many templates give it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::iter;
use std::ops::RangeInclusive;
use std::time::Instant;

use ownership_core::entity::object_grant::{GROUP_ID, NAME, OBJECT_ID, USER_ID};
use ownership_core::{
    AclTemplate, AuthorizedActiveModelExt, Level, OwnedActiveModelExt, OwnedEntity, Subject,
    TypedGrantee, UserId, create_acl_template,
};
use sea_orm::sea_query::{Query, TableRef};
use sea_orm::{ConnectionTrait, DatabaseConnection, Set};
use serde_json::json;

use crate::args::WriteArgs;
use crate::error::{BenchError, Context, Result};
use crate::load::{self, Cell, Rows, Sink};
use crate::report::{utc_now, write_files};
use crate::rng::Rng;
use crate::timing::{Runner, Written};
use crate::{Plans, Statements, db, document, progress, write_plans};

/// The rows the benchmark inserts.
pub mod entry {
    use sea_orm::entity::prelude::*;

    /// A row owned by a user profile, with a name unique per owner. It has no creator
    /// level: a row's only grants are those its creator's templates give.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "entry")]
    pub struct Model {
        /// The entry id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The owner profile.
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: i64,
        /// The entry's name, unique per owner.
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
    }

    /// No relations: the migration helper adds the owner's foreign key.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Untimed inserts of each way before the timed ones: the first is recorded, and
/// PostgreSQL settles on its plans of prepared statements after five executions.
const WARM_UPS: usize = 10;

/// The templates created.
const TEMPLATES: usize = 50;

/// The account of every profile.
const ACCOUNT: i64 = 1;

/// The user whose rows the templates apply to, and the user none applies to; each has a
/// profile of the same id, which owns the rows it inserts.
const CREATOR: i64 = 1;
const CONTROL: i64 = 2;

/// Users that templates only grant to.
const TARGET_USERS: RangeInclusive<i64> = 3..=8;

/// The creator's groups (they own templates), the control user's (they own none, so that
/// its template lookup goes through as many memberships) and groups of neither.
const CREATOR_GROUPS: RangeInclusive<i64> = 1..=10;
const CONTROL_GROUPS: RangeInclusive<i64> = 11..=20;
const OTHER_GROUPS: RangeInclusive<i64> = 21..=25;

/// The generator's seed.
const SEED: u64 = 0x5eed_0f5a_a4e5_0003;

/// A user or a group, as a template names it and a grant table holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Grantee {
    User(i64),
    Group(i64),
}

impl Grantee {
    /// The grantee by the built-in type names.
    fn typed(self) -> TypedGrantee {
        match self {
            Grantee::User(id) => TypedGrantee::new("user", id),
            Grantee::Group(id) => TypedGrantee::new("group", id),
        }
    }
}

/// The rows a template is for.
#[derive(Clone, Copy, Debug)]
enum ForModel {
    Entry,
    Every,
    /// `document`: such a template must not apply to entries.
    Other,
}

/// A template as drawn.
#[derive(Clone, Copy, Debug)]
struct Drawn {
    owner: Grantee,
    target: Grantee,
    level: Level,
    model: ForModel,
}

impl Drawn {
    fn template(&self) -> AclTemplate {
        let template = AclTemplate::new(self.owner.typed(), self.target.typed(), self.level);
        match self.model {
            ForModel::Entry => template.for_model::<entry::Entity>(),
            ForModel::Every => template,
            ForModel::Other => template.for_model::<document::Entity>(),
        }
    }

    /// Whether the template applies to the entries the creator inserts.
    fn applies_to_creator(&self) -> bool {
        let owned = match self.owner {
            Grantee::User(id) => id == CREATOR,
            Grantee::Group(id) => CREATOR_GROUPS.contains(&id),
        };
        owned && !matches!(self.model, ForModel::Other)
    }
}

/// Draws the templates: owned by the creator or one of its groups, granting a level to a
/// user (the creator among them) or to a group, for entries, every model or another model.
/// Few grantees and three levels make templates that give the same grant.
fn draw_templates() -> Vec<Drawn> {
    let mut rng = Rng::seeded(SEED);
    let creator_groups: Vec<i64> = CREATOR_GROUPS.collect();
    let target_users: Vec<i64> = iter::once(CREATOR).chain(TARGET_USERS).collect();
    let target_groups: Vec<i64> = CREATOR_GROUPS
        .chain(CONTROL_GROUPS)
        .chain(OTHER_GROUPS)
        .collect();
    (0..TEMPLATES)
        .map(|_| Drawn {
            owner: if rng.chance(0.3) {
                Grantee::User(CREATOR)
            } else {
                Grantee::Group(rng.pick(&creator_groups))
            },
            target: if rng.chance(0.5) {
                Grantee::User(rng.pick(&target_users))
            } else {
                Grantee::Group(rng.pick(&target_groups))
            },
            level: rng.pick(&[Level::View, Level::Edit, Level::All]),
            model: match rng.below(5) {
                0 => ForModel::Every,
                1 => ForModel::Other,
                _ => ForModel::Entry,
            },
        })
        .collect()
}

/// A grant on one row: who holds which permission name.
type RowGrant = (Grantee, String);

/// What the templates applying to the creator's entries give.
struct Expected {
    /// How the templates divide: owned by the creator, by its groups; for entries, for
    /// every model, for another model.
    mix: String,
    /// The templates that apply.
    applying: usize,
    /// The grants they give, a grant as often as templates give it.
    given: usize,
    /// The grants on each of the creator's entries: each once.
    grants: BTreeSet<RowGrant>,
}

fn expected(templates: &[Drawn]) -> Expected {
    let count = |keep: fn(&Drawn) -> bool| templates.iter().filter(|t| keep(t)).count();
    let mut out = Expected {
        mix: format!(
            "{} owned by the user, {} by its groups; {} for entries, {} for every model, {} \
             for another model",
            count(|t| matches!(t.owner, Grantee::User(_))),
            count(|t| matches!(t.owner, Grantee::Group(_))),
            count(|t| matches!(t.model, ForModel::Entry)),
            count(|t| matches!(t.model, ForModel::Every)),
            count(|t| matches!(t.model, ForModel::Other)),
        ),
        applying: 0,
        given: 0,
        grants: BTreeSet::new(),
    };
    for template in templates.iter().filter(|t| t.applies_to_creator()) {
        out.applying += 1;
        for name in template.level.names::<entry::Entity>() {
            out.given += 1;
            out.grants.insert((template.target, name.to_owned()));
        }
    }
    out
}

/// Loads the users, the account, the two profiles, the groups and the memberships.
async fn load_identity(db: &DatabaseConnection) -> Result<()> {
    let users: Vec<(i64, String)> = [CREATOR, CONTROL]
        .into_iter()
        .chain(TARGET_USERS)
        .map(|id| (id, format!("writer-{id}")))
        .collect();
    let groups: Vec<(i64, String)> = CREATOR_GROUPS
        .chain(CONTROL_GROUPS)
        .chain(OTHER_GROUPS)
        .map(|id| (id, format!("team-{id}")))
        .collect();
    let memberships: Vec<(i64, i64)> = CREATOR_GROUPS
        .map(|group| (CREATOR, group))
        .chain(CONTROL_GROUPS.map(|group| (CONTROL, group)))
        .collect();
    let sink = Sink::open(db).await?;
    sink.write_account_members(
        (ACCOUNT, "writers"),
        &users,
        &[(CREATOR, CREATOR), (CONTROL, CONTROL)],
    )
    .await?;
    sink.write(Rows {
        table: "ownership_group",
        columns: &["id", "name"],
        rows: Box::new(
            groups
                .iter()
                .map(|(id, name)| vec![Cell::Int(*id), Cell::Text(name)]),
        ),
    })
    .await?;
    sink.write(Rows {
        table: "ownership_group_member",
        columns: &["user_id", "group_id"],
        rows: Box::new(
            memberships
                .iter()
                .map(|&(user, group)| vec![Cell::Int(user), Cell::Int(group)]),
        ),
    })
    .await?;
    sink.finish().await
}

/// One way of inserting entries.
#[derive(Clone, Copy)]
struct Inserter<'a> {
    /// Its row in the table.
    label: &'a str,
    /// Its name in the result files and the prefix of its rows' names.
    slug: &'static str,
    /// The profile owning its rows.
    owner: i64,
    /// Who inserts through `insert_as`; none: `insert_owned`.
    subject: Option<&'a Subject>,
    /// The grants each of its rows must have.
    grants: &'a BTreeSet<RowGrant>,
}

/// Inserts entry `number` of `inserter`; its id.
async fn insert(db: &DatabaseConnection, number: usize, inserter: Inserter<'_>) -> Result<i64> {
    let row = entry::ActiveModel {
        user_profile_id: Set(inserter.owner),
        name: Set(format!("{} {number}", inserter.slug)),
        ..Default::default()
    };
    let model = match inserter.subject {
        Some(subject) => row.insert_as(db, subject).await?,
        None => row.insert_owned(db).await?,
    };
    Ok(model.id)
}

/// The grants on every entry that has any, read from the entity's grant tables.
async fn grants_by_row(db: &DatabaseConnection) -> Result<BTreeMap<i64, BTreeSet<RowGrant>>> {
    let mut by_row = BTreeMap::new();
    let user_grants = entry::Entity::user_grant_table();
    read_grants(db, user_grants, USER_ID, Grantee::User, &mut by_row).await?;
    let group_grants = entry::Entity::group_grant_table();
    read_grants(db, group_grants, GROUP_ID, Grantee::Group, &mut by_row).await?;
    Ok(by_row)
}

/// Adds the grants of one grant table, whose grantees are in `grantee_column`, to `by_row`.
async fn read_grants(
    db: &DatabaseConnection,
    table: TableRef,
    grantee_column: &'static str,
    grantee: fn(i64) -> Grantee,
    by_row: &mut BTreeMap<i64, BTreeSet<RowGrant>>,
) -> Result<()> {
    let select = Query::select()
        .columns([OBJECT_ID, grantee_column, NAME])
        .from(table)
        .to_owned();
    for row in db.query_all(&select).await? {
        by_row
            .entry(row.try_get_by_index(0)?)
            .or_default()
            .insert((grantee(row.try_get_by_index(1)?), row.try_get_by_index(2)?));
    }
    Ok(())
}

/// What one way of inserting gave.
struct Outcome<'a> {
    inserter: Inserter<'a>,
    written: Written<i64>,
    /// The numbers of grants its rows have, each once.
    grants_per_row: BTreeSet<usize>,
}

impl Outcome<'_> {
    /// The grants per row as a figure: `n`, or `min-max` when rows differ.
    fn grants_per_row(&self) -> String {
        match (self.grants_per_row.first(), self.grants_per_row.last()) {
            (Some(min), Some(max)) if min != max => format!("{min}-{max}"),
            (Some(n), _) => n.to_string(),
            _ => "-".to_owned(),
        }
    }
}

/// The result table: one line per way of inserting, with its ratios to the first.
fn table(outcomes: &[Outcome<'_>]) -> String {
    let mut out = "| insert | statements | grants per row | median | p95 | total | median / plain \
                   | total / plain |\n\
                   | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        .to_owned();
    let plain = &outcomes[0].written;
    for outcome in outcomes {
        let written = &outcome.written;
        writeln!(
            out,
            "| {} | {} | {} | {:.3} | {:.3} | {:.1} | {:.2} | {:.2} |",
            outcome.inserter.label,
            written.statements.len(),
            outcome.grants_per_row(),
            written.stats.median_ms,
            written.stats.p95_ms,
            written.total_ms,
            written.stats.median_ms / plain.stats.median_ms,
            written.total_ms / plain.total_ms,
        )
        .expect("writing to a String cannot fail");
    }
    out
}

/// The `SELECT`s of each way's first insert, for their plans (the plans of `INSERT`s are
/// left out: PostgreSQL's `EXPLAIN ANALYZE` would run them again).
fn select_plans(outcomes: &[Outcome<'_>]) -> Plans {
    outcomes
        .iter()
        .map(|outcome| {
            let selects: Statements = (1..)
                .zip(&outcome.written.statements)
                .filter(|(_, statement)| {
                    statement
                        .sql
                        .trim_start()
                        .get(..6)
                        .is_some_and(|verb| verb.eq_ignore_ascii_case("SELECT"))
                })
                .map(|(position, statement)| (format!("statement_{position}"), statement.clone()))
                .collect();
            (outcome.inserter.slug.to_owned(), selects)
        })
        .filter(|(_, selects)| !selects.is_empty())
        .collect()
}

/// Runs the write benchmark; `Ok(false)` when a row's grants differ from the expected ones.
pub async fn run(args: &WriteArgs) -> Result<bool> {
    let started = Instant::now();
    fs::create_dir_all(&args.out).context(format!("create {}", args.out.display()))?;
    let templates = draw_templates();
    let expected = expected(&templates);
    // Otherwise a grant written twice would go unnoticed.
    if expected.given == expected.grants.len() {
        return Err(BenchError::new(
            "the templates give no grant twice: draw them with another seed",
        ));
    }
    let rows = usize::try_from(args.rows).context("--rows")?;

    println!("creating a fresh database ({})", args.database_url);
    let bench = db::fresh(&args.database_url, &args.out).await?;
    let db = &bench.db;
    let manager = ownership_migration::sea_orm_migration::SchemaManager::new(db);
    ownership_migration::create_owned_table(&manager, entry::Entity)
        .await
        .context("create the entry table")?;
    load_identity(db).await?;
    for drawn in &templates {
        create_acl_template(db, &drawn.template())
            .await
            .context(format!("create the template {drawn:?}"))?;
    }
    load::analyze(
        db,
        &[
            "ownership_user",
            "ownership_user_profile",
            "ownership_group",
            "ownership_group_member",
            "ownership_acl_template",
        ],
    )
    .await?;
    println!(
        "{TEMPLATES} templates ({}): {} apply to the creator's entries, giving {} grants, {} \
         distinct",
        expected.mix,
        expected.applying,
        expected.given,
        expected.grants.len()
    );

    let creator = Subject::load(db, UserId::from(CREATOR)).await?;
    let control = Subject::load(db, UserId::from(CONTROL)).await?;
    let none = BTreeSet::new();
    let templates_label = format!("`insert_as`, {TEMPLATES} templates");
    let inserters = [
        Inserter {
            label: "`insert_owned` (plain)",
            slug: "plain",
            owner: CREATOR,
            subject: None,
            grants: &none,
        },
        Inserter {
            label: "`insert_as`, no templates",
            slug: "as_without_templates",
            owner: CONTROL,
            subject: Some(&control),
            grants: &none,
        },
        Inserter {
            label: &templates_label,
            slug: "as_with_templates",
            owner: CREATOR,
            subject: Some(&creator),
            grants: &expected.grants,
        },
    ];
    println!(
        "inserting {rows} rows each way after {WARM_UPS} untimed ones, the three in turns ({})",
        bench.server
    );
    // Writes are timed once each: the reads' runs per item do not apply.
    let runner = Runner::new(db, 1);
    let measured = runner
        .measure_writes("insert", &inserters, WARM_UPS, rows, insert)
        .await?;

    let by_row = grants_by_row(db).await?;
    let mut differences = Vec::new();
    let mut outcomes = Vec::with_capacity(inserters.len());
    for (inserter, written) in inserters.into_iter().zip(measured) {
        let mut grants_per_row = BTreeSet::new();
        for id in &written.answers {
            let got = by_row.get(id).unwrap_or(&none);
            grants_per_row.insert(got.len());
            if got != inserter.grants {
                differences.push(format!(
                    "entry {id} ({}): expected {} grants {:?}, got {} {got:?}",
                    inserter.slug,
                    inserter.grants.len(),
                    inserter.grants,
                    got.len()
                ));
            }
        }
        progress(inserter.slug, &written.stats);
        outcomes.push(Outcome {
            inserter,
            written,
            grants_per_row,
        });
    }
    if differences.is_empty() {
        println!(
            "grants read back: {} on each entry of the user with templates, none on the others",
            expected.grants.len()
        );
    } else {
        eprintln!(
            "grants read back DIFFER from the expected ones ({}):",
            differences.len()
        );
        for line in differences.iter().take(20) {
            eprintln!("  {line}");
        }
    }

    let date = utc_now();
    let markdown = format!(
        "Write benchmark, {rows} inserts each way, {} (ownership-core; SeaORM {}), {date}, \
         after {WARM_UPS} untimed inserts each, the three in turns; ms. {TEMPLATES} ACL \
         templates ({}), {} of them applying to the creator's rows, giving {} grants, {} \
         distinct. Statements per insert as SeaORM runs them, besides `BEGIN` and \
         `COMMIT`.\n\n{}",
        bench.server,
        db::SEA_ORM_VERSION,
        expected.mix,
        expected.applying,
        expected.given,
        expected.grants.len(),
        table(&outcomes)
    );
    println!("\n{markdown}");
    let plain = &outcomes[0].written;
    let round = |value: f64, places: i32| {
        let scale = 10_f64.powi(places);
        (value * scale).round() / scale
    };
    let inserts: serde_json::Map<String, serde_json::Value> = outcomes
        .iter()
        .map(|outcome| {
            let written = &outcome.written;
            let mut stats = written.stats.to_json();
            stats["total_ms"] = json!(round(written.total_ms, 1));
            stats["median_to_plain"] =
                json!(round(written.stats.median_ms / plain.stats.median_ms, 2));
            stats["total_to_plain"] = json!(round(written.total_ms / plain.total_ms, 2));
            stats["statements"] = json!(written.statements.len());
            stats["grants_per_row"] = json!(outcome.grants_per_row);
            (outcome.inserter.slug.to_owned(), stats)
        })
        .collect();
    let result = json!({
        "date": date,
        "server": bench.server,
        "rows": rows,
        "warm_ups": WARM_UPS,
        "templates": {
            "created": TEMPLATES,
            "mix": expected.mix,
            "applying": expected.applying,
            "grants_given": expected.given,
            "grants_distinct": expected.grants.len(),
        },
        "inserts": inserts,
        "differences": differences,
    });
    let slug = bench.slug();
    write_files(
        &args.out,
        [
            (format!("writes-{slug}.md"), markdown),
            (
                format!("writes-{slug}.json"),
                serde_json::to_string_pretty(&result).expect("JSON values serialize"),
            ),
        ],
    )?;
    let dir = args.out.join("explain-writes");
    let written = write_plans(db, &dir, &select_plans(&outcomes)).await?;
    println!("wrote {written} plans in {}", dir.display());
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(differences.is_empty())
}
