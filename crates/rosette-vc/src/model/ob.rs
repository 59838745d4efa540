//! A typed view of an Open Badges 3.0 credential's JSON: the classes of the
//! [OB 3.0 data model](https://www.imsglobal.org/spec/ob/v3p0/#data-model) that a reader is
//! shown, each a borrowed wrapper with one accessor per property, so that no caller walks
//! the raw JSON by name.
//!
//! The view never copies and never fails: a property that is missing or of another shape is
//! `None` (or empty). Text properties are returned as the JSON holds them, a string or
//! language value objects, for [`super::lang`] to read in the reader's language; identifiers
//! and URLs as strings. The credential itself stays the JSON it was signed as.

use super::credential::values;
use serde_json::Value;

macro_rules! views {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'a>(&'a Value);

        impl<'a> $name<'a> {
            /// The view of `value`.
            pub fn new(value: &'a Value) -> Self {
                $name(value)
            }

            /// The JSON this view reads.
            pub fn json(&self) -> &'a Value {
                self.0
            }

            fn get(&self, name: &str) -> Option<&'a Value> {
                self.0.get(name)
            }
        }
    )*};
}

views! {
    /// An `AchievementCredential` (OB 3.0 §B.1.1) or any VC with a credential subject.
    AchievementCredential;
    /// Its `credentialSubject`: an `AchievementSubject` (§B.1.2).
    AchievementSubject;
    /// The `Achievement` awarded (§B.1.3).
    Achievement;
    /// An achievement's `criteria` (§B.1.6).
    Criteria;
    /// An `Image` (§B.1.14): a URL, or an object with `id` and `caption`.
    Image;
    /// An `Alignment` to a framework, standard or competency (§B.1.4).
    Alignment;
    /// A piece of `Evidence` (§B.1.9).
    Evidence;
    /// A `Result` of the subject (§B.1.16).
    AchievementResult;
    /// A `ResultDescription` of the achievement (§B.1.17).
    ResultDescription;
}

impl<'a> AchievementCredential<'a> {
    /// `credentialSubject` (an Open Badge has one).
    pub fn subject(&self) -> AchievementSubject<'a> {
        AchievementSubject(self.get("credentialSubject").unwrap_or(&Value::Null))
    }

    /// The issuer's `name`, when `issuer` is a profile object rather than a bare IRI.
    pub fn issuer_name(&self) -> Option<&'a Value> {
        self.get("issuer").filter(|i| i.is_object()).and_then(|i| i.get("name"))
    }

    /// `description`.
    pub fn description(&self) -> Option<&'a Value> {
        self.get("description")
    }

    /// `evidence`, in order.
    pub fn evidence(&self) -> Vec<Evidence<'a>> {
        values(self.get("evidence")).into_iter().map(Evidence).collect()
    }

    /// The `statusListCredential` URL of each `credentialStatus` entry that names one.
    pub fn status_list_urls(&self) -> Vec<&'a str> {
        values(self.get("credentialStatus"))
            .into_iter()
            .filter_map(|e| e.get("statusListCredential").and_then(Value::as_str))
            .collect()
    }
}

impl<'a> AchievementSubject<'a> {
    /// The recipient's `name`.
    pub fn name(&self) -> Option<&'a Value> {
        self.get("name")
    }

    /// `narrative`: how the recipient earned it (Markdown).
    pub fn narrative(&self) -> Option<&'a Value> {
        self.get("narrative")
    }

    /// The `achievement` awarded.
    pub fn achievement(&self) -> Achievement<'a> {
        Achievement(self.get("achievement").unwrap_or(&Value::Null))
    }

    /// `result`, in order.
    pub fn results(&self) -> Vec<AchievementResult<'a>> {
        values(self.get("result")).into_iter().map(AchievementResult).collect()
    }
}

impl<'a> Achievement<'a> {
    /// `id`.
    pub fn id(&self) -> Option<&'a str> {
        self.get("id").and_then(Value::as_str)
    }

    /// `criteria`.
    pub fn criteria(&self) -> Option<Criteria<'a>> {
        self.get("criteria").map(Criteria)
    }

    /// `image`.
    pub fn image(&self) -> Option<Image<'a>> {
        self.get("image").map(Image)
    }

    /// `achievementType`: a term of the OB vocabulary (`Certificate`) or `ext:` an extension.
    pub fn achievement_type(&self) -> Option<&'a str> {
        self.get("achievementType").and_then(Value::as_str)
    }

    /// `humanCode`.
    pub fn human_code(&self) -> Option<&'a Value> {
        self.get("humanCode")
    }

    /// `fieldOfStudy`.
    pub fn field_of_study(&self) -> Option<&'a Value> {
        self.get("fieldOfStudy")
    }

    /// `creditsAvailable`.
    pub fn credits_available(&self) -> Option<f64> {
        self.get("creditsAvailable").and_then(Value::as_f64)
    }

    /// `tag`: the strings among them.
    pub fn tags(&self) -> Vec<&'a str> {
        values(self.get("tag")).into_iter().filter_map(Value::as_str).collect()
    }

    /// `alignment`, in order.
    pub fn alignments(&self) -> Vec<Alignment<'a>> {
        values(self.get("alignment")).into_iter().map(Alignment).collect()
    }

    /// The `resultDescription` with this `id`.
    pub fn result_description(&self, id: &str) -> Option<ResultDescription<'a>> {
        values(self.get("resultDescription"))
            .into_iter()
            .find(|d| d.get("id").and_then(Value::as_str) == Some(id))
            .map(ResultDescription)
    }
}

