//! Python names for proto services and methods.
//!
//! Two layers. The first reproduces protoc-gen-connectrpc 0.13.0 exactly (its snake_case
//! conversion and its escaping), so every name that works there is the same here. The
//! second, [`NameAllocator`], runs on top and only changes names that would otherwise
//! collide or shadow something: the first declaration keeps its name, later ones get
//! trailing underscores. The README's "Naming rules" section documents both.

use crate::fast_hash::{FastMap, FastSet};

/// Python's hard keywords across the versions the runtime supports. Soft keywords
/// (`match`, `case`, `type`, `_`) are valid identifiers and are not escaped; `_` is
/// handled by the leading-underscore rule.
pub const HARD_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Names an RPC method must not take. The first five are escaped by the reference too.
/// The rest are ours: `close` is the client's own `close()`, which `async with` calls;
/// the others are builtins and the `deprecated` decorator, which generated class bodies
/// use in annotations and decorators after the methods, where a method of that name
/// would shadow them (`timeout_ms: int | None` below a method `int`).
pub const RESERVED_MEMBERS: &[&str] = &[
    "desc",
    "execute_unary",
    "execute_client_stream",
    "execute_server_stream",
    "execute_bidi_stream",
    "close",
    "bool",
    "classmethod",
    "deprecated",
    "int",
    "property",
    "str",
];

/// Builtins that generated modules use unqualified at module or class scope. A service
/// class with one of these names would shadow it (`class str(Protocol)` breaks every
/// `-> str` annotation below it).
pub const USED_BUILTINS: &[&str] = &[
    "AttributeError",
    "bool",
    "classmethod",
    "dict",
    "int",
    "next",
    "object",
    "property",
    "str",
    "super",
    "type",
];

/// Classes generated for each service, as suffixes of the service's base name.
pub const SERVICE_CLASS_SUFFIXES: [&str; 6] = [
    "",
    "ASGIApplication",
    "Client",
    "Sync",
    "WSGIApplication",
    "ClientSync",
];

pub fn is_hard_keyword(name: &str) -> bool {
    HARD_KEYWORDS.contains(&name)
}

fn is_reserved_member(name: &str) -> bool {
    is_hard_keyword(name) || RESERVED_MEMBERS.contains(&name)
}

/// The reference's `escape_public_identifier`: a reserved word (ignoring trailing
/// underscores, to keep the mapping injective) gets a trailing `_`; a leading `_` or `pb_`
/// gets a `pb_` prefix, so no generated public name is private or name-mangled.
pub fn escape_public_identifier(ident: &str, reserved: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(ident.len() + 4);
    if ident.starts_with('_') || ident.starts_with("pb_") {
        out.push_str("pb_");
    }
    out.push_str(ident);
    if reserved(ident.trim_end_matches('_')) {
        out.push('_');
    }
    out
}

/// The service's natural base name, as the reference derives it.
pub fn service_base_name(proto_name: &str) -> String {
    escape_public_identifier(proto_name, is_hard_keyword)
}

/// The method's natural Python name, as the reference derives it.
pub fn method_natural_name(proto_name: &str) -> String {
    escape_public_identifier(&reference_snake_case(proto_name), is_reserved_member)
}

/// The reference's PascalCase to snake_case conversion, which is two regex substitutions:
/// `([^_])([A-Z][a-z]+)` -> `\1_\2`, then `([a-z])([A-Z])` -> `\1_\2`, then lowercase.
/// It differs from heck's on names like `V1Beta` and `HTTPGet`, so it is reproduced here
/// rather than approximated.
pub fn reference_snake_case(text: &str) -> String {
    // Proto names are ASCII, so their bytes are their characters: no `Vec<char>` for the
    // common case (this runs for every RPC).
    if text.is_ascii() {
        snake_case_of(text.as_bytes(), b'_')
    } else {
        snake_case_of(&text.chars().collect::<Vec<char>>(), '_')
    }
}

