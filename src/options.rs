//! Plugin parameters: `protobuf=google|py`, `io=sync|async`, `imports=relative|absolute`,
//! `exempt_header`, and the plugin framework's `map_imports=<glob>:<package>`,
//! `escape_module_with_hash` and `no_fmt_off`.
//!
//! Parsing accepts exactly what protoc-gen-connectrpc 0.13.0 accepts (its options are
//! parsed by protobuf-py 0.7.0's `protobuf/plugin/_options.py`), plus our `imports` and
//! `exempt_header`, and
//! refuses what it refuses; our errors name the key and list what is valid:
//!
//! - the parameter is split at every `,`; a token is `key=value` (the key trimmed, the
//!   value taken as written: ` google` is not `google`) or a bare `key`;
//! - booleans: a bare key means `true`; `true` / `false` in any case;
//! - choices (`protobuf`, `io`, `imports`): any case, a value required;
//! - every key but `map_imports` at most once; `map_imports` repeats, each value
//!   `glob:package` split at the first `:`, a glob at most once;
//! - keys are case-sensitive; an unknown key is refused;
//! - empty entries (`a,,b`, a trailing `,`): the framework passes one and refuses two or
//!   more (its second pass sees them as an unknown option `,`), and so do we.
//!
//! Refused here though the reference accepts it, because its output would not compile: a
//! `map_imports` package with a Python keyword segment (`vendored.class`).

use std::fmt;

use crate::hints;
use crate::map_imports::{Glob, MapImport};
use crate::names::is_hard_keyword;

/// Which protobuf runtime the message modules come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `google.protobuf`: `*_pb2.py` modules written by protoc's `python_out`.
    Google,
    /// protobuf-py: `*_pb.py` modules written by `protoc-gen-py`.
    Py,
}

/// Which I/O styles to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Io {
    Both,
    Sync,
    Async,
}

/// How a generated module names the other modules of the generated tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Imports {
    /// The reference's import statements: relative where it writes them relative (every
    /// import of the py flavor's tree, the module's own messages in the google flavor),
    /// root-level files included. Works when the output root is a package or inside one.
    Relative,
    /// Every import of a module of the generated tree is absolute. Works when the output
    /// root is on `sys.path`, the layout protoc's own `_pb2` modules assume.
    Absolute,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub flavor: Flavor,
    pub io: Io,
    pub imports: Imports,
    /// protoc-gen-py's `escape_module_with_hash`: a path component that escaping changes
    /// (`dash-name`) gets the first 8 hex digits of its SHA-256 (`dash_name_6a79b9d4`).
    pub escape_module_with_hash: bool,
    /// `map_imports`, in the order given (the first matching glob wins).
    pub map_imports: Vec<MapImport>,
    /// Open each module with `# ruff: noqa` and `# fmt: off`, so that a repository's own
    /// formatter and linter settings leave it alone (off: the output needs neither).
    pub exempt_header: bool,
    /// The reference's option, which drops `# fmt: off` from its header; here it does
    /// the same to `exempt_header`'s, and nothing without it.
    pub no_fmt_off: bool,
}

impl Default for Options {
    /// The reference generator's defaults: protobuf-py messages, both I/O styles.
    fn default() -> Self {
        Options {
            flavor: Flavor::Py,
            io: Io::Both,
            imports: Imports::Relative,
            escape_module_with_hash: false,
            map_imports: Vec::new(),
            exempt_header: false,
            no_fmt_off: false,
        }
    }
}

impl Options {
    pub fn async_enabled(&self) -> bool {
        matches!(self.io, Io::Both | Io::Async)
    }

    pub fn sync_enabled(&self) -> bool {
        matches!(self.io, Io::Both | Io::Sync)
    }

    /// The comment lines `exempt_header` adds after the header, if any. The first keeps
    /// PGH004 (blanket noqa), where a repository enables it, from flagging the second.
    pub fn exempt_lines(&self) -> &'static [&'static str] {
        match (self.exempt_header, self.no_fmt_off) {
            (false, _) => &[],
            (true, false) => &["# ruff: noqa: PGH004", "# ruff: noqa", "# fmt: off"],
            (true, true) => &["# ruff: noqa: PGH004", "# ruff: noqa"],
        }
    }
}

