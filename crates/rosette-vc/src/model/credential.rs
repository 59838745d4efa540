//! Parsing a credential and checking its shape (OB 3.0 §Verification step 1, VC 2.0 §4).

use crate::contexts;
use crate::model::date::parse_date_time;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A credential as read from a file: its JSON value, exactly as signed.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// The credential's JSON object, with every property it has, in its order.
    pub value: Value,
}

/// Why a file is not a credential at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not strict JSON: a syntax error, invalid UTF-8, a duplicate key, too deep.
    #[error(transparent)]
    Json(#[from] crate::json::JsonError),
    /// The JSON is strict but its top level is an array, a string, a number, a boolean or
    /// null.
    #[error("not a credential: the top level is not a JSON object")]
    NotAnObject,
}

/// How deep a credential's JSON may nest unless `[limits] max_json_depth` says otherwise.
pub const DEFAULT_MAX_JSON_DEPTH: usize = 64;

/// The VC data model version a credential is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcVersion {
    /// [VC Data Model 2.0](https://www.w3.org/TR/vc-data-model-2.0/): `@context` starts with
    /// [`contexts::VC_V2`].
    V2,
    /// [VC Data Model 1.1](https://www.w3.org/TR/vc-data-model-1.1/): `@context` starts with
    /// [`contexts::VC_V1`].
    V1_1,
}

/// The kinds of credential rosette handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// An Open Badges 3.0 `AchievementCredential` / `OpenBadgeCredential`.
    Achievement,
    /// An Open Badges 3.0 `EndorsementCredential`.
    Endorsement,
    /// A Bitstring Status List credential.
    StatusList,
    /// Any other Verifiable Credential: the data model's rules hold, no Open Badges rule applies.
    Plain,
}

impl CredentialKind {
    /// An Open Badges 3.0 credential (an achievement or an endorsement), not a status list.
    pub fn is_open_badge(self) -> bool {
        matches!(self, CredentialKind::Achievement | CredentialKind::Endorsement)
    }
}

/// The result of the shape check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conformance {
    /// The data model version the credential is written in.
    pub version: VcVersion,
    /// What kind of credential it is, by its `type`.
    pub kind: CredentialKind,
    /// OB 3.0 wants `credentialSubject.id` or an `identifier`. Many real badges have neither;
    /// they still verify, but cannot be matched to a recipient, and the verdict says so.
    pub anonymous_subject: bool,
}

impl Conformance {
    /// One line for a verdict: the kind and version, and a note when the subject is anonymous
    /// (`Open Badges 3.0 AchievementCredential (VC 2.0)`).
    pub fn describe(&self) -> String {
        let kind = match self.kind {
            CredentialKind::Achievement => "Open Badges 3.0 AchievementCredential",
            CredentialKind::Endorsement => "Open Badges 3.0 EndorsementCredential",
            CredentialKind::StatusList => "Bitstring Status List credential",
            CredentialKind::Plain => "Verifiable Credential, not an Open Badge",
        };
        let version = match self.version {
            VcVersion::V2 => "VC 2.0",
            VcVersion::V1_1 => "VC 1.1",
        };
        let note = if self.anonymous_subject {
            "; its subject has no `id` or `identifier`, so it cannot be matched to a recipient"
        } else {
            ""
        };
        format!("{kind} ({version}){note}")
    }
}

