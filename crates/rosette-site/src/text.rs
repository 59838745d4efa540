//! Numbers in messages: counts that agree with their noun, thousands with commas.

/// `n noun` in the plural unless `n` is 1, with commas in thousands: "1 award", "12,345 files".
pub fn count(n: usize, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// `n` with a comma between each group of three digits.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_number() {
        let cases = [
            (0, "award", "0 awards"),
            (1, "award", "1 award"),
            (2, "achievement", "2 achievements"),
            (1, "status list", "1 status list"),
            (12_345, "file", "12,345 files"),
            (1_000_000, "credential", "1,000,000 credentials"),
        ];
        for (n, noun, expected) in cases {
            assert_eq!(count(n, noun), expected);
        }
    }
}
