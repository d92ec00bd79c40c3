//! Import statements of a generated module, laid out the way `ruff check --select I` and
//! `ruff format` want them, so the output is lint-clean without a formatter pass.
//!
//! Ruff's isort defaults (ruff 0.17, `isort/sorting.rs` and `order.rs`): sections future,
//! standard library, third party, relative; inside a section `import x` statements come
//! before `from x import` statements. Statements sort by module, case-insensitively and
//! in natural order (`Item2` before `Item10`, the `natord` crate ruff uses), then
//! case-sensitively, then by their first member; relative modules furthest first, and
//! `from . import x` before `from .x import y`. Members sort CONSTANTS, then Classes, then
//! the rest, each in the same natural order. Every `name as alias` gets its own
//! statement. A statement longer than the line limit is wrapped in parentheses, one
//! member per line with a trailing comma.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::layout::{LINE_LIMIT, width};
use crate::stdlib::is_stdlib;

/// Where an import statement goes in the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// With the other imports at the top of the module.
    Runtime,
    /// Imports of the generated tree whose success depends on its layout, in a `try:`
    /// block that explains a failure (see the module template).
    Layout,
    /// Needed only by type checkers: in the `if TYPE_CHECKING:` block.
    TypeChecking,
}

/// One imported name: `from module import name as alias`, or `import module as alias`
/// when `name` is empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub local: String,
    pub block: Block,
}

impl Import {
    /// A name its module keeps private (`_Foo`): pyright strict reports importing it,
    /// so its statement carries a rule-specific ignore.
    fn is_private(&self) -> bool {
        self.name.starts_with('_')
    }
}

/// The rendered import blocks; each is empty when it has no statements.
pub struct ImportBlocks {
    /// `from __future__ import annotations`, then the runtime imports.
    pub runtime: String,
    /// The statements for the layout-guarded `try:` block, indented one level.
    pub layout: String,
    /// The statements for the `if TYPE_CHECKING:` block, indented one level.
    pub type_checking: String,
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

/// Ruff's natural, case-insensitive-first order of two names: lowercased, then as
/// written.
fn natural_order(a: &str, b: &str) -> Ordering {
    // Character by character lowercasing equals the whole string's (what ruff compares)
    // but for final sigmas, so it is the allocation-free path for ASCII names only.
    let lowercase = if a.is_ascii() && b.is_ascii() {
        natord::compare_ignore_case(a, b)
    } else {
        natord::compare(&a.to_lowercase(), &b.to_lowercase())
    };
    lowercase.then_with(|| natord::compare(a, b))
}

/// isort's order-by-type: CONSTANTS, then Classes, then everything else.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum MemberType {
    Constant,
    Class,
    Variable,
}

fn member_type(name: &str) -> MemberType {
    if name.len() > 1 && is_cased_uppercase(name) {
        MemberType::Constant
    } else if name.chars().next().is_some_and(char::is_uppercase) {
        MemberType::Class
    } else {
        MemberType::Variable
    }
}

/// Has a cased letter and no lowercase letter.
fn is_cased_uppercase(name: &str) -> bool {
    !name.chars().any(char::is_lowercase) && name.chars().any(char::is_uppercase)
}

/// Ruff's `MemberKey`: the order of two members `name [as alias]` of a statement.
fn member_order(a: &Import, b: &Import) -> Ordering {
    fn alias(i: &Import) -> Option<&str> {
        (i.local != i.name).then_some(i.local.as_str())
    }
    member_type(&a.name)
        .cmp(&member_type(&b.name))
        .then_with(|| natural_order(&a.name, &b.name))
        .then_with(|| match (alias(a), alias(b)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => natord::compare(x, y),
        })
}

