//! Misuses of the scopes that must not compile, with the error each gives.

#[test]
fn misuses_do_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