/// What kind of value a key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// One of `values`, any case; required.
    Choice,
    /// `true` or `false`, any case; a bare key is `true`.
    Bool,
    /// `glob:package`, repeatable.
    Mapping,
}

/// One valid key, its values, and what it does: the source of both validation and help.
pub struct OptionSpec {
    pub key: &'static str,
    pub kind: ValueKind,
    pub values: &'static [&'static str],
    pub help: &'static str,
}

pub const OPTION_SPECS: &[OptionSpec] = &[
    OptionSpec {
        key: "protobuf",
        kind: ValueKind::Choice,
        values: &["py", "google"],
        help: "message runtime: `py` imports protobuf-py `*_pb.py` modules (default), \
               `google` imports protoc's `*_pb2.py` modules",
    },
    OptionSpec {
        key: "io",
        kind: ValueKind::Choice,
        values: &["sync", "async"],
        help: "generate only the threaded (`sync`) or only the asyncio (`async`) classes; \
               both when unset",
    },
    OptionSpec {
        key: "imports",
        kind: ValueKind::Choice,
        values: &["relative", "absolute"],
        help: "how modules of the generated tree are imported: `relative` as \
               protoc-gen-connectrpc does (default; the output root is a package or inside \
               one), `absolute` for an output root on sys.path",
    },
    OptionSpec {
        key: "map_imports",
        kind: ValueKind::Mapping,
        values: &["<glob>:<package>"],
        help: "repeatable: the message modules of proto files matching the glob are \
               imported absolutely under the package (`acme/common/**:vendored`; an empty \
               package or `.`: under their own path); the first matching glob wins",
    },
    OptionSpec {
        key: "escape_module_with_hash",
        kind: ValueKind::Bool,
        values: &["true", "false"],
        help: "as protoc-gen-py's option of that name: a path component that escaping \
               changes gets a hash suffix (`dash-name` -> `dash_name_6a79b9d4`); a bare key \
               means true",
    },
    OptionSpec {
        key: "exempt_header",
        kind: ValueKind::Bool,
        values: &["true", "false"],
        help: "open each module with `# ruff: noqa` and `# fmt: off` (as \
               protoc-gen-connectrpc does by default), so that a repository's own ruff \
               settings leave the files alone and `generate --check` stays green; off by \
               default, as the output is clean without them; a bare key means true",
    },
    OptionSpec {
        key: "no_fmt_off",
        kind: ValueKind::Bool,
        values: &["true", "false"],
        help: "as protoc-gen-connectrpc's option: drops `# fmt: off` from the \
               `exempt_header` lines; without `exempt_header` it has no effect, because the \
               output never carries `# fmt: off`",
    },
];

#[derive(Debug, PartialEq, Eq)]
pub struct OptionsError(pub String);

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OptionsError {}

