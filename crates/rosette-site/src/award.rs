//! Building an award: the unsigned OB 3.0 `AchievementCredential` for one recipient. Pure:
//! randomness (ids, salts) comes in as arguments, so the output is testable.

use crate::achievement::Achievement;
use crate::config::Config;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Who receives the award, and how they are identified.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub name: String,
    pub identity: Identity,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    /// An e-mail address, published only as a salted SHA-256 hash.
    Email { address: String, salt: String },
    /// A DID or URL the recipient controls (`credentialSubject.id`).
    Id(String),
}

/// One piece of evidence: a URL with an optional name.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub url: String,
    pub name: Option<String>,
}

/// Everything an award needs besides the achievement.
#[derive(Debug, Clone)]
pub struct AwardRequest {
    /// The path segment of the award's id (`2026-5t2k…`).
    pub slug: String,
    pub recipient: Recipient,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub evidence: Vec<Evidence>,
    /// `credentialStatus` entries (one per status purpose).
    pub status: Vec<Value>,
}

/// OB 3.0 IdentityHash (`sha256$` + hex SHA-256 of identifier ‖ salt).
pub fn identity_hash(identifier: &str, salt: &str) -> String {
    let digest = Sha256::digest(format!("{identifier}{salt}").as_bytes());
    format!("sha256${}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The id of an award.
pub fn award_id(config: &Config, slug: &str) -> String {
    format!("{}awards/{slug}", config.base_url)
}

/// The unsigned credential.
pub fn build_credential(config: &Config, achievement: &Achievement, request: &AwardRequest) -> Value {
    let mut subject = Map::new();
    subject.insert("type".into(), json!(["AchievementSubject"]));
    match &request.recipient.identity {
        Identity::Id(id) => {
            subject.insert("id".into(), id.clone().into());
        }
        Identity::Email { address, salt } => {
            subject.insert(
                "identifier".into(),
                json!([{
                    "type": "IdentityObject",
                    "identityHash": identity_hash(address, salt),
                    "identityType": "emailAddress",
                    "hashed": true,
                    "salt": salt,
                }]),
            );
        }
    }
    subject.insert("name".into(), request.recipient.name.clone().into());
    subject.insert("achievement".into(), achievement.to_json(&config.base_url, &config.language));

    let mut issuer = Map::new();
    issuer.insert("id".into(), config.did().into());
    issuer.insert("type".into(), json!(["Profile"]));
    issuer.insert("name".into(), config.issuer.name.clone().into());
    if let Some(url) = &config.issuer.url {
        issuer.insert("url".into(), url.clone().into());
    }
    if let Some(email) = &config.issuer.email {
        issuer.insert("email".into(), email.clone().into());
    }
    if let Some(image) = &config.issuer.image {
        let url = if image.contains("://") { image.clone() } else { format!("{}{image}", config.base_url) };
        issuer.insert("image".into(), json!({"id": url, "type": "Image"}));
    }

    let mut c = Map::new();
    c.insert("@context".into(), json!([crate::contexts::VC_V2, crate::contexts::OB_V3P0]));
    c.insert("id".into(), award_id(config, &request.slug).into());
    c.insert("type".into(), json!(["VerifiableCredential", "OpenBadgeCredential"]));
    c.insert("name".into(), achievement.name(&config.language).into());
    c.insert("issuer".into(), Value::Object(issuer));
    c.insert("validFrom".into(), request.valid_from.clone().into());
    if let Some(until) = &request.valid_until {
        c.insert("validUntil".into(), until.clone().into());
    }
    c.insert("credentialSubject".into(), Value::Object(subject));
    if !request.evidence.is_empty() {
        let list: Vec<Value> = request
            .evidence
            .iter()
            .map(|e| {
                let mut o = json!({"id": e.url, "type": ["Evidence"]});
                if let Some(n) = &e.name {
                    o["name"] = n.clone().into();
                }
                o
            })
            .collect();
        c.insert("evidence".into(), Value::Array(list));
    }
    match request.status.len() {
        0 => {}
        1 => {
            c.insert("credentialStatus".into(), request.status[0].clone());
        }
        _ => {
            c.insert("credentialStatus".into(), Value::Array(request.status.clone()));
        }
    }
    Value::Object(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_hash_matches_the_spec_example() {
        // OB 3.0 spec example: SHA-256("a@example.com" + "Kosher").
        assert_eq!(
            identity_hash("a@example.com", "Kosher"),
            "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
        );
    }
}
