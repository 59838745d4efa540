//! The theme's JavaScript as it is published: parsed and printed again without comments or
//! indentation. The sources carry JSDoc types for `tsc` (issue #20), which visitors have no use
//! for. Only the printer's minify mode is used: no compression or renaming, so what runs is the
//! same program statement for statement, and a script that does not parse is published as it is.

use oxc_allocator::Allocator;
use oxc_codegen::{Codegen, CodegenOptions};
use oxc_parser::Parser;
use oxc_span::SourceType;

/// `source` (an ES module) without comments and insignificant white space, or `None` when it
/// is not valid JavaScript or would not get smaller.
pub fn strip(source: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(source).ok()?;
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, SourceType::mjs()).parse();
    if parsed.panicked || !parsed.errors.is_empty() {
        return None;
    }
    let mut code = Codegen::new().with_options(CodegenOptions::minify()).build(&parsed.program).code;
    code.push('\n');
    (code.len() < source.len()).then(|| code.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_indentation_go_and_the_program_stays() {
        let src = b"// @ts-check\n/**\n * Adds.\n * @param {number} a\n */\nexport function add(a, b) {\n  // why\n  return a + b; // sum\n}\nconst url = 'https://example.org/a//b'; /* not a comment: */ const re = /\\/\\//g;\n";
        let out = String::from_utf8(strip(src).expect("valid")).expect("utf-8");
        assert!(!out.contains("@param") && !out.contains("why") && !out.contains("@ts-check"), "{out}");
        assert!(out.contains("https://example.org/a//b"), "{out}");
        assert!(out.contains("return a+b"), "{out}");
        assert!(out.contains("/\\/\\//g"), "{out}");
    }

    #[test]
    fn what_does_not_parse_is_left_alone() {
        assert_eq!(strip(b"export function (\n"), None);
        assert_eq!(strip(b"\xff\xfe"), None);
    }
}