/// Ruff's `ModuleKey`: relative modules furthest first, `from . import x` (no module
/// after the dots) first among its level, then the module's natural order.
fn module_order(a: &str, b: &str) -> Ordering {
    fn split(module: &str) -> (usize, &str) {
        let rest = module.trim_start_matches('.');
        (module.len() - rest.len(), rest)
    }
    let ((a_level, a_rest), (b_level, b_rest)) = (split(a), split(b));
    b_level
        .cmp(&a_level)
        .then_with(|| match (a_rest.is_empty(), b_rest.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => natural_order(a_rest, b_rest),
        })
}

fn member_text(import: &Import) -> String {
    if import.name == import.local {
        import.name.clone()
    } else {
        format!("{} as {}", import.name, import.local)
    }
}

/// Renders the three import blocks of a module.
pub fn render(imports: &[Import]) -> ImportBlocks {
    let block =
        |kind: Block| -> Vec<&Import> { imports.iter().filter(|i| i.block == kind).collect() };
    let mut runtime = String::from("from __future__ import annotations\n");
    render_sections(&mut runtime, &block(Block::Runtime), "");
    let indented = |kind: Block| {
        let mut out = String::new();
        render_sections(&mut out, &block(kind), "    ");
        // The first section inside a block needs no separating blank line.
        match out.strip_prefix('\n') {
            Some(rest) => rest.to_owned(),
            None => out,
        }
    };
    ImportBlocks {
        runtime,
        layout: indented(Block::Layout),
        type_checking: indented(Block::TypeChecking),
    }
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
    // `import x [as y]` statements first.
    let mut straight: Vec<&Import> = imports
        .iter()
        .copied()
        .filter(|i| i.name.is_empty())
        .collect();
    straight.sort_by(|a, b| {
        natural_order(&a.module, &b.module).then_with(|| {
            let alias = |i: &Import| (i.local != i.module).then_some(i.local.clone());
            alias(a).cmp(&alias(b))
        })
    });
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
    // Then `from x import ...`: one statement per module for plain names, one per alias.
    let mut statements: Vec<(&str, Vec<&Import>)> = Vec::new();
    for import in imports.iter().copied().filter(|i| !i.name.is_empty()) {
        let plain = import.name == import.local;
        match statements.iter_mut().find(|(m, members)| {
            plain && *m == import.module && members[0].name == members[0].local
        }) {
            Some((_, members)) => members.push(import),
            None => statements.push((&import.module, vec![import])),
        }
    }
    for (_, members) in &mut statements {
        members.sort_by(|a, b| member_order(a, b));
        members.dedup_by(|a, b| a.name == b.name && a.local == b.local);
    }
    statements.sort_by(|(a_module, a), (b_module, b)| {
        module_order(a_module, b_module).then_with(|| member_order(a[0], b[0]))
    });
    statements.dedup_by(|(a_module, a), (b_module, b)| a_module == b_module && a == b);
    for (module, members) in statements {
        push_from(out, indent, module, &members);
    }
}

/// The comment a statement needs on the line that names a private member.
const PRIVATE_IMPORT: &str = "  # pyright: ignore[reportPrivateUsage]";

