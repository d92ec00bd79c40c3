//! Where modules live: the Python module of each proto file in each flavor, and the import
//! path from one generated module to another.
//!
//! The `_connect.py` file must sit beside the message module the flavor's own generator
//! writes, so each flavor follows that generator's path rules: protoc's `python_out` for
//! `google`, protoc-gen-py for `py`.

use crate::names::escape_proto_module_component;
use crate::options::Flavor;

/// Proto files that protobuf-py ships as `protobuf.wkt.google.protobuf[.compiler]`
/// modules, so they are imported from there unless they are being generated themselves.
const PROTOBUF_PY_WKT: &[&str] = &[
    "google/protobuf/any.proto",
    "google/protobuf/api.proto",
    "google/protobuf/c_sharp_features.proto",
    "google/protobuf/cpp_features.proto",
    "google/protobuf/cpp_file_options.proto",
    "google/protobuf/cpp_options.proto",
    "google/protobuf/descriptor.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/empty.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/go_features.proto",
    "google/protobuf/java_features.proto",
    "google/protobuf/json_enumvalue_options.proto",
    "google/protobuf/json_options.proto",
    "google/protobuf/source_context.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/timestamp.proto",
    "google/protobuf/type.proto",
    "google/protobuf/wrappers.proto",
    "google/protobuf/compiler/plugin.proto",
];

/// Proto files whose `_pb2` modules the `protobuf` package ships (`google.protobuf.*`), so
/// that the google flavor imports them from there rather than from the generated tree.
const GOOGLE_PROTOBUF_WKT: &[&str] = &[
    "google/protobuf/any.proto",
    "google/protobuf/api.proto",
    "google/protobuf/descriptor.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/empty.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/json_enumvalue_options.proto",
    "google/protobuf/json_options.proto",
    "google/protobuf/source_context.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/timestamp.proto",
    "google/protobuf/type.proto",
    "google/protobuf/wrappers.proto",
    "google/protobuf/compiler/plugin.proto",
];

/// A Python module as the segments of its dotted path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModulePath(pub Vec<String>);

impl ModulePath {
    pub fn dotted(&self) -> String {
        self.0.join(".")
    }

    /// The file that holds this module, relative to the output root.
    pub fn file_path(&self) -> String {
        format!("{}.py", self.0.join("/"))
    }

    /// A module at the root of the output tree has no package when the output root is on
    /// `sys.path`, so its relative imports work only when the output root is a package.
    pub fn is_top_level(&self) -> bool {
        self.0.len() == 1
    }

    pub fn name(&self) -> &str {
        self.0.last().map(String::as_str).unwrap_or_default()
    }

    pub fn parent(&self) -> ModulePath {
        ModulePath(self.0[..self.0.len().saturating_sub(1)].to_vec())
    }
}

fn strip_proto(file_name: &str) -> &str {
    file_name.strip_suffix(".proto").unwrap_or(file_name)
}

/// The module for `file_name` with `suffix` added to its last segment, under the rules of
/// the flavor's message generator. `escape_with_hash` is the `escape_module_with_hash`
/// option: protoc-gen-py's hash suffix on components its escaping changed (`py`); in the
/// `google` flavor, where protoc's `python_out` knows no such option and the `_pb2`
/// module keeps its name, only a `_connect` module's own name takes the suffix, as the
/// reference writes it (`dash-name.proto` -> `dash_name_6a79b9d4_connect.py`, beside
/// `dash_name_pb2.py`); its directories stay those of the `_pb2` module.
pub fn module_for(
    flavor: Flavor,
    file_name: &str,
    suffix: &str,
    escape_with_hash: bool,
) -> ModulePath {
    let base = strip_proto(file_name);
    let mut segments: Vec<String> = match flavor {
        // protoc's python generator: `-` becomes `_`, and both `/` and `.` separate modules.
        Flavor::Google => {
            let mut segments: Vec<String> = base
                .replace('-', "_")
                .split(['/', '.'])
                .map(str::to_owned)
                .collect();
            let stem = base.rsplit(['/', '.']).next().unwrap_or(base);
            if escape_with_hash
                && suffix == "_connect"
                && stem.contains('-')
                && let Some(last) = segments.last_mut()
            {
                last.push('_');
                last.push_str(&crate::sha256::hex_prefix(stem.as_bytes(), 8));
            }
            segments
        }
        // protoc-gen-py: each path component is escaped to a valid, unreserved identifier.
        Flavor::Py => base
            .split('/')
            .map(|part| escape_proto_module_component(part, escape_with_hash))
            .collect(),
    };
    if let Some(last) = segments.last_mut() {
        last.push_str(suffix);
    }
    ModulePath(segments)
}

/// `module` as `map_imports` places it: under `target`, at its own path inside it (an
/// empty target: at its own path), always imported absolutely.
pub fn mapped_module(target: &[String], module: &ModulePath) -> ModulePath {
    ModulePath(target.iter().chain(&module.0).cloned().collect())
}

/// The message module of `file_name` when the flavor's message runtime ships it (a
/// well-known type), unless the file is being generated itself: protobuf-py's
/// `protobuf.wkt.google.protobuf[.compiler]` modules, or the `protobuf` package's
/// `google.protobuf[.compiler]` ones.
pub fn wkt_module(flavor: Flavor, file_name: &str, generated: bool) -> Option<ModulePath> {
    if generated {
        return None;
    }
    match flavor {
        Flavor::Py => {
            if !PROTOBUF_PY_WKT.contains(&file_name) {
                return None;
            }
            let mut segments: Vec<String> = vec!["protobuf".into(), "wkt".into()];
            segments.extend(strip_proto(file_name).split('/').map(str::to_owned));
            if let Some(last) = segments.last_mut() {
                last.push_str("_pb");
            }
            Some(ModulePath(segments))
        }
        Flavor::Google => GOOGLE_PROTOBUF_WKT
            .contains(&file_name)
            .then(|| module_for(Flavor::Google, file_name, "_pb2", false)),
    }
}

