//! JSON-LD 1.1 to RDF, in safe mode, over the embedded contexts only.
//! (Being written; see the module docs once it lands.)

pub use oxrdf::Quad;

/// Why a document could not be turned into RDF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonLdError {
    #[error("unknown JSON-LD context `{0}`: rosette only uses the contexts it embeds")]
    UnknownContext(String),
    #[error("{0}")]
    Other(String),
}

/// Turns JSON-LD documents into RDF quads, caching processed contexts across documents.
#[derive(Default)]
pub struct JsonLdProcessor {}

impl JsonLdProcessor {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn to_rdf(&self, _document: &serde_json::Value) -> Result<Vec<Quad>, JsonLdError> {
        Err(JsonLdError::Other("not yet implemented".into()))
    }
}
