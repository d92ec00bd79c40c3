//! Standalone mode: compile `.proto` files with the embedded pure-Rust compiler (protox),
//! or read a descriptor set that protoc or buf wrote, and build the same
//! `CodeGeneratorRequest` protoc would send. Generation then takes the plugin's own path,
//! so both modes write the same files.

use std::fs;
use std::path::{Path, PathBuf};

use prost::Message;

use crate::include_paths;
use crate::plugin_proto::{CodeGeneratorRequest, FileDescriptorProto, GeneratedFile};

/// `google.protobuf.FileDescriptorSet`, with our lean file descriptors.
#[derive(Clone, PartialEq, Message)]
struct FileDescriptorSet {
    #[prost(message, repeated, tag = "1")]
    file: Vec<FileDescriptorProto>,
}

/// Compiles `files` (paths on disk, or names relative to an include directory) against the
/// `includes` (the current directory when none are given) and returns the request for them.
/// `out` only completes the command an editions error shows.
pub fn request_from_protos(
    includes: &[PathBuf],
    files: &[PathBuf],
    parameter: &str,
    out: &Path,
) -> Result<CodeGeneratorRequest, String> {
    let given = !includes.is_empty();
    let includes = import_roots(includes);
    let mut compiler = protox::Compiler::new(&includes).map_err(|e| format_protox_error(&e))?;
    compiler.include_imports(true).include_source_info(true);
    for file in files {
        let resolvable = include_paths::resolvable(file, &includes);
        compiler.open_file(&resolvable).map_err(|e| {
            if is_not_included(&e) {
                return include_paths::not_found(file, &includes, given);
            }
            editions_error(&e, &includes, file, out).unwrap_or_else(|| format_protox_error(&e))
        })?;
    }
    let file_to_generate = compiler
        .files()
        .filter(|f| !f.is_import())
        .map(|f| f.name().to_owned())
        .collect();
    let set = FileDescriptorSet::decode(compiler.encode_file_descriptor_set().as_slice()).map_err(
        |e| format!("internal error: protox produced an undecodable descriptor set: {e}"),
    )?;
    Ok(CodeGeneratorRequest {
        file_to_generate,
        parameter: Some(parameter.to_owned()),
        proto_file: set.file,
    })
}

/// The directories `generate` searches: the `-I` ones given, else the current directory.
pub fn import_roots(includes: &[PathBuf]) -> Vec<PathBuf> {
    if includes.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        includes.to_vec()
    }
}

/// Reads a `FileDescriptorSet` (`protoc --include_imports --include_source_info
/// --descriptor_set_out`, or `buf build -o`) and generates for `names`, or for every file
/// in the set when `names` is empty.
pub fn request_from_descriptor_set(
    path: &Path,
    names: &[String],
    parameter: &str,
) -> Result<CodeGeneratorRequest, String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let set = FileDescriptorSet::decode(bytes.as_slice())
        .map_err(|e| format!("{}: not a FileDescriptorSet: {e}", path.display()))?;
    let present: Vec<&str> = set.file.iter().filter_map(|f| f.name.as_deref()).collect();
    for name in names {
        if !present.contains(&name.as_str()) {
            return Err(format!(
                "{}: has no file named `{name}`; it has {}",
                path.display(),
                present.join(", ")
            ));
        }
    }
    let file_to_generate = if names.is_empty() {
        present.iter().map(|s| (*s).to_owned()).collect()
    } else {
        names.to_vec()
    };
    Ok(CodeGeneratorRequest {
        file_to_generate,
        parameter: Some(parameter.to_owned()),
        proto_file: set.file,
    })
}

/// protox could not find a file given on the command line (not an import of one).
fn is_not_included(error: &protox::Error) -> bool {
    error.is_file_not_found() && error.to_string().ends_with("is not in any include path")
}