impl Credential {
    /// Parses a credential file as strict JSON (see [`crate::json`]). JSON errors keep their
    /// line and column.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        Self::parse_with_depth(bytes, DEFAULT_MAX_JSON_DEPTH)
    }

    /// [`Credential::parse`] with another nesting limit.
    pub fn parse_with_depth(bytes: &[u8], max_depth: usize) -> Result<Self, ParseError> {
        let value = crate::json::parse(bytes, max_depth)?;
        if !value.is_object() {
            return Err(ParseError::NotAnObject);
        }
        Ok(Credential { value })
    }

    /// The credential's `id`, when it has one (VC 2.0 §4.4: optional).
    pub fn id(&self) -> Option<&str> {
        self.value.get("id").and_then(Value::as_str)
    }

    /// The issuer's id, whether `issuer` is a URL or a Profile object.
    pub fn issuer_id(&self) -> Option<&str> {
        match self.value.get("issuer")? {
            Value::String(s) => Some(s),
            Value::Object(o) => o.get("id").and_then(Value::as_str),
            _ => None,
        }
    }

    /// The `type` values, whether `type` is one string or an array.
    pub fn types(&self) -> Vec<&str> {
        strings(self.value.get("type"))
    }

    /// The `@context` entries that are URLs, in order; embedded context objects are skipped.
    pub fn contexts(&self) -> Vec<&str> {
        strings(self.value.get("@context"))
    }

    /// The data model version, by the first `@context` URL; `None` when it is neither base
    /// context.
    pub fn version(&self) -> Option<VcVersion> {
        match self.contexts().first().copied() {
            Some(contexts::VC_V2) => Some(VcVersion::V2),
            Some(contexts::VC_V1) => Some(VcVersion::V1_1),
            _ => None,
        }
    }

    /// Start of the validity period: `validFrom` (VC 2.0) or `issuanceDate` (VC 1.1).
    pub fn valid_from(&self) -> Option<DateTime<Utc>> {
        self.date("validFrom").or_else(|| self.date("issuanceDate"))
    }

    /// End of the validity period: `validUntil` (VC 2.0) or `expirationDate` (VC 1.1).
    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.date("validUntil").or_else(|| self.date("expirationDate"))
    }

    fn date(&self, key: &str) -> Option<DateTime<Utc>> {
        self.value.get(key).and_then(Value::as_str).and_then(parse_date_time)
    }

    /// The `credentialStatus` entries (one object, or several).
    pub fn status_entries(&self) -> Vec<&serde_json::Map<String, Value>> {
        match self.value.get("credentialStatus") {
            Some(Value::Object(o)) => vec![o],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
            _ => Vec::new(),
        }
    }

    /// Checks the shape rules a verifier checks before any signature (VC 2.0 §4 for every
    /// credential; OB 3.0 §Verification step 1 for one that says it is an Open Badge), and
    /// says what kind of credential this is. `sign` runs the same checks before it signs.
    pub fn conformance(&self) -> Result<Conformance, String> {
        let version = self.data_model()?;
        let types = self.types();
        let kind = if types.iter().any(|t| *t == "AchievementCredential" || *t == "OpenBadgeCredential") {
            CredentialKind::Achievement
        } else if types.contains(&"EndorsementCredential") {
            CredentialKind::Endorsement
        } else if types.contains(&"BitstringStatusListCredential") {
            CredentialKind::StatusList
        } else {
            CredentialKind::Plain
        };
        let open_badge = kind.is_open_badge();
        if open_badge && !self.contexts().get(1).is_some_and(|c| contexts::is_ob_v3p0(c)) {
            return Err(format!(
                "the second `@context` must be the Open Badges 3.0 context (`{}`)",
                contexts::OB_V3P0
            ));
        }
        if open_badge && version == VcVersion::V2 && self.value.get("validFrom").is_none() {
            return Err("`validFrom` is required".into());
        }
        let mut anonymous_subject = false;
        if kind == CredentialKind::Achievement {
            let subject = self
                .value
                .get("credentialSubject")
                .and_then(Value::as_object)
                .ok_or("`credentialSubject` must be one object")?;
            anonymous_subject = subject.get("id").is_none() && subject.get("identifier").is_none();
            let achievement = subject
                .get("achievement")
                .and_then(Value::as_object)
                .ok_or("`credentialSubject.achievement` is required")?;
            for key in ["id", "name", "criteria"] {
                if achievement.get(key).is_none() {
                    return Err(format!("`credentialSubject.achievement.{key}` is required"));
                }
            }
        }
        Ok(Conformance { version, kind, anonymous_subject })
    }

    /// [`Credential::conformance`] for a verifier or a site that takes only Open Badges (and
    /// the status lists that go with them).
    pub fn open_badge_conformance(&self) -> Result<Conformance, String> {
        let c = self.conformance()?;
        if c.kind == CredentialKind::Plain {
            return Err(
                "not an Open Badge: `type` must include `AchievementCredential` or `OpenBadgeCredential`"
                    .into(),
            );
        }
        Ok(c)
    }

    /// The VC data model's rules, which hold whatever a credential claims to be (VC 2.0 §4;
    /// VC 1.1 for a credential written in it). Returns the version it is written in.
    fn data_model(&self) -> Result<VcVersion, String> {
        let version = self.version().ok_or_else(|| {
            format!("`@context` must start with `{}` (or `{}` for VC 1.1)", contexts::VC_V2, contexts::VC_V1)
        })?;
        // rosette never fetches a context, whichever suite signed the credential.
        if let Some(unknown) = self.contexts().iter().find(|c| contexts::get(c).is_none()) {
            return Err(format!(
                "unknown JSON-LD context `{unknown}`: rosette only uses the contexts it embeds"
            ));
        }
        if !self.types().contains(&"VerifiableCredential") {
            return Err("`type` does not include `VerifiableCredential`".into());
        }
        if self.issuer_id().is_none() {
            return Err("`issuer` must be a URL or a Profile with an `id`".into());
        }
        match version {
            VcVersion::V2 => {
                if let Some(v) = self.value.get("validFrom")
                    && v.as_str().and_then(parse_date_time).is_none()
                {
                    return Err(format!("`validFrom` is not a date-time: {v}"));
                }
            }
            VcVersion::V1_1 => {
                if self.date("issuanceDate").is_none() {
                    return Err("`issuanceDate` is required in a VC 1.1 credential".into());
                }
            }
        }
        for key in ["validUntil", "expirationDate"] {
            if let Some(v) = self.value.get(key)
                && v.as_str().and_then(parse_date_time).is_none()
            {
                return Err(format!("`{key}` is not a date-time: {v}"));
            }
        }
        if let (Some(from), Some(until)) = (self.valid_from(), self.valid_until())
            && from > until
        {
            return Err("`validFrom` is later than `validUntil`".into());
        }
        // "credentialSubject ... MUST contain one or more claims" (VC 2.0 §4.8): an object, or
        // a list of them, each saying something.
        let Some(subject) = self.value.get("credentialSubject") else {
            return Err("`credentialSubject` is required".into());
        };
        let subjects = values(Some(subject));
        if subjects.is_empty() || subjects.iter().any(|s| s.as_object().is_none_or(serde_json::Map::is_empty))
        {
            return Err(
                "`credentialSubject` must be an object with at least one claim, or a list of them".into()
            );
        }
        // Entries the data model types (VC 2.0 §4.10, §4.11, §5.5, §5.6, §5.7): each one an
        // object with a `type`; a schema also needs its `id`.
        for key in ["credentialStatus", "credentialSchema", "termsOfUse", "evidence", "refreshService"] {
            for entry in values(self.value.get(key)) {
                let Some(entry) = entry.as_object() else {
                    return Err(format!("`{key}` entries must be objects"));
                };
                if entry.get("type").is_none() {
                    return Err(format!("every `{key}` entry must have a `type`"));
                }
                if key == "credentialSchema" && entry.get("id").and_then(Value::as_str).is_none() {
                    return Err("every `credentialSchema` entry must have an `id`".into());
                }
            }
        }
        // Related resources (VC 2.0 §5.3): each names its resource and a digest of it, once.
        let mut seen = std::collections::HashSet::new();
        for entry in values(self.value.get("relatedResource")) {
            let entry = entry.as_object().ok_or("`relatedResource` entries must be objects")?;
            let id = entry
                .get("id")
                .and_then(Value::as_str)
                .ok_or("every `relatedResource` entry must have an `id`")?;
            if !seen.insert(id) {
                return Err(format!("`relatedResource` lists `{id}` twice"));
            }
            let digest =
                ["digestSRI", "digestMultibase"].iter().any(|k| entry.get(*k).is_some_and(Value::is_string));
            if !digest {
                return Err(format!("`relatedResource` `{id}` has no `digestSRI` or `digestMultibase`"));
            }
        }
        Ok(version)
    }
}