impl<'a> Criteria<'a> {
    /// `id`: a page describing the criteria.
    pub fn id(&self) -> Option<&'a str> {
        self.get("id").and_then(Value::as_str)
    }

    /// `narrative` (Markdown).
    pub fn narrative(&self) -> Option<&'a Value> {
        self.get("narrative")
    }
}

impl<'a> Image<'a> {
    /// The image's URL: the value itself, or its `id`.
    pub fn id(&self) -> Option<&'a str> {
        self.0.as_str().or_else(|| self.get("id").and_then(Value::as_str))
    }

    /// `caption`.
    pub fn caption(&self) -> Option<&'a Value> {
        self.get("caption")
    }
}

impl<'a> Alignment<'a> {
    /// `targetName`.
    pub fn target_name(&self) -> Option<&'a Value> {
        self.get("targetName")
    }

    /// `targetUrl`.
    pub fn target_url(&self) -> Option<&'a str> {
        self.get("targetUrl").and_then(Value::as_str)
    }

    /// `targetFramework`.
    pub fn target_framework(&self) -> Option<&'a Value> {
        self.get("targetFramework")
    }

    /// `targetCode`.
    pub fn target_code(&self) -> Option<&'a Value> {
        self.get("targetCode")
    }
}

impl<'a> Evidence<'a> {
    /// `id`: where the evidence is.
    pub fn id(&self) -> Option<&'a str> {
        self.get("id").and_then(Value::as_str)
    }

    /// `name`.
    pub fn name(&self) -> Option<&'a Value> {
        self.get("name")
    }

    /// `description`.
    pub fn description(&self) -> Option<&'a Value> {
        self.get("description")
    }

    /// `narrative` (Markdown).
    pub fn narrative(&self) -> Option<&'a Value> {
        self.get("narrative")
    }
}

impl<'a> AchievementResult<'a> {
    /// `value`.
    pub fn value(&self) -> Option<&'a Value> {
        self.get("value")
    }

    /// `status`.
    pub fn status(&self) -> Option<&'a Value> {
        self.get("status")
    }

    /// `resultDescription`: the `id` of a result description of the achievement.
    pub fn result_description(&self) -> Option<&'a str> {
        self.get("resultDescription").and_then(Value::as_str)
    }
}

impl<'a> ResultDescription<'a> {
    /// `name`.
    pub fn name(&self) -> Option<&'a Value> {
        self.get("name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_view_reads_what_is_there_and_nothing_else() {
        let c = json!({
            "issuer": {"id": "did:web:x", "name": "X"},
            "credentialSubject": {
                "name": "Ada",
                "achievement": {
                    "id": "https://x/a", "achievementType": "Certificate", "creditsAvailable": 3,
                    "tag": ["a", 1, "b"], "image": "https://x/i.png",
                    "criteria": {"id": "https://x/c", "narrative": "Do it"},
                    "resultDescription": [{"id": "urn:r1", "name": "Grade"}]
                },
                "result": {"value": "A", "resultDescription": "urn:r1"}
            },
            "evidence": [{"id": "https://x/e", "name": "Essay"}],
            "credentialStatus": [{"statusListCredential": "https://x/s/1"}, {"type": "Other"}]
        });
        let c = AchievementCredential::new(&c);
        let a = c.subject().achievement();
        assert_eq!(c.issuer_name(), Some(&json!("X")));
        assert_eq!(c.subject().name(), Some(&json!("Ada")));
        assert_eq!(
            (a.id(), a.achievement_type(), a.credits_available()),
            (Some("https://x/a"), Some("Certificate"), Some(3.0))
        );
        assert_eq!(a.tags(), ["a", "b"]);
        assert_eq!(a.image().and_then(|i| i.id()), Some("https://x/i.png"));
        assert_eq!(a.criteria().and_then(|c| c.id()), Some("https://x/c"));
        let result = c.subject().results()[0];
        let described = result.result_description().and_then(|id| a.result_description(id));
        assert_eq!(described.and_then(|d| d.name()), Some(&json!("Grade")));
        assert_eq!(c.evidence()[0].id(), Some("https://x/e"));
        assert_eq!(c.status_list_urls(), ["https://x/s/1"]);
        let bare = json!({"issuer": "did:web:x", "credentialSubject": 5});
        let bare = AchievementCredential::new(&bare);
        assert_eq!(bare.issuer_name(), None, "an issuer IRI has no name");
        assert!(bare.subject().achievement().id().is_none() && bare.evidence().is_empty());
    }
}
