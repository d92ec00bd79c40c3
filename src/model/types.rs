//! Message types: where each lives in the request, which module a generated module
//! imports it from, and how its class is spelled there.

use crate::fast_hash::FastMap;
use crate::map_imports::{MapImport, target_for};
use crate::modules::{ModulePath, import_path, mapped_module, module_for, wkt_module};
use crate::names::escape_class_name;
use crate::options::{Flavor, Imports, Options};
use crate::plugin_proto::{DescriptorProto, FileDescriptorProto};

/// Where every message type of the request lives: its file and its nesting path.
pub struct TypeIndex<'a> {
    files: &'a [FileDescriptorProto],
    by_full_name: FastMap<String, (usize, Vec<&'a str>)>,
}

impl<'a> TypeIndex<'a> {
    pub fn new(files: &'a [FileDescriptorProto]) -> Self {
        let mut by_full_name = FastMap::default();
        for (index, file) in files.iter().enumerate() {
            let package = file.package.as_deref().unwrap_or_default();
            let prefix = if package.is_empty() {
                String::from(".")
            } else {
                format!(".{package}.")
            };
            for message in &file.message_type {
                index_message(&mut by_full_name, index, &prefix, &mut Vec::new(), message);
            }
        }
        TypeIndex {
            files,
            by_full_name,
        }
    }

    /// The file (by index) and the nesting path of a fully qualified type name
    /// (`.pkg.Outer.Inner`).
    pub fn lookup(&self, type_name: &str) -> Option<(usize, &[&'a str])> {
        self.by_full_name
            .get(type_name)
            .map(|(file, path)| (*file, path.as_slice()))
    }

    pub fn file_name(&self, file: usize) -> &'a str {
        self.files[file].name.as_deref().unwrap_or_default()
    }
}

fn index_message<'a>(
    out: &mut FastMap<String, (usize, Vec<&'a str>)>,
    file: usize,
    prefix: &str,
    path: &mut Vec<&'a str>,
    message: &'a DescriptorProto,
) {
    path.push(message.name.as_deref().unwrap_or_default());
    out.insert(format!("{prefix}{}", path.join(".")), (file, path.clone()));
    for nested in &message.nested_type {
        index_message(out, file, prefix, path, nested);
    }
    path.pop();
}

/// A message type as a generated module imports it.
pub struct TypeRef {
    /// The module to import from, as the import statement names it.
    pub module: String,
    /// Whether that module belongs to the generated tree (rather than to an installed
    /// package), so that its import depends on the tree's layout.
    pub in_tree: bool,
    /// The top-level class, then the nested classes inside it.
    pub path: Vec<String>,
}

/// Resolves message types for one generated module. The import path of each file's
/// message module is built once, since most types of a module come from a few files.
pub struct TypeResolver<'a, 'i> {
    types: &'i TypeIndex<'a>,
    generated: &'i dyn Fn(&str) -> bool,
    options: &'i Options,
    connect_module: &'i ModulePath,
    modules: FastMap<usize, (String, bool)>,
}

impl<'a, 'i> TypeResolver<'a, 'i> {
    pub fn new(
        types: &'i TypeIndex<'a>,
        generated: &'i dyn Fn(&str) -> bool,
        options: &'i Options,
        connect_module: &'i ModulePath,
    ) -> Self {
        TypeResolver {
            types,
            generated,
            options,
            connect_module,
            modules: FastMap::default(),
        }
    }

    /// `None` when the request does not define the type ([`super::check`] reports it).
    pub fn resolve(&mut self, type_name: &str) -> Option<TypeRef> {
        let (file_index, path) = self.types.lookup(type_name)?;
        let file_name = self.types.file_name(file_index);
        let (module, in_tree) = self
            .modules
            .entry(file_index)
            .or_insert_with(|| {
                message_module(file_name, self.generated, self.options, self.connect_module)
            })
            .clone();
        let path = match self.options.flavor {
            Flavor::Google => path.iter().map(|s| (*s).to_owned()).collect(),
            Flavor::Py => path.iter().map(|s| escape_class_name(s)).collect(),
        };
        Some(TypeRef {
            module,
            in_tree,
            path,
        })
    }
}

/// How `connect_module` imports the message module of `file_name`, and whether that
/// module is part of the generated tree (a module `map_imports` places under a package
/// is not: its import does not depend on the tree's layout).
fn message_module(
    file_name: &str,
    generated: &dyn Fn(&str) -> bool,
    options: &Options,
    connect_module: &ModulePath,
) -> (String, bool) {
    let relative = options.imports == Imports::Relative;
    let flavor = options.flavor;
    if let Some(wkt) = wkt_module(flavor, file_name, generated(file_name)) {
        return (wkt.dotted(), false);
    }
    let module = tree_module(flavor, file_name, options.escape_module_with_hash);
    // map_imports maps protobuf-py modules only, as the reference does: with
    // `protobuf=google` it ignores the option, and protoc's own `_pb2` modules import each
    // other at their canonical paths anyway, so a mapped `_pb2` import would point at a
    // module protoc never wrote there.
    if flavor == Flavor::Py
        && let Some(mapped) = mapped(&options.map_imports, file_name, &module)
    {
        return (mapped.dotted(), false);
    }
    match flavor {
        Flavor::Google => {
            // protoc's python_out modules import each other absolutely; only the
            // module's own messages are imported relatively, as the reference does.
            let own_file = connect_module
                == &module_for(
                    flavor,
                    file_name,
                    "_connect",
                    options.escape_module_with_hash,
                );
            (
                import_path(connect_module, &module, own_file && relative),
                true,
            )
        }
        Flavor::Py => (import_path(connect_module, &module, relative), true),
    }
}

/// The message module of `file_name` in the generated tree: protoc's `_pb2` (which no
/// option renames) or protoc-gen-py's `_pb`.
pub fn tree_module(flavor: Flavor, file_name: &str, escape_with_hash: bool) -> ModulePath {
    match flavor {
        Flavor::Google => module_for(Flavor::Google, file_name, "_pb2", false),
        Flavor::Py => module_for(Flavor::Py, file_name, "_pb", escape_with_hash),
    }
}

/// `module` (of `file_name`) where `map_imports` places it, if a glob matches the file.
pub fn mapped(
    map_imports: &[MapImport],
    file_name: &str,
    module: &ModulePath,
) -> Option<ModulePath> {
    target_for(map_imports, file_name).map(|target| mapped_module(target, module))
}
