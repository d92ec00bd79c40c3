//! How `generate` finds the `.proto` files it is given among the `-I` directories, and
//! what it says when it cannot: the directories searched, and the likely fix.
//!
//! protox (like protoc) takes a file either as a path on disk that starts with one of the
//! `-I` directories as written, or as a name relative to one of them. Two spellings a user
//! means are mapped before protox sees them: an absolute (or otherwise differently written)
//! path to a file inside a `-I` directory, and a name with a leading `./`.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::hints;
use crate::plugin_proto::CodeGeneratorRequest;

/// `file` as protox can resolve it: unchanged when it already is, else the path on disk
/// rewritten to start with the `-I` directory that holds it, or the name without `./`.
pub fn resolvable(file: &Path, includes: &[PathBuf]) -> PathBuf {
    if includes.iter().any(|include| file.starts_with(include)) {
        return file.to_owned();
    }
    if let Ok(real) = fs::canonicalize(file) {
        for include in includes {
            let Ok(root) = fs::canonicalize(include) else {
                continue;
            };
            if let Ok(rest) = real.strip_prefix(&root) {
                return include.join(rest);
            }
        }
    }
    file.to_owned()
}

/// The error for a file no `-I` directory holds, naming the directories searched and the
/// fix that applies: a missing directory, a `./` or directory prefix too many, a missing
/// `-I`, or a near miss of a file that is there.
pub fn not_found(file: &Path, includes: &[PathBuf], includes_given: bool) -> String {
    let shown = file.display();
    let searched: Vec<String> = includes
        .iter()
        .map(|include| {
            let note = if include.is_dir() {
                ""
            } else {
                " (no such directory)"
            };
            format!("`{}`{note}", include.display())
        })
        .collect();
    let mut message = if includes_given {
        format!(
            "file `{shown}` is not in any include path (searched -I {})",
            searched.join(", -I ")
        )
    } else {
        format!(
            "file `{shown}` is not in any include path: no -I was given, so only the \
             current directory is searched"
        )
    };
    if let Some(hint) = hint(file, includes, includes_given) {
        message.push_str("; ");
        message.push_str(&hint);
    }
    message
}

fn hint(file: &Path, includes: &[PathBuf], includes_given: bool) -> Option<String> {
    let name = without_cur_dir(file);
    // `./eliza/v1/eliza.proto` meant as a name relative to `-I proto`.
    if name != file
        && let Some(include) = includes.iter().find(|i| i.join(&name).is_file())
    {
        return Some(format!(
            "`{}` exists: name it `{}`, relative to -I {} (a leading `./` makes it a \
             path from the current directory)",
            include.join(&name).display(),
            name.display(),
            include.display()
        ));
    }
    // A name relative to a directory that was not given with -I.
    if let Some(root) = root_holding(&name) {
        let verb = if includes_given { "add" } else { "pass" };
        return Some(format!(
            "`{}` exists: {verb} `-I {}`",
            root.join(&name).display(),
            root.display()
        ));
    }
    if let Some(missing) = includes.iter().find(|include| !include.is_dir()) {
        return Some(format!(
            "-I `{}` is not a directory: check its spelling",
            missing.display()
        ));
    }
    if file.is_file() {
        return Some(format!(
            "`{shown}` exists but lies outside every -I directory: add `-I` with the \
             directory its imports are relative to",
            shown = file.display()
        ));
    }
    near_miss(&name, includes).map(|near| format!("did you mean `{}`?", near.display()))
}

/// For `generate` without `-I` (the current directory is the import root): a warning for
/// each file to generate whose directory ends with its package's path but starts with more
/// (`proto/eliza/v1/eliza.proto` in package `eliza.v1`), so that its module lands under
/// `--out` at `proto/eliza/v1/`, where the user most likely wanted `-I proto`.
pub fn implicit_root_warnings(request: &CodeGeneratorRequest) -> Vec<String> {
    request
        .proto_file
        .iter()
        .filter(|file| {
            let name = file.name.as_deref().unwrap_or_default();
            request.file_to_generate.iter().any(|f| f == name)
        })
        .filter_map(|file| {
            let name = Path::new(file.name.as_deref()?);
            let package = file.package.as_deref().filter(|p| !p.is_empty())?;
            let package_dir: PathBuf = package.split('.').collect();
            let dir = name.parent()?;
            let root = dir.to_str()?.strip_suffix(package_dir.to_str()?)?;
            let root = root.strip_suffix('/')?;
            let relative = name.strip_prefix(root).ok()?;
            Some(format!(
                "no -I given, so `{name}` is compiled from the current directory and its \
                 module is written to `{dir}/` under --out; its package `{package}` \
                 suggests `-I {root} {relative}`",
                name = name.display(),
                dir = dir.display(),
                relative = relative.display(),
            ))
        })
        .collect()
}

/// `file` without `.` components.
fn without_cur_dir(file: &Path) -> PathBuf {
    file.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// A directory of the current directory (one level down) under which the relative `name`
/// is a file: the `-I` the user most likely forgot.
fn root_holding(name: &Path) -> Option<PathBuf> {
    if name.is_absolute() || name.is_file() {
        return None;
    }
    let mut roots: Vec<PathBuf> = fs::read_dir(".")
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| PathBuf::from(entry.file_name()))
        .filter(|dir| dir.is_dir() && dir.join(name).is_file())
        .collect();
    roots.sort();
    roots.into_iter().next()
}

/// A file in the directory `name` names (under some -I, or on disk) whose name is a near
/// miss of `name`'s: the spelling the user most likely meant.
fn near_miss(name: &Path, includes: &[PathBuf]) -> Option<PathBuf> {
    let wanted = name.file_name()?.to_str()?;
    let parent = name.parent().unwrap_or(Path::new(""));
    let bases = includes.iter().map(|include| include.join(parent));
    for dir in bases.chain([parent.to_owned()]) {
        let Ok(entries) = fs::read_dir(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &dir
        }) else {
            continue;
        };
        let names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|entry| entry.ends_with(".proto"))
            .collect();
        let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
        if let Some(near) = hints::closest(wanted, &candidates) {
            return Some(parent.join(near));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cur_dir_components_are_dropped() {
        assert_eq!(
            without_cur_dir(Path::new("./eliza/./v1/eliza.proto")),
            PathBuf::from("eliza/v1/eliza.proto")
        );
    }
}
