//! Why a document could not be turned into RDF, and where in the document.

use std::fmt;

/// Why a document could not be turned into RDF.
///
/// Every variant but [`UnknownContext`](Self::UnknownContext) carries the JSON path of the
/// offending value (`credentialSubject.achievement.alignment[1].targetName`; empty for the
/// document root), so that a report can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonLdError {
    /// A context URL that rosette does not embed; rosette never fetches one.
    #[error("unknown JSON-LD context `{0}`: rosette only uses the contexts it embeds")]
    UnknownContext(String),
    /// Something `jsonld.js` in safe mode rejects: processing would silently drop or distort
    /// data, so what a reader sees would not be what is signed.
    #[error("{}{violation}", At(path))]
    Unsafe {
        /// The JSON path of the offending value (empty for the document root).
        path: String,
        /// What safe mode rejects.
        violation: SafeModeViolation,
    },
    /// Invalid JSON-LD, which every conforming processor rejects. `code` is the JSON-LD 1.1 API
    /// error code (`protected term redefinition`, `invalid IRI mapping`, ...).
    #[error("{}invalid JSON-LD ({code}): {message}", At(path))]
    Invalid {
        /// The JSON path of the offending value (empty for the document root).
        path: String,
        /// The JSON-LD 1.1 API error code.
        code: &'static str,
        /// What is wrong, in words.
        message: String,
    },
    /// Valid JSON-LD that rosette refuses although `jsonld.js` safe mode accepts it: the data
    /// would not be signed, or JSON-LD processors disagree on its RDF form, or it has no
    /// well-formed N-Quads form.
    #[error("{}{message}", At(path))]
    Unsupported {
        /// The JSON path of the offending value (empty for the document root).
        path: String,
        /// Why rosette refuses it.
        message: String,
    },
    /// The document or its contexts nest deeper than rosette processes.
    #[error("{}{what} nest more than {limit} levels deep", At(path))]
    TooDeep {
        /// The JSON path where the limit was reached.
        path: String,
        /// What nests too deep: the document or its contexts.
        what: &'static str,
        /// The deepest nesting rosette processes.
        limit: usize,
    },
}

impl JsonLdError {
    /// A short machine-readable code: the `jsonld.js` safe-mode event code for
    /// [`Unsafe`](Self::Unsafe), the JSON-LD error code for [`Invalid`](Self::Invalid),
    /// `loading remote context failed` for an unknown context, and `rosette: ...` for refusals
    /// of rosette's own.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownContext(_) => "loading remote context failed",
            Self::Unsafe { violation, .. } => violation.code(),
            Self::Invalid { code, .. } => code,
            Self::Unsupported { .. } => "rosette: unsupported",
            Self::TooDeep { .. } => "rosette: too deep",
        }
    }

    /// The JSON path of the offending value, if the error has one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::UnknownContext(_) => None,
            Self::Unsafe { path, .. }
            | Self::Invalid { path, .. }
            | Self::Unsupported { path, .. }
            | Self::TooDeep { path, .. } => Some(path),
        }
    }
}

/// Prefixes a message with "`path`: " when there is a path.
struct At<'a>(&'a str);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { Ok(()) } else { write!(f, "`{}`: ", self.0) }
    }
}