/// [`reference_snake_case`] over the characters of a name, as `u8` (ASCII) or `char`.
fn snake_case_of<C: Copy + PartialEq + Into<char>>(chars: &[C], underscore: C) -> String {
    let upper = |c: Option<&C>| c.is_some_and(|&c| c.into().is_ascii_uppercase());
    let lower = |c: Option<&C>| c.is_some_and(|&c| c.into().is_ascii_lowercase());
    let mut first = Vec::with_capacity(chars.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        let starts_word =
            chars[i] != underscore && upper(chars.get(i + 1)) && lower(chars.get(i + 2));
        if starts_word {
            let mut end = i + 3;
            while lower(chars.get(end)) {
                end += 1;
            }
            first.push(chars[i]);
            first.push(underscore);
            first.extend_from_slice(&chars[i + 1..end]);
            i = end;
        } else {
            first.push(chars[i]);
            i += 1;
        }
    }
    let mut out = String::with_capacity(first.len() + 4);
    let push_lowercase = |out: &mut String, c: char| {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    };
    let mut i = 0;
    while i < first.len() {
        let c: char = first[i].into();
        if c.is_ascii_lowercase() && upper(first.get(i + 1)) {
            out.push(c);
            out.push('_');
            push_lowercase(&mut out, first[i + 1].into());
            i += 2;
        } else {
            push_lowercase(&mut out, c);
            i += 1;
        }
    }
    out
}

/// protobuf-py's `escape_proto_module_component`: how protoc-gen-py names the package and
/// module of each path component, which the `py` flavor must follow to sit beside it.
///
/// With `with_hash` (the `escape_module_with_hash` option), a component whose characters
/// had to be replaced gets `_` and the first 8 hex digits of the SHA-256 of the original
/// component, before the other rules: `dash-name` -> `dash_name_6a79b9d4`, so that
/// `dash-name` and `dash_name` cannot collide.
pub fn escape_proto_module_component(part: &str, with_hash: bool) -> String {
    let mut component: String = part
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if with_hash && component != part {
        component.push('_');
        component.push_str(&crate::sha256::hex_prefix(part.as_bytes(), 8));
    }
    if component.starts_with(|c: char| c.is_ascii_digit()) {
        component.insert(0, '_');
    }
    let mut component = escape_public_identifier(&component, is_hard_keyword);
    // `_pb` ends generated module names, so a component that already ends with it gets an
    // extra underscore to keep the mapping injective.
    if component.trim_end_matches('_').ends_with("_pb") {
        component.push('_');
    }
    component
}

/// protobuf-py's `escape_class_name`: the Python class name of a message.
pub fn escape_class_name(name: &str) -> String {
    const DISALLOWED: &[&str] = &["int", "str", "bytes", "float", "bool", "list", "dict"];
    const MESSAGE_ATTRS: &[&str] = &[
        "has_field",
        "clear_field",
        "to_binary",
        "to_json",
        "from_binary",
        "from_json",
        "desc",
        "self",
    ];
    let escaped = escape_public_identifier(name, |n| {
        DISALLOWED.contains(&n) || MESSAGE_ATTRS.contains(&n) || is_hard_keyword(n)
    });
    if escaped.starts_with("ext_") {
        format!("pb_{escaped}")
    } else {
        escaped
    }
}

/// Hands out names in one Python scope so that no two things share one.
///
/// Declaration order decides: a thing whose natural name is free keeps it; a later thing
/// that wants a taken name gets trailing underscores until the name is free and is not
/// the natural name of anything still to come (so a later, non-colliding declaration is
/// never pushed off its own name).
#[derive(Default)]
pub struct NameAllocator {
    taken: FastSet<String>,
    pending: FastMap<String, usize>,
}

impl NameAllocator {
    pub fn new() -> Self {
        Self::default()
    }

    /// An allocator for about `names` names, sized once rather than grown.
    pub fn with_capacity(names: usize) -> Self {
        NameAllocator {
            taken: FastSet::with_capacity_and_hasher(names, Default::default()),
            pending: FastMap::with_capacity_and_hasher(names, Default::default()),
        }
    }

