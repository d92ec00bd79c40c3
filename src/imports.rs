//! Import statements of a generated module, laid out the way `ruff check --select I` and
//! `ruff format` want them, so the output is lint-clean without a formatter pass.
//!
//! Ruff's isort defaults, as observed with ruff 0.17: sections future, standard library,
//! third party, relative; inside a section `import x` lines come before `from x import`
//! lines, modules sort case-insensitively, relative modules furthest first; members sort
//! CONSTANTS, then Classes, then the rest; every `name as alias` gets its own statement
//! after the plain one; a statement longer than the line limit is wrapped in parentheses,
//! one member per line with a trailing comma.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::layout::{LINE_LIMIT, width};
use crate::stdlib::is_stdlib;

/// One imported name: `from module import name as alias`, or `import module as alias`
/// when `name` is empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub local: String,
    /// Needed when the module runs, not only by type checkers.
    pub runtime: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Stdlib,
    ThirdParty,
    Relative,
}

fn section(module: &str) -> Section {
    if module.starts_with('.') {
        Section::Relative
    } else if is_stdlib(module.split('.').next().unwrap_or(module)) {
        Section::Stdlib
    } else {
        Section::ThirdParty
    }
}

/// Ruff orders relative modules furthest first: more leading dots sort earlier.
fn module_order(a: &str, b: &str) -> Ordering {
    let dots = |m: &str| m.chars().take_while(|c| *c == '.').count();
    dots(b)
        .cmp(&dots(a))
        .then_with(|| cmp_ignoring_ascii_case(a, b))
        .then_with(|| a.cmp(b))
}

/// `a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase())`, without building either: sorts
/// compare many times per import.
fn cmp_ignoring_ascii_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
}

/// isort's order-by-type: CONSTANTS, then Classes, then everything else.
fn member_rank(name: &str) -> u8 {
    let has_lower = name.chars().any(|c| c.is_lowercase());
    if name.chars().count() > 1 && !has_lower && name.chars().any(|c| c.is_uppercase()) {
        0
    } else if name.starts_with(|c: char| c.is_uppercase()) {
        1
    } else {
        2
    }
}

fn member_order(a: &str, b: &str) -> Ordering {
    member_rank(a)
        .cmp(&member_rank(b))
        .then_with(|| cmp_ignoring_ascii_case(a, b))
        .then_with(|| a.cmp(b))
}

fn member_text(import: &Import) -> String {
    if import.name == import.local {
        import.name.clone()
    } else {
        format!("{} as {}", import.name, import.local)
    }
}

/// Renders the import block: runtime imports, then an `if TYPE_CHECKING:` block for the
/// names only annotations use. `type_checking` is the local name of `TYPE_CHECKING`.
pub fn render(imports: &[Import], type_checking: &str) -> String {
    let mut out = String::from("from __future__ import annotations\n");
    let runtime: Vec<&Import> = imports.iter().filter(|i| i.runtime).collect();
    let typing_only: Vec<&Import> = imports.iter().filter(|i| !i.runtime).collect();
    render_sections(&mut out, &runtime, "");
    if !typing_only.is_empty() {
        out.push_str(&format!("\nif {type_checking}:\n"));
        let mut block = String::new();
        render_sections(&mut block, &typing_only, "    ");
        // The first section inside the block needs no separating blank line.
        out.push_str(block.strip_prefix('\n').unwrap_or(&block));
    }
    out
}

fn render_sections(out: &mut String, imports: &[&Import], indent: &str) {
    let mut sections: BTreeMap<Section, Vec<&Import>> = BTreeMap::new();
    for import in imports {
        sections
            .entry(section(&import.module))
            .or_default()
            .push(import);
    }
    for group in sections.values() {
        out.push('\n');
        render_section(out, group, indent);
    }
}

