//! Fuzzing support for protoc-gen-connect_python's plugin mode: the properties every
//! response must have ([`check`]) and structured requests built from hostile name pools
//! ([`structured`]). The targets are in `fuzz_targets/`; `scripts/fuzz` runs them.

pub mod check;
pub mod structured;
