//! Which message modules the generated `_connect.py` files import from the generated tree,
//! so that `generate --check` can say when one is missing from `--out`: the drift check
//! compares `_connect.py` files only, and a tree without its `_pb.py` / `_pb2.py` modules
//! passes it yet fails at the first import.

use std::collections::BTreeSet;

use crate::model::types::{TypeIndex, mapped, tree_module};
use crate::modules::{module_for, wkt_module};
use crate::options::{Flavor, Options};
use crate::plugin_proto::CodeGeneratorRequest;

/// A message module a generated file imports from the tree.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Needed {
    /// The proto file whose messages it holds (`eliza/v1/eliza.proto`).
    pub proto: String,
    /// Its path under the output root (`eliza/v1/eliza_pb.py`).
    pub path: String,
    /// The `_connect.py` that imports it (the first one, by path).
    pub imported_by: String,
}

/// The tree's message modules the `_connect.py` files generated for `request` import:
/// those of the protos whose messages their RPCs take and return, and (py flavor) their
/// own, which `desc()` reads. Well-known types (the runtime's own modules) and modules
/// `map_imports` places under another package are not part of the tree.
pub fn needed(request: &CodeGeneratorRequest, options: &Options) -> Vec<Needed> {
    let types = TypeIndex::new(&request.proto_file);
    let generated = |name: &str| request.file_to_generate.iter().any(|f| f == name);
    let mut seen = BTreeSet::new();
    let mut needed = Vec::new();
    for file in &request.proto_file {
        let name = file.name.as_deref().unwrap_or_default();
        if !generated(name) || file.service.iter().all(|s| s.method.is_empty()) {
            continue;
        }
        let connect = module_for(
            options.flavor,
            name,
            "_connect",
            options.escape_module_with_hash,
        )
        .file_path();
        let rpc_files = file
            .service
            .iter()
            .flat_map(|s| &s.method)
            .flat_map(|m| [m.input_type.as_deref(), m.output_type.as_deref()])
            .flatten()
            .filter_map(|type_name| types.lookup(type_name))
            .map(|(index, _)| types.file_name(index));
        let own = (options.flavor == Flavor::Py).then_some(name);
        for proto in own.into_iter().chain(rpc_files) {
            if wkt_module(options.flavor, proto, generated(proto)).is_some() {
                continue;
            }
            let module = tree_module(options.flavor, proto, options.escape_module_with_hash);
            if options.flavor == Flavor::Py
                && mapped(&options.map_imports, proto, &module).is_some()
            {
                continue;
            }
            let path = module.file_path();
            if seen.insert(path.clone()) {
                needed.push(Needed {
                    proto: proto.to_owned(),
                    path,
                    imported_by: connect.clone(),
                });
            }
        }
    }
    needed.sort();
    needed
}
