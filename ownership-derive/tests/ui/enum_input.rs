use ownership_core::Owned;

#[derive(Owned)]
pub enum Model {
    Draft,
    Published,
}

fn main() {}
