//! Ed25519 keys as Multikey, the only key type rosette signs with.
//!
//! * Public keys: `z` + base58btc(`0xed 0x01` ‖ 32-byte key), so they start `z6Mk`
//!   ([Controlled Identifiers §Multikey](https://www.w3.org/TR/cid-1.0/#Multikey),
//!   [vc-di-eddsa §2.1.1](https://www.w3.org/TR/vc-di-eddsa/#multikey)).
//! * Secret keys: `z` + base58btc(`0x80 0x26` ‖ 32-byte seed), so they start `z3u2`.
//!
//! [`SecretKey`] is deliberately inert: no `Debug`, `Display`, `Serialize` or `Clone`, and its
//! bytes are zeroized on drop (ed25519-dalek's `SigningKey` does that with its `zeroize`
//! feature). Only this module and the signing step ever hold one.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key is not multibase base58btc: it does not start with `z`. The field is its first
    /// eight characters, so that a secret never lands whole in a message.
    #[error("a Multikey must start with `z` (base58btc), got `{0}`")]
    NotBase58btc(String),
    /// The key starts with `z` but the rest is not base58btc. The field is its first eight
    /// characters.
    #[error("`{0}` is not valid base58btc")]
    BadBase58(String),
    /// A public key does not carry the Ed25519 public key multicodec prefix (`0xed01`).
    #[error("not an Ed25519 public key: a Multikey for Ed25519 starts `z6Mk` (multicodec 0xed01)")]
    NotEd25519Public,
    /// A secret key does not carry the Ed25519 private key multicodec prefix (`0x8026`).
    #[error("not an Ed25519 secret key: expected a secret Multikey starting `z3u2` (multicodec 0x8026)")]
    NotEd25519Secret,
    /// The key bytes after the prefix are not 32 long (nor 64, for a secret key written as
    /// seed ‖ public key); the field is their length.
    #[error("an Ed25519 key is 32 bytes, this one has {0}")]
    WrongLength(usize),
    /// The 32 bytes of a public key do not decode to a point on the Ed25519 curve.
    #[error("the public key is not a valid Ed25519 point")]
    InvalidPoint,
    /// A 64-byte secret key's public half is not the public key of its seed.
    #[error("the secret key's embedded public key does not match its seed")]
    MismatchedPair,
    /// A key file has no line but blank lines and `#` comments.
    #[error("no key found: the key file is empty")]
    Empty,
}

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads a `z6Mk…` Multikey.
    pub fn from_multibase(text: &str) -> Result<Self, KeyError> {
        let bytes = decode_multibase(text)?;
        let raw = bytes.strip_prefix(&ED25519_PUB).ok_or(KeyError::NotEd25519Public)?;
        Self::from_bytes(raw)
    }

    /// From the 32 raw bytes of the key (RFC 8032 §5.1.5), without a multicodec prefix.
    pub fn from_bytes(raw: &[u8]) -> Result<Self, KeyError> {
        let raw: &[u8; 32] = raw.try_into().map_err(|_| KeyError::WrongLength(raw.len()))?;
        VerifyingKey::from_bytes(raw).map(PublicKey).map_err(|_| KeyError::InvalidPoint)
    }

    /// The `z6Mk…` Multikey form.
    pub fn to_multibase(&self) -> String {
        let mut bytes = ED25519_PUB.to_vec();
        bytes.extend_from_slice(self.0.as_bytes());
        format!("z{}", bs58::encode(bytes).into_string())
    }

    /// The 32 raw bytes of the key, without a multicodec prefix.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// The `did:key` DID of this key.
    pub fn did_key(&self) -> String {
        format!("did:key:{}", self.to_multibase())
    }

    /// The verification method id of this key inside its `did:key` document
    /// (`did:key:z6Mk…#z6Mk…`).
    pub fn did_key_vm(&self) -> String {
        let mb = self.to_multibase();
        format!("did:key:{mb}#{mb}")
    }

    /// Checks an Ed25519 signature with the strict rules of RFC 8032 §5.1.7 (rejects
    /// non-canonical `S` and small-order keys), so a signature cannot be malleated.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = Signature::from_bytes(signature);
        self.0.verify_strict(message, &sig).is_ok()
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_multibase())
    }
}

