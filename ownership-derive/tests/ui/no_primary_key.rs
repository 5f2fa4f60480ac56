//! Without any `#[sea_orm(..)]` the derive reports every missing piece at once.
//! (`DeriveEntityModel` is left out: it rejects an entity without a primary key itself.)

use ownership_core::Owned;

#[derive(Owned)]
#[owned(model_name = "doc")]
pub struct Model {
    pub id: i64,
    pub user_profile_id: i64,
    pub name: String,
}

fn main() {}
