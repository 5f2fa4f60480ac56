//! A profile id where a user id belongs, a user id where a group id belongs, a group id
//! where a profile id belongs: each would compile with plain integers and pass every test
//! whose ids happen to coincide.

use ownership_core::{CloneOptions, Grantees, Subject};

fn main() {
    let subject = Subject::anonymous();
    let user = subject.user().expect("a loaded user");
    let profile = user.profiles[0].id.clone();
    let group = user.group_ids[0].clone();
    let _ = Grantees::users([profile]);
    let _ = Grantees::groups([user.id.clone()]);
    let _ = CloneOptions::new().owner(group);
}