fn push_from(out: &mut String, indent: &str, module: &str, members: &[&Import]) {
    let texts: Vec<String> = members.iter().map(|m| member_text(m)).collect();
    // Private members are aliased, so each is alone in its statement.
    let comment = if members.iter().any(|m| m.is_private()) {
        PRIVATE_IMPORT
    } else {
        ""
    };
    let line = format!("{indent}from {module} import {}", texts.join(", "));
    if width(&line) <= LINE_LIMIT {
        out.push_str(&line);
        out.push_str(comment);
        out.push('\n');
        return;
    }
    out.push_str(&format!("{indent}from {module} import (\n"));
    for member in &texts {
        out.push_str(&format!("{indent}    {member},{comment}\n"));
    }
    out.push_str(&format!("{indent})\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(module: &str, name: &str, local: &str, block: Block) -> Import {
        Import {
            module: module.into(),
            name: name.into(),
            local: local.into(),
            block,
        }
    }

    fn rt(module: &str, name: &str, local: &str) -> Import {
        import(module, name, local, Block::Runtime)
    }

    fn all(imports: &[Import]) -> String {
        let blocks = render(imports);
        format!(
            "{}--layout--\n{}--typing--\n{}",
            blocks.runtime, blocks.layout, blocks.type_checking
        )
    }

    #[test]
    fn sections_and_order_follow_ruff_isort() {
        let imports = vec![
            rt(".shop_pb", "Item", "Item_"),
            rt(".shop_pb", "Zed", "Zed"),
            rt(".shop_pb", "Echo", "Echo_"),
            rt("...common.v1.types_pb", "Item", "Item"),
            rt(".", "shop_pb", "shop_pb"),
            rt("connectrpc.server", "Endpoint", "Endpoint"),
            rt(
                "connectrpc.server",
                "DEFAULT_READ_MAX_BYTES",
                "DEFAULT_READ_MAX_BYTES",
            ),
            rt("root_pb", "", "root_pb"),
            rt("typing", "Protocol", "Protocol"),
            rt("typing", "TYPE_CHECKING", "TYPE_CHECKING"),
            rt(".shop_pb", "Cart", "Cart"),
            import(
                "collections.abc",
                "Iterator",
                "Iterator",
                Block::TypeChecking,
            ),
            import("pyqwest", "Client", "Client_", Block::TypeChecking),
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
--layout--
--typing--
    from collections.abc import Iterator

    from pyqwest import Client as Client_
";
        assert_eq!(all(&imports), expected);
    }

    #[test]
    fn names_and_modules_sort_naturally() {
        let imports = vec![
            rt(".x_pb", "Item10", "Item10"),
            rt(".x_pb", "Item2", "Item2"),
            rt(".x_pb", "item1", "item1"),
            rt(".x_pb", "ITEM3", "ITEM3"),
            rt(".x_pb", "Item10", "Item10_"),
            rt(".x_pb", "Item9", "Item9_"),
            rt("a10.x_pb2", "A", "A"),
            rt("a9.x_pb2", "A", "A_"),
            rt("A9.x_pb2", "B", "B"),
        ];
        let rendered = render(&imports).runtime;
        assert_eq!(
            rendered,
            "\
from __future__ import annotations

from A9.x_pb2 import B
from a9.x_pb2 import A as A_
from a10.x_pb2 import A

from .x_pb import ITEM3, Item2, Item10, item1
from .x_pb import Item9 as Item9_
from .x_pb import Item10 as Item10_
"
        );
    }

    #[test]
    fn blocks_are_rendered_apart() {
        let imports = vec![
            rt("typing", "Protocol", "Protocol"),
            import(".root_pb2", "Echo", "Echo", Block::Layout),
            import(".", "root_pb", "root_pb", Block::Layout),
            import("connectrpc.codec", "Codec", "Codec", Block::TypeChecking),
        ];
        assert_eq!(
            all(&imports),
            "\
from __future__ import annotations

from typing import Protocol
--layout--
    from . import root_pb
    from .root_pb2 import Echo
--typing--
    from connectrpc.codec import Codec
"
        );
    }

    #[test]
    fn private_members_carry_a_pyright_ignore() {
        let imports = vec![rt(".x_pb2", "_Foo", "pb__Foo"), rt(".x_pb2", "Bar", "Bar")];
        assert!(render(&imports).runtime.ends_with(
            "from .x_pb2 import Bar\nfrom .x_pb2 import _Foo as pb__Foo  # pyright: ignore[reportPrivateUsage]\n"
        ));
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
        let imports: Vec<Import> = names.iter().map(|n| rt(".eliza_pb2", n, n)).collect();
        let rendered = render(&imports).runtime;
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
            rt("json.v1.x_pb2", "Thing", "Thing"),
            rt("typing", "Protocol", "Protocol"),
        ];
        assert!(
            render(&imports)
                .runtime
                .contains("from json.v1.x_pb2 import Thing\nfrom typing import Protocol\n")
        );
    }
}