/// The conditions `jsonld.js` treats as unsafe (`_notSafeEventCodes` in `lib/events.js`), which
/// its `safe: true` mode, used by `@digitalbazaar/vc` to sign and verify, turns into errors.
///
/// [`code`](Self::code) gives the `jsonld.js` event code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SafeModeViolation {
    /// A property that expands to nothing or to a relative IRI (`invalid property`).
    #[error("property `{0}` is not defined by any @context, so it would not be signed")]
    InvalidProperty(String),
    /// An `@type` value that is not an absolute IRI (`relative @type reference`).
    #[error(
        "type `{0}` is not defined by any @context (it is not an absolute IRI), so it would not be signed"
    )]
    RelativeTypeReference(String),
    /// An `@id` value that is a relative IRI reference (`relative @id reference`).
    #[error(
        "identifier `{0}` is a relative IRI reference and the document has no base IRI, so it would not be signed as written"
    )]
    RelativeIdReference(String),
    /// An `@vocab` that is not an absolute IRI (`relative @vocab reference`).
    #[error("@vocab `{0}` is not an absolute IRI")]
    RelativeVocabReference(String),
    /// A language tag that is not well-formed (`invalid @language value`).
    #[error("language tag `{0}` is not a well-formed BCP 47 language tag")]
    InvalidLanguage(String),
    /// A term that has the form of a keyword (`reserved term`).
    #[error("term `{0}` has the form of a JSON-LD keyword, which is reserved, so a processor would drop it")]
    ReservedTerm(String),
    /// An identifier that has the form of a keyword (`reserved @id value`).
    #[error(
        "identifier `{0}` has the form of a JSON-LD keyword, which is reserved, so a processor would drop it"
    )]
    ReservedIdValue(String),
    /// An `@reverse` term IRI that has the form of a keyword (`reserved @reverse value`).
    #[error(
        "@reverse value `{0}` has the form of a JSON-LD keyword, which is reserved, so a processor would drop it"
    )]
    ReservedReverseValue(String),
    /// An object that is empty after expansion where it would be dropped (`empty object`).
    #[error("this empty object is not attached to anything, so it would be dropped and not signed")]
    EmptyObject,
    /// A bare value that is not the value of any property (`free-floating scalar`).
    #[error("value `{0}` is not the value of any property, so it would be dropped and not signed")]
    FreeFloatingScalar(String),
    /// A node with nothing but an identifier where it would be dropped (`object with only @id`).
    #[error("node `{0}` has nothing but an identifier here, so it would be dropped and not signed")]
    ObjectWithOnlyId(String),
    /// A value object that is not the value of any property (`object with only @value`).
    #[error("this value is not the value of any property, so it would be dropped and not signed")]
    ObjectWithOnlyValue,
    /// A list that is not the value of any property (`object with only @list`).
    #[error("this list is not the value of any property, so it would be dropped and not signed")]
    ObjectWithOnlyList,
    /// An object with nothing but `@language` (`object with only @language`).
    #[error("this object has nothing but @language, so it would be dropped and not signed")]
    ObjectWithOnlyLanguage,
    /// A value object whose `@value` is null (`null @value value`).
    #[error("@value is null, so this value would be dropped and not signed")]
    NullValue,
    /// A property whose IRI is a blank node identifier (`blank node predicate`).
    #[error(
        "property `{0}` expands to a blank node identifier, which RDF does not allow as a predicate, so it would be dropped"
    )]
    BlankNodePredicate(String),
    /// A predicate that is a relative IRI (`relative predicate reference`).
    #[error("property IRI `{0}` is relative, so it would be dropped")]
    RelativePredicateReference(String),
    /// A subject that is a relative IRI (`relative subject reference`).
    #[error("subject `{0}` is a relative IRI, so its statements would be dropped")]
    RelativeSubjectReference(String),
    /// An object that is a relative IRI (`relative object reference`).
    #[error("value `{0}` is a relative IRI, so it would be dropped")]
    RelativeObjectReference(String),
    /// A graph name that is a relative IRI (`relative graph reference`).
    #[error("graph name `{0}` is a relative IRI, so the graph would be dropped")]
    RelativeGraphReference(String),
    /// A value with a base direction, which the RDF that `eddsa-rdfc-2022` signs cannot carry
    /// because no `rdfDirection` is set (`rdfDirection not set`).
    #[error(
        "the text direction (@direction) of `{0}` cannot be represented in the signed RDF (no rdfDirection), so it would be dropped"
    )]
    RdfDirectionNotSet(String),
}