/// An Ed25519 secret key. It cannot be printed, serialized or cloned, and is zeroized on drop.
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        SecretKey(SigningKey::generate(&mut rand_core::OsRng))
    }

    /// Reads a secret Multikey (`z3u2…`). The 64-byte form some tools write
    /// (seed ‖ public key, as in the 1EdTech OB 3.0 test vector) is accepted when its public
    /// half matches the seed.
    pub fn from_multibase(text: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(decode_multibase(text)?);
        let raw = bytes.strip_prefix(&ED25519_PRIV).ok_or(KeyError::NotEd25519Secret)?;
        match raw.len() {
            32 => Self::from_seed(raw),
            64 => {
                let key = Self::from_seed(&raw[..32])?;
                if key.public_key().as_bytes()[..] != raw[32..] {
                    return Err(KeyError::MismatchedPair);
                }
                Ok(key)
            }
            n => Err(KeyError::WrongLength(n)),
        }
    }

    /// From the 32-byte seed (RFC 8032 "private key").
    pub fn from_seed(seed: &[u8]) -> Result<Self, KeyError> {
        let seed: Zeroizing<[u8; 32]> =
            Zeroizing::new(seed.try_into().map_err(|_| KeyError::WrongLength(seed.len()))?);
        Ok(SecretKey(SigningKey::from_bytes(&seed)))
    }

    /// Reads a key file or the `ROSETTE_SIGNING_KEY` value: the first line that is not
    /// blank and not a `#` comment is the secret Multikey.
    pub fn parse_key_file(text: &str) -> Result<Self, KeyError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .ok_or(KeyError::Empty)?;
        Self::from_multibase(line)
    }

    /// The text of a key file: a warning comment, the public key for reference, the secret.
    pub fn to_key_file(&self) -> Zeroizing<String> {
        let public = self.public_key().to_multibase();
        Zeroizing::new(format!(
            "# rosette secret signing key. Keep it private: never commit or publish it.\n\
             # public key: {public}\n{}\n",
            self.to_multibase().as_str()
        ))
    }

    /// The `z3u2…` secret Multikey.
    pub fn to_multibase(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(ED25519_PRIV.to_vec());
        bytes.extend_from_slice(self.0.as_bytes());
        Zeroizing::new(format!("z{}", bs58::encode(&bytes[..]).into_string()))
    }

    /// The public key of this secret key: what verifiers and the DID document see.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `message` (pure Ed25519, RFC 8032).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }

    /// Every encoding of the secret that must never be published; used by the leak scans.
    pub fn leak_patterns(&self) -> Vec<Zeroizing<String>> {
        let seed = self.0.as_bytes();
        let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
        let b64 = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(seed)
        };
        let b64url = {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(seed)
        };
        vec![
            self.to_multibase(),
            Zeroizing::new(hex.to_uppercase()),
            Zeroizing::new(hex),
            Zeroizing::new(b64),
            Zeroizing::new(b64url),
            Zeroizing::new(bs58::encode(seed).into_string()),
        ]
    }
}

fn decode_multibase(text: &str) -> Result<Vec<u8>, KeyError> {
    let text = text.trim();
    let body = text.strip_prefix('z').ok_or_else(|| KeyError::NotBase58btc(abbreviate(text)))?;
    bs58::decode(body).into_vec().map_err(|_| KeyError::BadBase58(abbreviate(text)))
}

/// Shortens a possibly secret or very long value for an error message.
fn abbreviate(text: &str) -> String {
    let mut out: String = text.chars().take(8).collect();
    if text.chars().count() > 8 {
        out.push('…');
    }
    out
}

/// Decodes a `z`-prefixed base58btc `proofValue` into a 64-byte signature.
pub fn decode_signature(proof_value: &str) -> Option<[u8; 64]> {
    let body = proof_value.strip_prefix('z')?;
    bs58::decode(body).into_vec().ok()?.try_into().ok()
}

/// Encodes a signature as a `z`-prefixed base58btc `proofValue`.
pub fn encode_signature(signature: &[u8; 64]) -> String {
    format!("z{}", bs58::encode(signature).into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // W3C vc-di-eddsa test vector key pair (keyPair.json).
    const PUB: &str = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    const SECRET: &str = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";

    #[test]
    fn vector_key_pair_round_trips() {
        let sk = SecretKey::from_multibase(SECRET).expect("vector secret key");
        assert_eq!(sk.public_key().to_multibase(), PUB);
        assert_eq!(sk.to_multibase().as_str(), SECRET);
        let pk = PublicKey::from_multibase(PUB).expect("vector public key");
        assert_eq!(pk, sk.public_key());
        assert_eq!(pk.did_key_vm(), format!("did:key:{PUB}#{PUB}"));
    }

    #[test]
    fn sixty_four_byte_secret_of_the_ob3_vector_is_accepted() {
        let sk = SecretKey::from_multibase(
            "zrv2bqTbNwCTsRrHFcJCPjVAduh4Ezcnoq1A3ZxH1GWTNkxipLVuaAoMFmze2gFN9oNXfJjufxSHWVZzsJiUsMHFMcx",
        )
        .expect("64-byte secret");
        assert_eq!(sk.public_key().to_multibase(), "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi");
    }

    #[test]
    fn wrong_prefixes_are_refused() {
        assert_eq!(PublicKey::from_multibase(SECRET), Err(KeyError::NotEd25519Public));
        assert!(matches!(SecretKey::from_multibase(PUB), Err(KeyError::NotEd25519Secret)));
        assert!(matches!(PublicKey::from_multibase("u6Mk"), Err(KeyError::NotBase58btc(_))));
        assert!(matches!(PublicKey::from_multibase("z0OIl"), Err(KeyError::BadBase58(_))));
    }

    #[test]
    fn errors_never_echo_a_whole_secret() {
        let bad = format!("x{}", &SECRET[1..]);
        let msg = SecretKey::from_multibase(&bad).err().map(|e| e.to_string());
        let msg = msg.unwrap_or_default();
        assert!(!msg.contains(&SECRET[1..]), "{msg}");
    }

    #[test]
    fn key_file_round_trips_and_skips_comments() {
        let sk = SecretKey::generate();
        let file = sk.to_key_file();
        let back = SecretKey::parse_key_file(&file).expect("own key file");
        assert_eq!(back.public_key(), sk.public_key());
        assert!(matches!(SecretKey::parse_key_file("# only a comment\n\n"), Err(KeyError::Empty)));
    }

    #[test]
    fn signatures_verify_and_malleated_ones_do_not() {
        let sk = SecretKey::generate();
        let sig = sk.sign(b"hello");
        assert!(sk.public_key().verify(b"hello", &sig));
        assert!(!sk.public_key().verify(b"hellp", &sig));
        // S + L (L = the group order) is the classic malleation: same point, other bytes.
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut bad = sig;
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(bad[32 + i]) + u16::from(L[i]) + carry;
            bad[32 + i] = sum as u8;
            carry = sum >> 8;
        }
        assert!(!sk.public_key().verify(b"hello", &bad));
        assert_eq!(decode_signature(&encode_signature(&sig)), Some(sig));
    }
}
