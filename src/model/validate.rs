//! What a request must satisfy before a file is generated: names that protoc itself
//! would accept, file names that can become module paths, and (in the google flavor)
//! message names that protoc's `python_out` binds as importable names.
//!
//! protoc never sends most of what is refused here, but a descriptor set can hold
//! anything (`--descriptor_set_in`, `generate --descriptor-set`, other compilers). Each
//! error names the element and says why, so that nothing is written rather than a module
//! that does not compile.

use super::ModelError;
use super::types::TypeIndex;
use crate::fast_hash::FastSet;
use crate::modules::{ModulePath, module_for};
use crate::names::is_hard_keyword;
use crate::options::Flavor;
use crate::plugin_proto::FileDescriptorProto;

/// A name protoc accepts for a package segment, service, method or message:
/// `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_proto_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `__name__`-style names, which Python reserves for special attributes.
fn is_dunder(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

/// Checks everything about `file` that generating its `_connect.py` relies on.
pub fn check_file(
    file: &FileDescriptorProto,
    types: &TypeIndex,
    flavor: Flavor,
) -> Result<(), ModelError> {
    let file_name = file.name.as_deref().unwrap_or_default();
    check_file_name(file_name, flavor)?;
    let package = file.package.as_deref().unwrap_or_default();
    if !package.is_empty() && !package.split('.').all(is_proto_identifier) {
        return Err(ModelError(format!(
            "package {} is not a valid proto package name (dot-separated \
             identifiers, each [A-Za-z_][A-Za-z0-9_]*)",
            quoted(package)
        )));
    }
    // RPCs reuse a few types many times: each is checked once.
    let mut checked: FastSet<&str> = FastSet::default();
    // protoc refuses duplicate symbols; other tools might send them, and one service or
    // RPC would then silently replace the other (two classes, two endpoints of one path).
    let mut services: FastSet<&str> = FastSet::default();
    for service in &file.service {
        let service_name = service.name.as_deref().unwrap_or_default();
        if !is_proto_identifier(service_name) {
            return Err(ModelError(format!(
                "service {} does not have a valid proto name ([A-Za-z_][A-Za-z0-9_]*)",
                quoted(service_name)
            )));
        }
        if !services.insert(service_name) {
            return Err(ModelError(format!(
                "service `{service_name}` is defined twice in {}",
                quoted(file_name)
            )));
        }
        let mut methods: FastSet<&str> = FastSet::default();
        for method in &service.method {
            let method_name = method.name.as_deref().unwrap_or_default();
            if !is_proto_identifier(method_name) {
                return Err(ModelError(format!(
                    "method {} of service `{service_name}` does not have a valid proto \
                     name ([A-Za-z_][A-Za-z0-9_]*)",
                    quoted(method_name)
                )));
            }
            if !methods.insert(method_name) {
                return Err(ModelError(format!(
                    "method `{method_name}` of service `{service_name}` is defined twice"
                )));
            }
            for type_name in [&method.input_type, &method.output_type] {
                let type_name = type_name.as_deref().unwrap_or_default();
                if checked.insert(type_name) {
                    let rpc = format!("{service_name}.{method_name}");
                    check_message(type_name, &rpc, types, flavor)?;
                }
            }
        }
    }
    Ok(())
}

/// A message an RPC uses: defined, with valid names, in a file whose module can be
/// imported, and (google flavor) with names `python_out` binds as plain attributes.
fn check_message(
    type_name: &str,
    rpc: &str,
    types: &TypeIndex,
    flavor: Flavor,
) -> Result<(), ModelError> {
    let Some((file, path)) = types.lookup(type_name) else {
        return Err(super::undefined_type(type_name));
    };
    if let Some(bad) = path.iter().find(|name| !is_proto_identifier(name)) {
        return Err(ModelError(format!(
            "message type {} used by `{rpc}` has a name that is not a valid proto \
             identifier: {}",
            quoted(type_name),
            quoted(bad)
        )));
    }
    if flavor == Flavor::Google {
        if let Some(keyword) = path.iter().find(|name| is_hard_keyword(name)) {
            return Err(ModelError(format!(
                "message `{}` used by `{rpc}` is named `{keyword}`, a Python keyword: \
                 protoc's python_out binds it only as an attribute that no import \
                 statement can name, and its .pyi for it (`class {keyword}(...)`) is not \
                 valid Python; rename the message, or use protobuf=py, where \
                 protoc-gen-py names it `{keyword}_`",
                type_name.trim_start_matches('.')
            )));
        }
        if let Some(dunder) = path.iter().find(|name| is_dunder(name)) {
            return Err(ModelError(format!(
                "message `{}` used by `{rpc}` is named `{dunder}`: protoc's python_out \
                 binds it over the special attribute of that name in its module or class, \
                 which breaks it; rename the message, or use protobuf=py, where \
                 protoc-gen-py names it `pb_{dunder}`",
                type_name.trim_start_matches('.')
            )));
        }
    }
    let file_name = types.file_name(file);
    check_file_name(file_name, flavor).map_err(|e| {
        ModelError(format!(
            "message `{}` used by `{rpc}` is defined in {}: {}",
            type_name.trim_start_matches('.'),
            quoted(file_name),
            e.0
        ))
    })
}

/// A file name that can become the module path of its generated code: relative, without
/// empty, `.` or `..` segments (which would place output outside the output directory),
/// and in the google flavor, whose module path protoc's python_out derives by the file
/// name alone, one of Python identifiers that are not keywords.
pub fn check_file_name(file_name: &str, flavor: Flavor) -> Result<(), ModelError> {
    let base = file_name.strip_suffix(".proto").unwrap_or(file_name);
    if file_name.starts_with('/') {
        return Err(ModelError(format!(
            "file name {} is absolute; proto file names are relative to an import root",
            quoted(file_name)
        )));
    }
    if let Some(segment) = base
        .split('/')
        .find(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return Err(ModelError(format!(
            "file name {} has a {} path segment; proto file names are normalized paths \
             relative to an import root",
            quoted(file_name),
            if segment.is_empty() {
                "n empty".to_owned()
            } else {
                format!(" `{segment}`")
            }
        )));
    }
    if flavor == Flavor::Google {
        let module: ModulePath = module_for(flavor, file_name, "_pb2", false);
        for segment in &module.0 {
            if !is_proto_identifier(segment) || is_hard_keyword(segment) {
                let why = if is_hard_keyword(segment) {
                    "a Python keyword"
                } else {
                    "not a Python identifier"
                };
                return Err(ModelError(format!(
                    "file name {} gives the module `{}` in protoc's python_out, whose \
                     segment {} is {why}, so no import statement can name it; rename \
                     the file, or use protobuf=py, whose protoc-gen-py escapes module names",
                    quoted(file_name),
                    module.dotted().escape_debug(),
                    quoted(segment),
                )));
            }
        }
    }
    Ok(())
}

/// A name from the request as it appears in an error: in backticks, with anything that
/// would break the message (control characters, quotes) escaped.
fn quoted(name: &str) -> String {
    format!("`{}`", name.escape_debug())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proto_identifiers() {
        for ok in ["a", "_", "A1", "_x_9", "Item10"] {
            assert!(is_proto_identifier(ok), "{ok}");
        }
        for bad in ["", "1a", "a b", "a.b", "a\"b", "a\nb", "é", "a-b"] {
            assert!(!is_proto_identifier(bad), "{bad:?}");
        }
    }

    #[test]
    fn file_names_must_stay_inside_the_output() {
        for flavor in [Flavor::Google, Flavor::Py] {
            for bad in [
                "/abs/x.proto",
                "../x.proto",
                "a//b.proto",
                "./x.proto",
                "a/../b.proto",
            ] {
                let err = check_file_name(bad, flavor).unwrap_err().0;
                assert!(err.contains(&format!("`{bad}`")), "{err}");
            }
            assert!(check_file_name("a/b-c/d.proto", flavor).is_ok());
        }
    }

    #[test]
    fn google_module_paths_must_be_importable() {
        for bad in [
            "class/x.proto",
            "a b.proto",
            "2fa/x.proto",
            "a\nb.proto",
            "é/x.proto",
        ] {
            let err = check_file_name(bad, Flavor::Google).unwrap_err().0;
            assert!(err.contains("protobuf=py"), "{err}");
            assert!(check_file_name(bad, Flavor::Py).is_ok(), "{bad:?}");
        }
        let err = check_file_name("a\nb.proto", Flavor::Google).unwrap_err().0;
        assert!(!err.contains('\n'), "{err}");
        // protoc's python_out turns `-` into `_`, and `.` separates modules.
        assert!(check_file_name("a-b/c.d.proto", Flavor::Google).is_ok());
    }

    #[test]
    fn dunders() {
        assert!(is_dunder("__init__"));
        assert!(!is_dunder("__x"));
        assert!(!is_dunder("____"));
        assert!(!is_dunder("_x_"));
    }
}
