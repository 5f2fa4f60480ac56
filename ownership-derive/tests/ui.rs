//! Compile-time behaviour of `#[derive(Owned)]`: what it rejects, with which message and
//! span, and what it accepts.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui-pass/*.rs");
}