/// When protox failed on a file that declares an edition (`edition = "2023"`), which it
/// cannot parse yet (protox 0.10, its issue #31), the error that says so and how to
/// proceed, instead of its parse error at the `edition` keyword.
fn editions_error(
    error: &protox::Error,
    includes: &[PathBuf],
    opened: &Path,
    out: &Path,
) -> Option<String> {
    let name = error.file()?;
    let source = includes
        .iter()
        .map(|include| include.join(name))
        .chain([PathBuf::from(name), opened.to_owned()])
        .find_map(|path| fs::read(path).ok())?;
    let text = String::from_utf8_lossy(&source);
    let edition = declared_edition(&text)?;
    let shown = opened.display();
    let dirs: Vec<String> = includes
        .iter()
        .map(|include| format!("-I {}", include.display()))
        .collect();
    Some(format!(
        "{name}: declares `edition = \"{edition}\"`, and the embedded compiler (protox) \
         cannot parse editions files yet. Compile with protoc or buf and pass the \
         descriptor set: `protoc {dirs} --include_imports --include_source_info \
         --descriptor_set_out=set.binpb {shown}` (or `buf build -o set.binpb`), then \
         `protoc-gen-connect_python generate --descriptor-set set.binpb --out {out} \
         {shown}`; or run the plugin through protoc or buf, which support editions 2023 \
         and 2024",
        edition = edition.escape_debug(),
        dirs = dirs.join(" "),
        out = out.display(),
    ))
}

/// The edition a `.proto` source declares: its first statement is `edition = "..."`
/// (comments and whitespace may come before and between the tokens).
fn declared_edition(source: &str) -> Option<&str> {
    let rest = skip_trivia(source).strip_prefix("edition")?;
    // `edition` must be a whole word: `editions_v1 = ...` is not a declaration.
    if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let rest = skip_trivia(skip_trivia(rest).strip_prefix('=')?);
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    let end = value.find(quote)?;
    Some(&value[..end])
}

