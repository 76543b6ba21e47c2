//! `cargo xtask size`: where the playground's wasm bytes go. Reads the module as rustc wrote
//! it (before wasm-bindgen drops the name section) and sums each function's code by crate and
//! by generic family (path without type parameters: every `BTreeMap<K, V>` instance in one
//! line), then lists the largest functions and the data. A twiggy-like view, with the
//! wasmparser and rustc-demangle that wasm-bindgen-cli-support already brings.

use std::collections::HashMap;
use std::fs;

use crate::{build, setup, util};

pub fn size(rest: &[String]) -> Result<(), String> {
    let top = match rest {
        [] => 25,
        [flag, n] if flag == "--top" => {
            n.parse().map_err(|_| format!("--top {n}: not a number"))?
        }
        _ => return Err("usage: cargo xtask size [--top N]".into()),
    };
    let built = build::build()?;
    let path = util::target_dir()
        .join(setup::WASM_TARGET)
        .join(build::WASM_PROFILE)
        .join("aorlab_wasm.wasm");
    let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let module = read(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let code: usize = module.functions.iter().map(|f| f.1).sum();
    println!(
        "\nThe page's module: {} raw, {} gzip after wasm-bindgen; before it, {} of code in {} functions, {} of data",
        util::size(built.wasm_bytes),
        util::size(built.wasm_gzip_bytes),
        util::size(code),
        module.functions.len(),
        util::size(module.data),
    );
    let mut by_crate: HashMap<String, usize> = HashMap::new();
    let mut by_family: HashMap<String, (usize, usize)> = HashMap::new();
    for (name, len) in &module.functions {
        let path = family(name);
        let krate = path.split("::").next().unwrap_or("?").to_string();
        *by_crate.entry(krate).or_default() += len;
        let f = by_family.entry(path).or_default();
        f.0 += len;
        f.1 += 1;
    }
    let pct = |n: usize| 100.0 * n as f64 / code.max(1) as f64;
    println!("\nCode by crate (generic code counts where it is defined: alloc::collections is BTreeMap):");
    let mut crates: Vec<_> = by_crate.into_iter().collect();
    crates.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (k, n) in crates.iter().take(top) {
        println!("  {:>9}  {:>5.1} %  {k}", util::size(*n), pct(*n));
    }
    println!(
        "\nCode by family (functions with one path, type parameters dropped; copies = instances):"
    );
    let mut families: Vec<_> = by_family.into_iter().collect();
    families.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    for (k, (n, copies)) in families.iter().take(top) {
        println!(
            "  {:>9}  {:>5.1} %  {copies:>4} ×  {k}",
            util::size(*n),
            pct(*n)
        );
    }
    println!("\nLargest functions:");
    let mut functions = module.functions;
    functions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (name, n) in functions.iter().take(top) {
        let name = format!("{:#}", rustc_demangle::demangle(name));
        println!("  {:>9}  {}", util::size(*n), shorten(&name, 140));
    }
    Ok(())
}

struct Module {
    /// Each function's name (mangled) and body size in bytes.
    functions: Vec<(String, usize)>,
    data: usize,
}

fn read(bytes: &[u8]) -> Result<Module, String> {
    use wasmparser::{Name, Parser, Payload};
    let mut imported = 0u32;
    let mut sizes = Vec::new();
    let mut names: HashMap<u32, String> = HashMap::new();
    let mut data = 0;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ImportSection(s) => {
                for import in s.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    if matches!(import.ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => sizes.push(body.range().len()),
            Payload::DataSection(s) => data += s.range().len(),
            Payload::CustomSection(c) => {
                if let wasmparser::KnownCustom::Name(reader) = c.as_known() {
                    for sub in reader {
                        if let Name::Function(map) = sub.map_err(|e| e.to_string())? {
                            for naming in map {
                                let naming = naming.map_err(|e| e.to_string())?;
                                names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let functions = sizes
        .into_iter()
        .enumerate()
        .map(|(i, len)| {
            let index = imported + i as u32;
            let name = names
                .remove(&index)
                .unwrap_or_else(|| format!("func[{index}]"));
            (name, len)
        })
        .collect();
    Ok(Module { functions, data })
}

/// A function's path without its hash and type parameters: `<alloc::vec::Vec<T> as
/// core::clone::Clone>::clone` → `alloc::vec::Vec::clone` (the impl's type, then the method).
fn family(mangled: &str) -> String {
    let mut full = format!("{:#}", rustc_demangle::demangle(mangled));
    if full.starts_with('<') {
        // `<Type as Trait>::rest` → `Type::rest`.
        let (mut depth, mut end, mut as_at) = (0, full.len(), None);
        for (i, c) in full.char_indices() {
            match c {
                '<' => depth += 1,
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                ' ' if depth == 1 && full[i..].starts_with(" as ") && as_at.is_none() => {
                    as_at = Some(i)
                }
                _ => {}
            }
        }
        let ty = &full[1..as_at.unwrap_or(end).min(end)];
        full = format!("{ty}{}", full.get(end + 1..).unwrap_or(""));
    }
    let mut out = String::new();
    let mut depth = 0;
    for c in full.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.replace("::{{closure}}", "")
}

fn shorten(s: &str, most: usize) -> String {
    if s.chars().count() <= most {
        return s.to_string();
    }
    let cut: String = s.chars().take(most - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::family;

    #[test]
    fn families_drop_type_parameters_and_hashes() {
        // _ZN5alloc11collections5btree3map25BTreeMap$LT$K$C$V$C$A$GT$6insert17h0123456789abcdefE
        let m = "_ZN5alloc11collections5btree3map25BTreeMap$LT$K$C$V$C$A$GT$6insert17h0123456789abcdefE";
        assert_eq!(
            family(m),
            "alloc::collections::btree::map::BTreeMap::insert"
        );
        assert_eq!(family("not_mangled"), "not_mangled");
    }
}