impl SafeModeViolation {
    /// The `jsonld.js` event code for this condition.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidProperty(_) => "invalid property",
            Self::RelativeTypeReference(_) => "relative @type reference",
            Self::RelativeIdReference(_) => "relative @id reference",
            Self::RelativeVocabReference(_) => "relative @vocab reference",
            Self::InvalidLanguage(_) => "invalid @language value",
            Self::ReservedTerm(_) => "reserved term",
            Self::ReservedIdValue(_) => "reserved @id value",
            Self::ReservedReverseValue(_) => "reserved @reverse value",
            Self::EmptyObject => "empty object",
            Self::FreeFloatingScalar(_) => "free-floating scalar",
            Self::ObjectWithOnlyId(_) => "object with only @id",
            Self::ObjectWithOnlyValue => "object with only @value",
            Self::ObjectWithOnlyList => "object with only @list",
            Self::ObjectWithOnlyLanguage => "object with only @language",
            Self::NullValue => "null @value value",
            Self::BlankNodePredicate(_) => "blank node predicate",
            Self::RelativePredicateReference(_) => "relative predicate reference",
            Self::RelativeSubjectReference(_) => "relative subject reference",
            Self::RelativeObjectReference(_) => "relative object reference",
            Self::RelativeGraphReference(_) => "relative graph reference",
            Self::RdfDirectionNotSet(_) => "rdfDirection not set",
        }
    }
}

/// How deeply contexts may nest (scoped contexts within scoped contexts, context URLs that
/// reference others): deeper is [`ContextError::TooDeep`]. The embedded contexts nest two
/// levels.
pub(crate) const MAX_CONTEXT_DEPTH: usize = 32;

/// A problem found while processing a context, before it is tied to a place in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ContextError {
    Unknown(String),
    Unsafe(SafeModeViolation),
    Invalid(&'static str, String),
    Unsupported(String),
    TooDeep,
}

impl ContextError {
    pub(crate) fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(code, message.into())
    }

    /// The error located at `path`.
    pub(crate) fn at(self, path: String) -> JsonLdError {
        match self {
            Self::Unknown(url) => JsonLdError::UnknownContext(url),
            Self::Unsafe(violation) => JsonLdError::Unsafe { path, violation },
            Self::Invalid(code, message) => JsonLdError::Invalid { path, code, message },
            Self::Unsupported(message) => JsonLdError::Unsupported { path, message },
            Self::TooDeep => JsonLdError::TooDeep { path, what: "contexts", limit: MAX_CONTEXT_DEPTH },
        }
    }
}

/// One step of a JSON path.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Formats a JSON path as `a.b[2].c`; keys that would be ambiguous in that form are quoted.
pub(crate) fn format_path(segs: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
            Seg::Key(k) => {
                let plain = !k.is_empty() && !k.contains(['.', '[', ']', '"', '`']) && !k.starts_with(' ');
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    out.push('[');
                    out.push_str(&serde_json::Value::from(*k).to_string());
                    out.push(']');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_javascript() {
        let segs = [
            Seg::Key("credentialSubject"),
            Seg::Key("achievement"),
            Seg::Key("alignment"),
            Seg::Index(1),
            Seg::Key("target.Name"),
        ];
        assert_eq!(format_path(&segs), r#"credentialSubject.achievement.alignment[1]["target.Name"]"#);
        assert_eq!(format_path(&[Seg::Index(0), Seg::Key("a")]), "[0].a");
    }

    #[test]
    fn messages_name_the_path_and_the_term() {
        let e = JsonLdError::Unsafe {
            path: "credentialSubject.achievement.foo".into(),
            violation: SafeModeViolation::InvalidProperty("foo".into()),
        };
        assert_eq!(
            e.to_string(),
            "`credentialSubject.achievement.foo`: property `foo` is not defined by any @context, so it would not be signed"
        );
        assert_eq!(e.code(), "invalid property");
    }
}