/// How `from` must name `target` in an import statement: absolute, or relative with the
/// fewest dots, as the reference computes it (a top-level module's relative imports
/// start with one dot, which needs the output root to be a package).
pub fn import_path(from: &ModulePath, target: &ModulePath, relative: bool) -> String {
    if !relative {
        return target.dotted();
    }
    let package = &from.0[..from.0.len() - 1];
    let shared = package
        .iter()
        .zip(&target.0)
        .take_while(|(a, b)| a == b)
        .count();
    let dots = package.len() - shared + 1;
    format!("{}{}", ".".repeat(dots), target.0[shared..].join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(dotted: &str) -> ModulePath {
        ModulePath(dotted.split('.').map(str::to_owned).collect())
    }

    #[test]
    fn google_modules_follow_protoc_python_out() {
        let m = module_for(Flavor::Google, "hazards/v1/dash-name.proto", "_pb2", false);
        assert_eq!(m.dotted(), "hazards.v1.dash_name_pb2");
        assert_eq!(m.file_path(), "hazards/v1/dash_name_pb2.py");
        assert_eq!(
            module_for(Flavor::Google, "root.proto", "_connect", false).dotted(),
            "root_connect"
        );
    }

    #[test]
    fn py_modules_follow_protoc_gen_py() {
        let m = module_for(Flavor::Py, "class/2fa/x-y.proto", "_pb", false);
        assert_eq!(m.dotted(), "class_.pb__2fa.x_y_pb");
        let wkt = |flavor, file, generated| wkt_module(flavor, file, generated).map(|m| m.dotted());
        assert_eq!(
            wkt(Flavor::Py, "google/protobuf/empty.proto", false).as_deref(),
            Some("protobuf.wkt.google.protobuf.empty_pb")
        );
        assert_eq!(
            wkt(
                Flavor::Google,
                "google/protobuf/compiler/plugin.proto",
                false
            )
            .as_deref(),
            Some("google.protobuf.compiler.plugin_pb2")
        );
        assert_eq!(wkt(Flavor::Py, "google/protobuf/empty.proto", true), None);
        assert_eq!(
            wkt(Flavor::Google, "google/protobuf/empty.proto", true),
            None
        );
        assert_eq!(wkt(Flavor::Py, "google/type/date.proto", false), None);
        // protobuf-py ships more of google/protobuf than the protobuf package does.
        assert_eq!(
            wkt(Flavor::Google, "google/protobuf/go_features.proto", false),
            None
        );
    }

    #[test]
    fn hash_escaping_follows_protoc_gen_py() {
        let hash = |s: &str| crate::sha256::hex_prefix(s.as_bytes(), 8);
        let m = module_for(Flavor::Py, "my-dir/dash-name.proto", "_pb", true);
        assert_eq!(
            m.dotted(),
            format!("my_dir_{}.dash_name_6a79b9d4_pb", hash("my-dir"))
        );
        assert_eq!(
            module_for(Flavor::Py, "acme/shop/v1/shop.proto", "_connect", true).dotted(),
            "acme.shop.v1.shop_connect"
        );
        // google: protoc's `_pb2` never changes; the `_connect` module's own name takes
        // the reference's suffix, its directories stay beside the `_pb2`.
        assert_eq!(
            module_for(Flavor::Google, "my-dir/dash-name.proto", "_pb2", true).dotted(),
            "my_dir.dash_name_pb2"
        );
        assert_eq!(
            module_for(Flavor::Google, "my-dir/dash-name.proto", "_connect", true).dotted(),
            "my_dir.dash_name_6a79b9d4_connect"
        );
        assert_eq!(
            module_for(Flavor::Google, "my-dir/plain.proto", "_connect", true).dotted(),
            "my_dir.plain_connect"
        );
    }

    #[test]
    fn mapped_modules_sit_under_their_target() {
        let module = path("acme.common.v1.types_pb");
        assert_eq!(
            mapped_module(&["vendored".into(), "gen".into()], &module).dotted(),
            "vendored.gen.acme.common.v1.types_pb"
        );
        assert_eq!(mapped_module(&[], &module), module);
    }

    #[test]
    fn relative_paths_use_the_fewest_dots() {
        let from = path("acme.shop.v1.shop_connect");
        assert_eq!(
            import_path(&from, &path("acme.shop.v1.shop_pb"), true),
            ".shop_pb"
        );
        assert_eq!(
            import_path(&from, &path("acme.common.v1.types_pb"), true),
            "...common.v1.types_pb"
        );
        assert_eq!(import_path(&from, &path("acme.shop.v1"), true), ".");
        assert_eq!(
            import_path(
                &path("acme.shop.v1.admin.admin_connect"),
                &path("acme.shop.v1.shop_pb"),
                true
            ),
            "..shop_pb"
        );
    }

    #[test]
    fn top_level_modules_import_relatively_unless_absolute() {
        let from = path("root_connect");
        assert_eq!(import_path(&from, &path("root_pb2"), true), ".root_pb2");
        assert_eq!(
            import_path(&from, &path("acme.common.v1.types_pb"), true),
            ".acme.common.v1.types_pb"
        );
        assert_eq!(import_path(&from, &ModulePath(vec![]), true), ".");
        assert_eq!(import_path(&from, &path("root_pb2"), false), "root_pb2");
        assert_eq!(
            import_path(
                &path("a.b_connect"),
                &path("google.protobuf.empty_pb2"),
                false
            ),
            "google.protobuf.empty_pb2"
        );
    }
}
