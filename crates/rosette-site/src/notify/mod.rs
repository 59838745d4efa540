//! Telling earners: the e-mail notice of an award, from `award` to the issuer's mail server.
//!
//! `award` is the one moment rosette sees a plain address (the credential carries only its
//! salted hash), so it composes each notice then ([`compose`], from the theme's templates)
//! and files it in the site's outbox ([`outbox`]); `rosette notify` later submits what is
//! there to the server of `[notify] smtp` ([`server`]), each message at most once. The
//! outbox is never published: `build` and `check` refuse a site whose `badges/` or theme
//! would copy it ([`outbox::is_outbox_file`]), and nothing rosette prints names an address
//! ([`redact`]).

pub mod compose;
pub mod outbox;
pub mod server;

/// `text` with every e-mail address in it masked as `…@…`: what a server says about a
/// recipient (`550 5.1.1 <ada@example.org>: unknown user`) is printed and logged, its address
/// never.
pub fn redact(text: &str) -> String {
    // The characters of an address around its `@`: RFC 5322 atoms, dots, a domain literal's
    // brackets, and any non-ASCII (SMTPUTF8).
    let part = |c: char| c.is_alphanumeric() || !c.is_ascii() || "!#$%&'*+-/=?^_`{|}~.[]:".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // Drop the local part already copied, then skip the domain.
        while out.chars().next_back().is_some_and(part) {
            out.pop();
        }
        out.push_str("…@…");
        i += 1;
        while i < chars.len() && part(chars[i]) {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn addresses_are_masked_wherever_a_server_puts_them() {
        for (reply, masked) in [
            (
                "550 5.1.1 <ada@example.org>: Recipient address rejected",
                "550 5.1.1 <…@…>: Recipient address rejected",
            ),
            ("250 2.1.5 ada.lovelace+badges@mail.example.org ok", "250 2.1.5 …@… ok"),
            ("553 sorry, 李思@例子.中国 is not here", "553 sorry, …@… is not here"),
            ("550 no@[192.0.2.1], or b@c.d.", "550 …@…, or …@…"),
            ("250 2.0.0 Ok: queued as 4Bx", "250 2.0.0 Ok: queued as 4Bx"),
        ] {
            assert_eq!(redact(reply), masked, "{reply}");
        }
    }
}