/// `source` after leading whitespace and `//` / `/* */` comments.
fn skip_trivia(mut source: &str) -> &str {
    loop {
        source = source.trim_start();
        if let Some(rest) = source.strip_prefix("//") {
            source = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = source.strip_prefix("/*") {
            source = rest.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return source;
        }
    }
}

/// protox errors name the file and, for syntax errors, the line and column.
fn format_protox_error(error: &protox::Error) -> String {
    use std::fmt::Write;
    let mut out = error.to_string();
    if let Some(file) = error.file().filter(|file| !out.contains(file)) {
        out = format!("{file}: {out}");
    }
    // The span (when there is one) gives the line; miette keeps it in the labels.
    if let Some(labels) = miette_labels(error) {
        let _ = write!(out, " ({labels})");
    }
    out
}

fn miette_labels(error: &protox::Error) -> Option<String> {
    use miette::Diagnostic;
    let source = error.source_code()?;
    let labels: Vec<String> = error
        .labels()?
        .filter_map(|label| {
            let contents = source.read_span(label.inner(), 0, 0).ok()?;
            let mut text = format!(
                "line {}, column {}",
                contents.line() + 1,
                contents.column() + 1
            );
            if let Some(message) = label.label() {
                text.push_str(": ");
                text.push_str(message);
            }
            Some(text)
        })
        .collect();
    (!labels.is_empty()).then(|| labels.join("; "))
}

/// Writes the generated files under `out`, all or nothing: every name is checked first
/// (relative, inside `out`), every file is written to a temporary sibling, and only when
/// all were written are they renamed into place, replacing older versions. On any
/// failure `out` is left as it was: temporaries and the directories made for them are
/// removed, files already replaced are restored.
pub fn write_all(out: &Path, files: &[GeneratedFile]) -> Result<(), String> {
    let mut targets = Vec::with_capacity(files.len());
    for file in files {
        let name = file.name.as_deref().unwrap_or_default();
        let path = out.join(checked_output_name(name)?);
        if targets.iter().any(|(p, _): &(PathBuf, &str)| *p == path) {
            return Err(format!("`{}` is generated twice", name.escape_debug()));
        }
        targets.push((path, file.content.as_deref().unwrap_or_default()));
    }
    let mut work = Writes::default();
    let result = work.stage(&targets).and_then(|()| work.commit());
    if result.is_err() {
        work.roll_back();
    } else {
        work.finish();
    }
    result
}

/// An output name that stays inside the output directory: relative, made of normal
/// segments only (no empty, `.` or `..` one), without NUL.
pub(crate) fn checked_output_name(name: &str) -> Result<&Path, String> {
    let bad = name.is_empty()
        || name.starts_with('/')
        || name.contains('\0')
        || name
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
    if bad {
        return Err(format!(
            "output file name `{}` is not a relative path inside --out; nothing was written",
            name.escape_debug()
        ));
    }
    Ok(Path::new(name))
}

/// What [`write_all`] has done so far, to finish or undo it.
#[derive(Default)]
struct Writes {
    /// Directories made, parents first.
    made_dirs: Vec<PathBuf>,
    /// Each target with its written temporary sibling.
    staged: Vec<(PathBuf, PathBuf)>,
    /// Targets renamed into place, with the backup of the file each replaced.
    committed: Vec<(PathBuf, Option<PathBuf>)>,
}

impl Writes {
    fn stage(&mut self, targets: &[(PathBuf, &str)]) -> Result<(), String> {
        for (index, (path, content)) in targets.iter().enumerate() {
            if path.is_dir() {
                return Err(format!(
                    "{}: is a directory, where a generated file must go; nothing was written",
                    path.display()
                ));
            }
            let parent = path.parent().unwrap_or(Path::new("."));
            self.make_dirs(parent)?;
            let temp = sibling(path, &format!("tmp{index}"));
            fs::write(&temp, content)
                .map_err(|e| format!("{}: {e}; nothing was written", temp.display()))?;
            self.staged.push((path.clone(), temp));
        }
        Ok(())
    }

    fn make_dirs(&mut self, dir: &Path) -> Result<(), String> {
        // A relative path's last ancestor is the empty path: the current directory.
        let missing: Vec<&Path> = dir
            .ancestors()
            .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
            .collect();
        for dir in missing.into_iter().rev() {
            fs::create_dir(dir)
                .map_err(|e| format!("{}: {e}; nothing was written", dir.display()))?;
            self.made_dirs.push(dir.to_owned());
        }
        if !dir.is_dir() {
            return Err(format!(
                "{}: is not a directory; nothing was written",
                dir.display()
            ));
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<(), String> {
        let staged = std::mem::take(&mut self.staged);
        for (index, (target, temp)) in staged.iter().enumerate() {
            if let Err(e) = self.replace(target, temp) {
                // The temporaries not renamed yet are the rollback's to remove.
                self.staged = staged[index..].to_vec();
                return Err(format!("{}: {e}; nothing was written", target.display()));
            }
        }
        Ok(())
    }

    /// Renames `temp` to `target`, keeping the file it replaces as a backup.
    fn replace(&mut self, target: &Path, temp: &Path) -> std::io::Result<()> {
        let backup = if target.exists() {
            let backup = sibling(target, "old");
            fs::rename(target, &backup)?;
            Some(backup)
        } else {
            None
        };
        if let Err(e) = fs::rename(temp, target) {
            if let Some(backup) = &backup {
                let _ = fs::rename(backup, target);
            }
            return Err(e);
        }
        self.committed.push((target.to_owned(), backup));
        Ok(())
    }

    /// Puts back every replaced file, removes every new one, every temporary and every
    /// directory made.
    fn roll_back(&mut self) {
        for (target, backup) in self.committed.drain(..).rev() {
            match backup {
                Some(backup) => {
                    let _ = fs::rename(backup, &target);
                }
                None => {
                    let _ = fs::remove_file(&target);
                }
            }
        }
        for (_, temp) in self.staged.drain(..) {
            let _ = fs::remove_file(temp);
        }
        for dir in self.made_dirs.drain(..).rev() {
            let _ = fs::remove_dir(dir);
        }
    }

    fn finish(&mut self) {
        for (_, backup) in self.committed.drain(..) {
            if let Some(backup) = backup {
                let _ = fs::remove_file(backup);
            }
        }
    }
}

/// A hidden sibling of `path` for this process: `.<name>.<tag>-<pid>`.
fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::declared_edition;

    #[test]
    fn declared_editions_are_found_past_comments() {
        assert_eq!(declared_edition("edition = \"2023\";"), Some("2023"));
        assert_eq!(
            declared_edition("// c\n/* x\n y */\n  edition/**/=\n'2024';\nmessage A {}"),
            Some("2024")
        );
        assert_eq!(declared_edition("syntax = \"proto3\";"), None);
        assert_eq!(declared_edition("editions = \"2023\";"), None);
        assert_eq!(
            declared_edition("// edition = \"2023\";\nsyntax = \"proto3\";"),
            None
        );
        assert_eq!(declared_edition("edition 2023"), None);
    }
}
