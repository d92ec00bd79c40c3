//! Plugin parameters: `protobuf=google|py`, `io=sync|async` and `imports=relative|absolute`.
//!
//! Parsing is strict: an unknown key or value is an error that names it and lists what is
//! valid, because a typo silently ignored produces code for the wrong runtime flavor.

use std::fmt;

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
}

impl Default for Options {
    /// The reference generator's defaults: protobuf-py messages, both I/O styles.
    fn default() -> Self {
        Options {
            flavor: Flavor::Py,
            io: Io::Both,
            imports: Imports::Relative,
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
}

/// One valid key, its values, and what it does: the source of both validation and help.
pub struct OptionSpec {
    pub key: &'static str,
    pub values: &'static [&'static str],
    pub help: &'static str,
}

pub const OPTION_SPECS: &[OptionSpec] = &[
    OptionSpec {
        key: "protobuf",
        values: &["py", "google"],
        help: "message runtime: `py` imports protobuf-py `*_pb.py` modules (default), \
               `google` imports protoc's `*_pb2.py` modules",
    },
    OptionSpec {
        key: "io",
        values: &["sync", "async"],
        help: "generate only the threaded (`sync`) or only the asyncio (`async`) classes; \
               both when unset",
    },
    OptionSpec {
        key: "imports",
        values: &["relative", "absolute"],
        help: "how modules of the generated tree are imported: `relative` as \
               protoc-gen-connectrpc does (default; the output root is a package or inside \
               one), `absolute` for an output root on sys.path",
    },
    OptionSpec {
        key: "no_fmt_off",
        values: &["true", "false"],
        help: "accepted for compatibility with protoc-gen-connectrpc; has no effect, \
               because the output never carries `# fmt: off`",
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
    for token in parameter.split(',') {
        let token = token.trim();
        if token.is_empty() {
            continue;
        }
        let (key, value) = match token.split_once('=') {
            Some((key, value)) => (key.trim(), Some(value.trim())),
            None => (token, None),
        };
        let Some(spec) = OPTION_SPECS.iter().find(|spec| spec.key == key) else {
            return Err(OptionsError(format!(
                "unknown option `{key}`; valid options are {}",
                valid_keys()
            )));
        };
        if seen.contains(&spec.key) {
            return Err(OptionsError(format!(
                "option `{key}` is given more than once; give it once"
            )));
        }
        seen.push(spec.key);
        // A bare boolean key means `true`, as protoc-gen-connectrpc accepts it.
        let value = match (value, spec.key) {
            (None, "no_fmt_off") => "true",
            (None, _) => {
                return Err(OptionsError(format!(
                    "option `{key}` needs a value: {}",
                    valid_values(spec)
                )));
            }
            (Some(value), _) => value,
        };
        let value_lower = value.to_ascii_lowercase();
        if !spec.values.contains(&value_lower.as_str()) {
            return Err(OptionsError(format!(
                "invalid value `{value}` for option `{key}`; valid values are {}",
                valid_values(spec)
            )));
        }
        match (spec.key, value_lower.as_str()) {
            ("protobuf", "google") => options.flavor = Flavor::Google,
            ("protobuf", _) => options.flavor = Flavor::Py,
            ("io", "sync") => options.io = Io::Sync,
            ("io", _) => options.io = Io::Async,
            ("imports", "absolute") => options.imports = Imports::Absolute,
            ("imports", _) => options.imports = Imports::Relative,
            _ => {}
        }
    }
    Ok(options)
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
        assert_eq!(parse(" protobuf = py ").unwrap().flavor, Flavor::Py);
        assert_eq!(parse("protobuf=GOOGLE").unwrap().flavor, Flavor::Google);
        assert_eq!(parse("no_fmt_off").unwrap(), Options::default());
        assert_eq!(parse("no_fmt_off=false,").unwrap(), Options::default());
    }

    #[test]
    fn unknown_key_is_named_with_the_valid_ones() {
        let err = parse("protobuff=google").unwrap_err().0;
        assert!(err.contains("`protobuff`"), "{err}");
        assert!(err.contains("`protobuf` (py|google)"), "{err}");
        assert!(err.contains("`io` (sync|async)"), "{err}");
    }

    #[test]
    fn invalid_value_is_named_with_the_valid_ones() {
        let err = parse("io=both").unwrap_err().0;
        assert_eq!(
            err,
            "invalid value `both` for option `io`; valid values are `sync`, `async`"
        );
        let err = parse("protobuf").unwrap_err().0;
        assert!(err.contains("needs a value"), "{err}");
    }

    #[test]
    fn repeated_key_is_an_error() {
        let err = parse("io=sync,io=async").unwrap_err().0;
        assert!(err.contains("more than once"), "{err}");
    }
}