    /// Marks a name as unavailable, for builtins and keywords.
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Announces a natural name that a later [`NameAllocator::claim_group`] will ask for.
    pub fn expect(&mut self, name: &str) {
        *self.pending.entry(name.to_owned()).or_default() += 1;
    }

    fn unexpect(&mut self, name: &str) {
        if let Some(count) = self.pending.get_mut(name) {
            *count -= 1;
            if *count == 0 {
                self.pending.remove(name);
            }
        }
    }

    /// Claims `base + suffix` for every suffix together, as one group: if any is taken,
    /// the base gets another `_` until the whole group is free. Returns the chosen base.
    /// Every name of the group must have been announced with [`NameAllocator::expect`]
    /// if other groups were, so that announcements stay balanced.
    pub fn claim_group(&mut self, base: &str, suffixes: &[&str]) -> String {
        // One buffer for every `base + suffix` looked up, rather than a `format!` each.
        let mut buffer = String::with_capacity(base.len() + 24);
        for suffix in suffixes {
            self.unexpect(joined(&mut buffer, base, suffix));
        }
        let mut base = base.to_owned();
        let natural_is_free = suffixes
            .iter()
            .all(|suffix| !self.taken.contains(joined(&mut buffer, &base, suffix)));
        if !natural_is_free {
            loop {
                base.push('_');
                let free = suffixes.iter().all(|suffix| {
                    let name = joined(&mut buffer, &base, suffix);
                    !self.taken.contains(name) && !self.pending.contains_key(name)
                });
                if free {
                    break;
                }
            }
        }
        for suffix in suffixes {
            self.taken.insert(format!("{base}{suffix}"));
        }
        base
    }

    /// Claims one name, or the nearest free one with trailing underscores: the group of
    /// one, without the group's `format!`s, since this runs several times per RPC.
    pub fn claim(&mut self, name: &str) -> String {
        self.unexpect(name);
        let mut chosen = name.to_owned();
        if self.taken.contains(name) {
            loop {
                chosen.push('_');
                if !self.taken.contains(&chosen) && !self.pending.contains_key(&chosen) {
                    break;
                }
            }
        }
        self.taken.insert(chosen.clone());
        chosen
    }
}

