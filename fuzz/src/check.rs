//! The properties plugin mode must have on every input, checked on one request's bytes.
//!
//! Shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`, through the `connect_python_fuzz`
//! library) and by the main crate's `tests/fuzz_corpus.rs` (through `#[path]`), which
//! replays the seed corpus and every kept crash with stable Rust.
//!
//! For any bytes, [`run_plugin`] must not panic, and:
//! - if it returns an error, it wrote nothing;
//! - if it returns `Ok`, what it wrote decodes as a `CodeGeneratorResponse`, and either
//!   `error` is set, non-empty and there are no files, or there is no `error` and every
//!   file has a relative name ending `_connect.py` without empty, `.` or `..` segments
//!   (no two alike), and content that is non-empty text ending in `"\n"` without
//!   characters Python or ruff would choke on (control characters other than `\n`, other
//!   line breaks, invisible characters);
//! - a second run on the same bytes writes the same bytes (output is deterministic).

use prost::Message;
use protoc_gen_connect_python::plugin_proto::CodeGeneratorResponse;
use protoc_gen_connect_python::run_plugin;

/// What one run of plugin mode gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The bytes are not a `CodeGeneratorRequest`; nothing was written.
    Undecodable,
    /// A response with `error` set.
    ErrorResponse,
    /// A response with this many files.
    Files(usize),
}

/// Runs plugin mode on `request` twice and checks every property above; the error says
/// which one failed. A panic inside the plugin is not caught: it is the finding.
pub fn check_plugin(request: &[u8]) -> Result<Outcome, String> {
    let first = run_once(request)?;
    let second = run_once(request)?;
    if first != second {
        return Err(format!(
            "not deterministic: two runs on the same request wrote different bytes \
             ({} and {} bytes)",
            first.as_ref().map_or(0, Vec::len),
            second.as_ref().map_or(0, Vec::len)
        ));
    }
    let Some(out) = first else {
        return Ok(Outcome::Undecodable);
    };
    check_response(&out)
}

/// One run: `None` when the request was refused as undecodable (having written nothing).
fn run_once(request: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    match run_plugin(request.to_vec(), &mut out) {
        Ok(()) => Ok(Some(out)),
        Err(protoc_gen_connect_python::PluginError::Decode(_)) if out.is_empty() => Ok(None),
        Err(e) => Err(format!(
            "run_plugin failed with {e} after writing {} bytes (a decode error must write \
             nothing; writing to a Vec cannot fail)",
            out.len()
        )),
    }
}

/// Checks the bytes of a response written by plugin mode.
pub fn check_response(out: &[u8]) -> Result<Outcome, String> {
    let response = CodeGeneratorResponse::decode(out)
        .map_err(|e| format!("the output is not a CodeGeneratorResponse: {e}"))?;
    if let Some(error) = &response.error {
        if error.trim().is_empty() {
            return Err(format!("the response's error is blank: {error:?}"));
        }
        if !response.file.is_empty() {
            return Err(format!(
                "the response has an error ({error:?}) and {} files too",
                response.file.len()
            ));
        }
        return Ok(Outcome::ErrorResponse);
    }
    let mut names = std::collections::HashSet::new();
    for file in &response.file {
        let name = file.name.as_deref().unwrap_or_default();
        check_file_name(name)?;
        if !names.insert(name) {
            return Err(format!("two files are named {name:?}"));
        }
        let content = file.content.as_deref().unwrap_or_default();
        check_content(content).map_err(|e| format!("{name:?}: {e}"))?;
    }
    Ok(Outcome::Files(response.file.len()))
}

fn check_file_name(name: &str) -> Result<(), String> {
    if !name.ends_with("_connect.py") {
        return Err(format!("file name {name:?} does not end in `_connect.py`"));
    }
    if name.starts_with('/') {
        return Err(format!("file name {name:?} is absolute"));
    }
    if let Some(segment) = name
        .split('/')
        .find(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return Err(format!("file name {name:?} has a segment {segment:?}"));
    }
    if name.contains('\\') || name.contains('\0') {
        return Err(format!(
            "file name {name:?} holds a backslash or a NUL, which no module path can"
        ));
    }
    Ok(())
}

fn check_content(content: &str) -> Result<(), String> {
    if content.is_empty() {
        return Err("the content is empty".into());
    }
    if !content.ends_with('\n') {
        return Err("the content does not end in a newline".into());
    }
    if content.ends_with("\n\n") {
        return Err("the content ends in a blank line (ruff's W391)".into());
    }
    for (number, line) in content.split('\n').enumerate() {
        if let Some(c) = line.chars().find(|&c| is_forbidden(c)) {
            return Err(format!(
                "line {} holds the character {:?} (U+{:04X}): {line:?}",
                number + 1,
                c,
                u32::from(c)
            ));
        }
        if line.ends_with([' ', '\t']) {
            return Err(format!(
                "line {} ends in whitespace (ruff's W291): {line:?}",
                number + 1
            ));
        }
    }
    Ok(())
}

/// Characters generated source never holds raw: control characters (a NUL does not even
/// compile, `\r`, `\x0c` and the other line breaks split lines for Python or ruff, a tab
/// is re-indented by ruff) and the invisible characters ruff reports (PLE2502, PLE2515).
/// Docstrings write them as escapes.
fn is_forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200b}'
                | '\u{feff}'
                | '\u{061c}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert!(check_file_name("a/b_connect.py").is_ok());
        for bad in [
            "a/b.py",
            "/a_connect.py",
            "a//b_connect.py",
            "../a_connect.py",
            "./a_connect.py",
        ] {
            assert!(check_file_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn contents() {
        assert!(check_content("x = 1\n").is_ok());
        for bad in [
            "",
            "x = 1",
            "x = 1\n\n",
            "x = '\0'\n",
            "x = 1 \n",
            "\u{2028}\n",
        ] {
            assert!(check_content(bad).is_err(), "{bad:?}");
        }
    }
}
