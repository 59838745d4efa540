//! What rosette reads and writes: VC Data Model 2.0 credentials and the Open Badges 3.0
//! `AchievementCredential`.
//!
//! A credential is kept as the JSON it was signed as ([`Credential::value`]); rosette never
//! re-serializes a signed credential, so properties it does not model are kept, not dropped.
//! [`lang`] reads the language-tagged strings that names and descriptions may be; [`ob`] is a
//! typed view of an Open Badge's JSON, for readers of its properties.

pub mod credential;
pub mod date;
pub mod lang;
pub mod ob;

pub use credential::{Conformance, Credential, CredentialKind, ParseError, VcVersion};
