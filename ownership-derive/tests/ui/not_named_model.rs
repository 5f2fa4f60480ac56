use ownership_core::Owned;

#[derive(Owned)]
pub struct Document {
    pub id: i64,
    pub user_profile_id: i64,
    pub name: String,
}

fn main() {}