/// Parses the comma-separated `key=value` parameter string protoc passes to the plugin.
pub fn parse(parameter: &str) -> Result<Options, OptionsError> {
    let mut options = Options::default();
    let mut seen: Vec<&str> = Vec::new();
    let mut empty_entries = 0;
    // An empty parameter has no entries (`"".split(',')` would give one empty one).
    let tokens = parameter.split(',').filter(|_| !parameter.is_empty());
    for token in tokens {
        let (key, value) = match token.split_once('=') {
            Some((key, value)) => (key.trim(), Some(value)),
            None => (token.trim(), None),
        };
        if key.is_empty() && value.is_none() {
            empty_entries += 1;
            if empty_entries == 2 {
                return Err(OptionsError(format!(
                    "the parameter `{}` has more than one empty entry (`,,`, or a `,` at \
                     the start or end); remove them",
                    parameter.escape_debug()
                )));
            }
            continue;
        }
        let Some(spec) = OPTION_SPECS.iter().find(|spec| spec.key == key) else {
            let keys: Vec<&str> = OPTION_SPECS.iter().map(|spec| spec.key).collect();
            let hint = hints::for_key(key, &keys)
                .map(|hint| format!(" ({hint})"))
                .unwrap_or_default();
            return Err(OptionsError(format!(
                "unknown option `{}`{hint}; valid options are {}",
                key.escape_debug(),
                valid_keys()
            )));
        };
        if spec.kind != ValueKind::Mapping && seen.contains(&spec.key) {
            return Err(OptionsError(format!(
                "option `{key}` is given more than once; give it once"
            )));
        }
        seen.push(spec.key);
        match spec.kind {
            ValueKind::Bool => {
                let on = match value {
                    None => true,
                    Some(value) => match value.to_lowercase().as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(invalid_value(spec, value)),
                    },
                };
                match spec.key {
                    "escape_module_with_hash" => options.escape_module_with_hash = on,
                    "exempt_header" => options.exempt_header = on,
                    _ => options.no_fmt_off = on,
                }
            }
            ValueKind::Choice => {
                let Some(value) = value else {
                    return Err(OptionsError(format!(
                        "option `{key}` needs a value; valid values are {}",
                        valid_values(spec)
                    )));
                };
                let lower = value.to_lowercase();
                let Some(&choice) = spec.values.iter().find(|v| **v == lower) else {
                    return Err(invalid_value(spec, value));
                };
                match (spec.key, choice) {
                    ("protobuf", "google") => options.flavor = Flavor::Google,
                    ("protobuf", _) => options.flavor = Flavor::Py,
                    ("io", "sync") => options.io = Io::Sync,
                    ("io", _) => options.io = Io::Async,
                    ("imports", "absolute") => options.imports = Imports::Absolute,
                    (_, _) => options.imports = Imports::Relative,
                }
            }
            ValueKind::Mapping => {
                let entry = parse_map_import(value, &options.map_imports)?;
                options.map_imports.push(entry);
            }
        }
    }
    Ok(options)
}