/// The values of a JSON value that may be one value or an array of them (none when absent).
pub fn values(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    }
}

/// The strings of a JSON value that may be one string or an array of them.
pub fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn badge() -> Value {
        json!({
            "@context": [contexts::VC_V2, contexts::OB_V3P0],
            "id": "urn:uuid:1",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": "did:web:example.org", "type": ["Profile"]},
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "did:example:alice",
                "type": ["AchievementSubject"],
                "achievement": {"id": "https://example.org/a", "type": ["Achievement"],
                    "name": "A", "description": "d", "criteria": {"narrative": "n"}}
            }
        })
    }

    #[test]
    fn json_errors_keep_line_and_column() {
        let err = Credential::parse(b"{\n  \"a\": 1,\n  \"b\" 2\n}").expect_err("bad json");
        assert_eq!(err.to_string(), "invalid JSON at line 3, column 7: expected `:`");
    }

    #[test]
    fn a_complete_badge_conforms() {
        let c = Credential { value: badge() };
        let conf = c.conformance().expect("conforms");
        assert_eq!(conf.describe(), "Open Badges 3.0 AchievementCredential (VC 2.0)");
    }

    type Edit = fn(&mut Value);

    #[test]
    fn a_subject_without_id_or_identifier_conforms_with_a_note() {
        let mut v = badge();
        v["credentialSubject"].as_object_mut().map(|o| o.remove("id"));
        let conf = Credential { value: v }.conformance().expect("conforms");
        assert!(conf.anonymous_subject);
        assert!(conf.describe().contains("cannot be matched to a recipient"));
    }

    #[test]
    fn one_defect_shapes_are_named() {
        let cases: [(&str, Edit); 6] = [
            ("`@context` must start with", |v| v["@context"] = json!([contexts::OB_V3P0])),
            ("second `@context`", |v| v["@context"] = json!([contexts::VC_V2])),
            ("`validFrom` is required", |v| {
                v.as_object_mut().map(|o| o.remove("validFrom"));
            }),
            ("`credentialSubject.achievement` is required", |v| {
                v["credentialSubject"].as_object_mut().map(|o| o.remove("achievement"));
            }),
            ("not an Open Badge", |v| v["type"] = json!(["VerifiableCredential"])),
            ("later than", |v| v["validUntil"] = json!("2000-01-01T00:00:00Z")),
        ];
        for (needle, edit) in cases {
            let mut v = badge();
            edit(&mut v);
            let err = Credential { value: v }.open_badge_conformance().expect_err(needle);
            assert!(err.contains(needle), "{err} should contain {needle}");
        }
    }

    /// A VC 2.0 credential that is not an Open Badge.
    fn plain() -> Value {
        json!({
            "@context": [contexts::VC_V2],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": "did:example:subject", "name": "Ada"}
        })
    }

    #[test]
    fn a_plain_credential_conforms_as_one() {
        let conf = Credential { value: plain() }.conformance().expect("conforms");
        assert_eq!(conf.describe(), "Verifiable Credential, not an Open Badge (VC 2.0)");
        assert!(Credential { value: plain() }.open_badge_conformance().is_err());
    }

    /// The data model's rules hold for every credential (the refusals the W3C VC 2.0 suite
    /// expects of an issuer and a verifier, issue #19).
    #[test]
    fn data_model_defects_are_named_for_any_credential() {
        let cases: [(&str, Edit); 13] = [
            ("`credentialSubject` is required", |v| {
                v.as_object_mut().map(|o| o.remove("credentialSubject"));
            }),
            ("at least one claim", |v| v["credentialSubject"] = json!({})),
            ("at least one claim", |v| v["credentialSubject"] = json!([])),
            ("at least one claim", |v| v["credentialSubject"] = json!("did:example:subject")),
            ("`validFrom` is not a date-time", |v| v["validFrom"] = json!("Sat 25 Feb 2023 07:16:31 PM CST")),
            ("`validUntil` is not a date-time", |v| v["validUntil"] = json!("FUTURE DATE")),
            ("later than", |v| {
                v["validFrom"] = json!("2025-01-01T00:00:00Z");
                v["validUntil"] = json!("2024-01-01T00:00:00Z");
            }),
            ("every `credentialStatus` entry must have a `type`", |v| {
                v["credentialStatus"] = json!({"id": "https://example.org/status#1"})
            }),
            ("every `termsOfUse` entry must have a `type`", |v| v["termsOfUse"] = json!([{"id": "x:y"}])),
            ("every `evidence` entry must have a `type`", |v| v["evidence"] = json!({"id": "x:y"})),
            ("every `credentialSchema` entry must have an `id`", |v| {
                v["credentialSchema"] = json!({"type": "JsonSchema"})
            }),
            ("has no `digestSRI` or `digestMultibase`", |v| {
                v["relatedResource"] = json!([{"id": "https://example.org/a.png"}])
            }),
            ("lists `https://example.org/a.png` twice", |v| {
                v["relatedResource"] = json!([
                    {"id": "https://example.org/a.png", "digestSRI": "sha384-x"},
                    {"id": "https://example.org/a.png", "digestSRI": "sha384-x"}
                ])
            }),
        ];
        for (needle, edit) in cases {
            let mut v = plain();
            edit(&mut v);
            let err = Credential { value: v }.conformance().expect_err(needle);
            assert!(err.contains(needle), "{err} should contain {needle}");
        }
    }
}