fn render_section(out: &mut String, imports: &[&Import], indent: &str) {
    // `import x` statements first, sorted by module.
    let mut straight: Vec<&Import> = imports
        .iter()
        .copied()
        .filter(|i| i.name.is_empty())
        .collect();
    straight.sort_by(|a, b| module_order(&a.module, &b.module).then_with(|| a.local.cmp(&b.local)));
    straight.dedup_by(|a, b| a.module == b.module && a.local == b.local);
    for import in straight {
        if import.local == import.module {
            out.push_str(&format!("{indent}import {}\n", import.module));
        } else {
            out.push_str(&format!(
                "{indent}import {} as {}\n",
                import.module, import.local
            ));
        }
    }
    // Then `from x import ...`, one statement per module for plain names and one per alias.
    let mut by_module: Vec<(&str, Vec<&Import>)> = Vec::new();
    for import in imports.iter().copied().filter(|i| !i.name.is_empty()) {
        match by_module.iter_mut().find(|(m, _)| *m == import.module) {
            Some((_, members)) => members.push(import),
            None => by_module.push((&import.module, vec![import])),
        }
    }
    by_module.sort_by(|a, b| module_order(a.0, b.0));
    for (module, mut members) in by_module {
        members.sort_by(|a, b| member_order(&a.name, &b.name).then_with(|| a.local.cmp(&b.local)));
        members.dedup_by(|a, b| a.name == b.name && a.local == b.local);
        // One statement for the plain names, one per alias, ordered by their first name.
        let plain: Vec<&Import> = members
            .iter()
            .copied()
            .filter(|m| m.name == m.local)
            .collect();
        let mut statements: Vec<Vec<&Import>> = Vec::new();
        if !plain.is_empty() {
            statements.push(plain);
        }
        statements.extend(
            members
                .iter()
                .filter(|m| m.name != m.local)
                .map(|m| vec![*m]),
        );
        statements.sort_by(|a, b| {
            member_order(&a[0].name, &b[0].name)
                .then_with(|| (a[0].name != a[0].local).cmp(&(b[0].name != b[0].local)))
                .then_with(|| a[0].local.cmp(&b[0].local))
        });
        for statement in statements {
            let texts: Vec<String> = statement.iter().map(|m| member_text(m)).collect();
            push_from(out, indent, module, &texts);
        }
    }
}

fn push_from(out: &mut String, indent: &str, module: &str, members: &[String]) {
    let line = format!("{indent}from {module} import {}", members.join(", "));
    if width(&line) <= LINE_LIMIT {
        out.push_str(&line);
        out.push('\n');
        return;
    }
    out.push_str(&format!("{indent}from {module} import (\n"));
    for member in members {
        out.push_str(&format!("{indent}    {member},\n"));
    }
    out.push_str(&format!("{indent})\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(module: &str, name: &str, local: &str, runtime: bool) -> Import {
        Import {
            module: module.into(),
            name: name.into(),
            local: local.into(),
            runtime,
        }
    }

    #[test]
    fn sections_and_order_follow_ruff_isort() {
        let imports = vec![
            import(".shop_pb", "Item", "Item_", true),
            import(".shop_pb", "Zed", "Zed", true),
            import(".shop_pb", "Echo", "Echo_", true),
            import("...common.v1.types_pb", "Item", "Item", true),
            import(".", "shop_pb", "shop_pb", true),
            import("connectrpc.server", "Endpoint", "Endpoint", true),
            import(
                "connectrpc.server",
                "DEFAULT_READ_MAX_BYTES",
                "DEFAULT_READ_MAX_BYTES",
                true,
            ),
            import("root_pb", "", "root_pb", true),
            import("typing", "Protocol", "Protocol", true),
            import("typing", "TYPE_CHECKING", "TYPE_CHECKING", true),
            import(".shop_pb", "Cart", "Cart", true),
            import("collections.abc", "Iterator", "Iterator", false),
            import("pyqwest", "Client", "Client_", false),
        ];
        let expected = "\
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import root_pb
from connectrpc.server import DEFAULT_READ_MAX_BYTES, Endpoint

from ...common.v1.types_pb import Item
from . import shop_pb
from .shop_pb import Cart, Zed
from .shop_pb import Echo as Echo_
from .shop_pb import Item as Item_

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyqwest import Client as Client_
";
        assert_eq!(render(&imports, "TYPE_CHECKING"), expected);
    }

    #[test]
    fn long_statements_wrap_one_member_per_line() {
        let names = [
            "ConverseRequest",
            "ConverseResponse",
            "IntroduceRequest",
            "IntroduceResponse",
            "SayRequest",
        ];
        let imports: Vec<Import> = names
            .iter()
            .map(|n| import(".eliza_pb2", n, n, true))
            .collect();
        let rendered = render(&imports, "TYPE_CHECKING");
        assert!(
            rendered.contains(
                "from .eliza_pb2 import (\n    ConverseRequest,\n    ConverseResponse,\n"
            )
        );
        assert!(rendered.contains("    SayRequest,\n)\n"));
    }

    #[test]
    fn proto_packages_named_like_stdlib_sort_with_it() {
        let imports = vec![
            import("json.v1.x_pb2", "Thing", "Thing", true),
            import("typing", "Protocol", "Protocol", true),
        ];
        assert!(
            render(&imports, "TYPE_CHECKING")
                .contains("from json.v1.x_pb2 import Thing\nfrom typing import Protocol\n")
        );
    }
}