/// One `map_imports` value: `glob:package`.
fn parse_map_import(value: Option<&str>, earlier: &[MapImport]) -> Result<MapImport, OptionsError> {
    const FORM: &str = "valid values are `<glob>:<package>`, e.g. \
                        `map_imports=acme/common/**:vendored`";
    let Some(value) = value else {
        return Err(OptionsError(format!(
            "option `map_imports` needs a value; {FORM}"
        )));
    };
    let Some((pattern, target)) = value.split_once(':') else {
        return Err(OptionsError(format!(
            "invalid value `{}` for option `map_imports`: no `:` between the glob and the \
             package; {FORM}",
            value.escape_debug()
        )));
    };
    if pattern.is_empty() {
        return Err(OptionsError(format!(
            "invalid value `{}` for option `map_imports`: the glob is empty; {FORM}",
            value.escape_debug()
        )));
    }
    if earlier.iter().any(|entry| entry.glob.pattern() == pattern) {
        return Err(OptionsError(format!(
            "option `map_imports` maps the glob `{}` more than once; give each glob once",
            pattern.escape_debug()
        )));
    }
    // An empty package, or `.`, maps to the module's own path (one trailing `.` is
    // dropped, as the framework does).
    let normalized = target.strip_suffix('.').unwrap_or(target);
    let segments: Vec<String> = if normalized.is_empty() {
        Vec::new()
    } else {
        normalized.split('.').map(str::to_owned).collect()
    };
    let bad_segment = segments.iter().find(|segment| {
        !segment.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            || !segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if bad_segment.is_some() {
        return Err(OptionsError(format!(
            "invalid package `{}` in option `map_imports={}`: a package is a dotted Python \
             path (`vendored`, `my_pkg.gen`), or empty / `.` for the module's own path",
            target.escape_debug(),
            value.escape_debug()
        )));
    }
    if let Some(keyword) = segments.iter().find(|segment| is_hard_keyword(segment)) {
        return Err(OptionsError(format!(
            "invalid package `{}` in option `map_imports={}`: `{keyword}` is a Python \
             keyword, so no import statement can name it (protoc-gen-connectrpc accepts it \
             and writes a module that does not compile)",
            target.escape_debug(),
            value.escape_debug()
        )));
    }
    Ok(MapImport {
        glob: Glob::new(pattern),
        target: segments,
    })
}

fn invalid_value(spec: &OptionSpec, value: &str) -> OptionsError {
    let hint =
        if value.trim() != value && spec.values.contains(&value.trim().to_lowercase().as_str()) {
            " (values are taken as written: remove the whitespace)".to_owned()
        } else {
            hints::for_value(spec.key, value, spec.values)
                .map(|hint| format!(" ({hint})"))
                .unwrap_or_default()
        };
    OptionsError(format!(
        "invalid value `{}` for option `{}`{hint}; valid values are {}",
        value.escape_debug(),
        spec.key,
        valid_values(spec)
    ))
}

fn valid_keys() -> String {
    OPTION_SPECS
        .iter()
        .map(|spec| format!("`{}` ({})", spec.key, spec.values.join("|")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn valid_values(spec: &OptionSpec) -> String {
    spec.values
        .iter()
        .map(|value| format!("`{value}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_parameter_gives_reference_defaults() {
        assert_eq!(parse("").unwrap(), Options::default());
        assert_eq!(Options::default().flavor, Flavor::Py);
        assert_eq!(Options::default().io, Io::Both);
    }

    #[test]
    fn parses_each_key() {
        let options = parse("protobuf=google,io=sync").unwrap();
        assert_eq!(options.flavor, Flavor::Google);
        assert_eq!(options.io, Io::Sync);
        assert_eq!(parse("io=async").unwrap().io, Io::Async);
        assert_eq!(
            parse("imports=absolute").unwrap().imports,
            Imports::Absolute
        );
        assert_eq!(parse("imports=relative").unwrap(), Options::default());
        // Keys are trimmed, values taken as written (as the reference's framework does).
        assert_eq!(parse(" protobuf =py").unwrap().flavor, Flavor::Py);
        let err = parse("protobuf= google").unwrap_err().0;
        assert!(
            err.contains("` google`") && err.contains("remove the whitespace"),
            "{err}"
        );
        assert_eq!(parse("protobuf=GOOGLE").unwrap().flavor, Flavor::Google);
        assert!(parse("no_fmt_off").unwrap().no_fmt_off);
        assert_eq!(parse("no_fmt_off=false,").unwrap(), Options::default());
        assert!(parse("exempt_header").unwrap().exempt_header);
        assert!(!parse("exempt_header=False").unwrap().exempt_header);
    }

    #[test]
    fn unknown_key_is_named_with_the_valid_ones() {
        let err = parse("protobuff=google").unwrap_err().0;
        assert!(
            err.contains("`protobuff` (did you mean `protobuf`?)"),
            "{err}"
        );
        assert!(err.contains("`protobuf` (py|google)"), "{err}");
        assert!(err.contains("`io` (sync|async)"), "{err}");
        let err = parse("flavor=google").unwrap_err().0;
        assert!(err.contains("`flavor` (did you mean `protobuf`?)"), "{err}");
        let err = parse("protobuf=pb2").unwrap_err().0;
        assert!(err.contains("(did you mean `protobuf=google`"), "{err}");
        let err = parse("io=asyncio").unwrap_err().0;
        assert!(err.contains("(did you mean `io=async`?)"), "{err}");
    }

    #[test]
    fn invalid_value_is_named_with_the_valid_ones() {
        let err = parse("io=both").unwrap_err().0;
        assert_eq!(
            err,
            "invalid value `both` for option `io` (leave `io` out to generate both the \
             sync and the async classes); valid values are `sync`, `async`"
        );
        let err = parse("io=rust").unwrap_err().0;
        assert_eq!(
            err,
            "invalid value `rust` for option `io`; valid values are `sync`, `async`"
        );
        let err = parse("protobuf").unwrap_err().0;
        assert!(err.contains("needs a value"), "{err}");
    }

    #[test]
    fn exempt_lines_follow_both_booleans() {
        assert!(Options::default().exempt_lines().is_empty());
        assert!(parse("no_fmt_off").unwrap().exempt_lines().is_empty());
        assert_eq!(
            parse("exempt_header").unwrap().exempt_lines(),
            ["# ruff: noqa: PGH004", "# ruff: noqa", "# fmt: off"]
        );
        assert_eq!(
            parse("exempt_header,no_fmt_off").unwrap().exempt_lines(),
            ["# ruff: noqa: PGH004", "# ruff: noqa"]
        );
    }

    #[test]
    fn repeated_key_is_an_error() {
        let err = parse("io=sync,io=async").unwrap_err().0;
        assert!(err.contains("more than once"), "{err}");
        let err = parse("no_fmt_off,no_fmt_off=false").unwrap_err().0;
        assert!(err.contains("`no_fmt_off`"), "{err}");
    }

    #[test]
    fn booleans_take_a_bare_key_and_any_case() {
        assert!(
            parse("escape_module_with_hash")
                .unwrap()
                .escape_module_with_hash
        );
        assert!(
            parse("escape_module_with_hash=TrUe")
                .unwrap()
                .escape_module_with_hash
        );
        assert!(
            !parse("escape_module_with_hash=FALSE")
                .unwrap()
                .escape_module_with_hash
        );
        for bad in [
            "escape_module_with_hash=",
            "escape_module_with_hash=1",
            "no_fmt_off=yes",
        ] {
            let err = parse(bad).unwrap_err().0;
            assert!(
                err.contains("valid values are `true`, `false`"),
                "{bad}: {err}"
            );
        }
        assert!(parse("io").unwrap_err().0.contains("needs a value"));
        assert!(parse("io=").unwrap_err().0.contains("invalid value ``"));
    }

    #[test]
    fn empty_entries_follow_the_framework() {
        // One empty entry passes, two or more are refused, as in protobuf-py 0.7.0.
        for ok in ["", " ", "io=sync,", ",io=sync", "io=sync, ,protobuf=py"] {
            assert!(parse(ok).is_ok(), "{ok:?}");
        }
        for bad in [",", "io=sync,,", ",,io=sync", "io=sync,,protobuf=py,"] {
            let err = parse(bad).unwrap_err().0;
            assert!(err.contains("more than one empty entry"), "{bad:?}: {err}");
        }
        assert!(parse("=x").unwrap_err().0.contains("unknown option ``"));
        assert!(
            parse("IO=sync")
                .unwrap_err()
                .0
                .contains("unknown option `IO`")
        );
    }

    #[test]
    fn map_imports_entries_keep_their_order() {
        let options = parse(
            "map_imports=acme/common/**:vendored.gen,map_imports=acme/**:,map_imports=root.proto:.",
        )
        .unwrap();
        let entries: Vec<(&str, Vec<String>)> = options
            .map_imports
            .iter()
            .map(|m| (m.glob.pattern(), m.target.clone()))
            .collect();
        assert_eq!(
            entries,
            [
                (
                    "acme/common/**",
                    vec!["vendored".to_owned(), "gen".to_owned()]
                ),
                ("acme/**", vec![]),
                ("root.proto", vec![]),
            ]
        );
        // The value is split at its first `:`; one trailing `.` is dropped.
        assert_eq!(
            parse("map_imports=a:b.").unwrap().map_imports[0].target,
            ["b"]
        );
        assert!(parse("map_imports=a:b:c").is_err());
    }

    #[test]
    fn bad_map_imports_are_named() {
        let cases = [
            ("map_imports", "needs a value"),
            ("map_imports=acme", "no `:`"),
            ("map_imports=:vendored", "the glob is empty"),
            (
                "map_imports=a:x,map_imports=a:y",
                "the glob `a` more than once",
            ),
            ("map_imports=a:x..", "invalid package `x..`"),
            ("map_imports=a:..", "invalid package `..`"),
            ("map_imports=a:1x", "invalid package `1x`"),
            ("map_imports=a:my-pkg", "invalid package `my-pkg`"),
            ("map_imports=a: vendored", "invalid package ` vendored`"),
            (
                "map_imports=a:vendored.class",
                "`class` is a Python keyword",
            ),
        ];
        for (parameter, expected) in cases {
            let err = parse(parameter).unwrap_err().0;
            assert!(err.contains("map_imports"), "{parameter}: {err}");
            assert!(err.contains(expected), "{parameter}: {err}");
        }
        // Globs differing only in text are different keys.
        assert!(parse("map_imports=a:x,map_imports=a/:x").is_ok());
        // Valid: an underscore start, unicode is not (the framework's ASCII rule).
        assert!(parse("map_imports=a:_v.x1").is_ok());
        assert!(parse("map_imports=a:vé").is_err());
    }
}