/// `base + suffix`, in `buffer`.
fn joined<'b>(buffer: &'b mut String, base: &str, suffix: &str) -> &'b str {
    buffer.clear();
    buffer.push_str(base);
    buffer.push_str(suffix);
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_matches_the_reference_regexes() {
        // Expected values computed with protoc-gen-connectrpc 0.13.0's _pascal_to_snake_case.
        let cases = [
            ("Say", "say"),
            ("GetItem", "get_item"),
            ("Get_Item", "get_item"),
            ("getItem", "get_item"),
            ("GetItem_", "get_item_"),
            ("HTTPGet", "http_get"),
            ("GetHTTPResponse", "get_http_response"),
            ("V1Beta", "v1_beta"),
            ("ABc", "a_bc"),
            ("AbCd", "ab_cd"),
            ("_Private", "_private"),
            ("_", "_"),
            ("already_snake", "already_snake"),
            ("XMLHttpRequest2Go", "xml_http_request2_go"),
            ("A", "a"),
            ("getHTTP", "get_http"),
        ];
        for (input, expected) in cases {
            assert_eq!(reference_snake_case(input), expected, "{input}");
        }
    }

    #[test]
    fn method_names_escape_keywords_and_reserved_members() {
        assert_eq!(method_natural_name("Import"), "import_");
        assert_eq!(method_natural_name("Import_"), "import__");
        assert_eq!(method_natural_name("Match"), "match");
        assert_eq!(method_natural_name("Type"), "type");
        assert_eq!(method_natural_name("_"), "pb__");
        assert_eq!(method_natural_name("_Private"), "pb__private");
        assert_eq!(method_natural_name("PbThing"), "pb_pb_thing");
        assert_eq!(method_natural_name("ExecuteUnary"), "execute_unary_");
        assert_eq!(method_natural_name("Desc"), "desc_");
        assert_eq!(method_natural_name("Close"), "close_");
        assert_eq!(method_natural_name("Path"), "path");
        assert_eq!(method_natural_name("Str"), "str_");
        assert_eq!(method_natural_name("Classmethod"), "classmethod_");
        assert_eq!(method_natural_name("Deprecated"), "deprecated_");
    }

    #[test]
    fn service_names_escape_hard_keywords_only() {
        assert_eq!(service_base_name("class"), "class_");
        assert_eq!(service_base_name("None"), "None_");
        assert_eq!(service_base_name("match"), "match");
        assert_eq!(service_base_name("_Hidden"), "pb__Hidden");
        assert_eq!(service_base_name("pb_Thing"), "pb_pb_Thing");
    }

    #[test]
    fn module_components_follow_protobuf_py() {
        assert_eq!(
            escape_proto_module_component("dash-name", false),
            "dash_name"
        );
        assert_eq!(escape_proto_module_component("2fa", false), "pb__2fa");
        assert_eq!(escape_proto_module_component("class", false), "class_");
        assert_eq!(escape_proto_module_component("my_pb", false), "my_pb_");
        assert_eq!(escape_proto_module_component("v1", false), "v1");
        // escape_module_with_hash: only where characters were replaced, and before the
        // digit, keyword and `_pb` rules (protobuf-py 0.7.0's order).
        assert_eq!(
            escape_proto_module_component("dash-name", true),
            "dash_name_6a79b9d4"
        );
        assert_eq!(
            escape_proto_module_component("dash_name", true),
            "dash_name"
        );
        assert_eq!(escape_proto_module_component("2fa", true), "pb__2fa");
        assert_eq!(escape_proto_module_component("class", true), "class_");
        assert_eq!(
            escape_proto_module_component("2-fa", true),
            format!("pb__2_fa_{}", crate::sha256::hex_prefix(b"2-fa", 8))
        );
        assert_eq!(
            escape_proto_module_component("x.y", true),
            format!("x_y_{}", crate::sha256::hex_prefix(b"x.y", 8))
        );
    }

    #[test]
    fn class_names_follow_protobuf_py() {
        assert_eq!(escape_class_name("Item"), "Item");
        assert_eq!(escape_class_name("int"), "int_");
        assert_eq!(escape_class_name("desc"), "desc_");
        assert_eq!(escape_class_name("ext_Foo"), "pb_ext_Foo");
        assert_eq!(escape_class_name("_Foo"), "pb__Foo");
    }

    #[test]
    fn first_declaration_keeps_its_name() {
        let mut names = NameAllocator::new();
        for n in ["get_item", "get_item", "get_item", "get_item_"] {
            names.expect(n);
        }
        assert_eq!(names.claim("get_item"), "get_item");
        // The second wants `get_item`; `get_item_` is still owed to the fourth.
        assert_eq!(names.claim("get_item"), "get_item__");
        assert_eq!(names.claim("get_item"), "get_item___");
        assert_eq!(names.claim("get_item_"), "get_item_");
    }

    #[test]
    fn service_groups_collide_as_a_whole() {
        let mut names = NameAllocator::new();
        for base in ["Foo", "FooClient", "FooSync"] {
            for suffix in SERVICE_CLASS_SUFFIXES {
                names.expect(&format!("{base}{suffix}"));
            }
        }
        assert_eq!(names.claim_group("Foo", &SERVICE_CLASS_SUFFIXES), "Foo");
        assert_eq!(
            names.claim_group("FooClient", &SERVICE_CLASS_SUFFIXES),
            "FooClient_"
        );
        assert_eq!(
            names.claim_group("FooSync", &SERVICE_CLASS_SUFFIXES),
            "FooSync_"
        );
        assert!(names.is_taken("FooClient_ClientSync"));
    }
}
