//! Embeds the default theme (`themes/default/{templates,static,i18n}`) in the binary: every
//! file there, so adding one to the theme needs no code change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../themes/default");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::new();
    for (dir, konst) in [("templates", "TEMPLATES"), ("static", "STATICS"), ("i18n", "LANGUAGES")] {
        let path = root.join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut names: Vec<String> = std::fs::read_dir(&path)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let _ = writeln!(out, "pub const {konst}: &[(&str, &[u8])] = &[");
        for name in names {
            let file = path.join(&name);
            println!("cargo:rerun-if-changed={}", file.display());
            let _ = writeln!(out, "    ({name:?}, include_bytes!({:?})),", file.display().to_string());
        }
        let _ = writeln!(out, "];");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("theme.rs");
    std::fs::write(dest, out).expect("write theme.rs");
}
