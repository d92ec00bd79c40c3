//! Docstrings from proto comments.
//!
//! The text matches protoc-gen-connectrpc's: the leading comment, then (after a blank line)
//! the trailing one, each with one space removed after `//` and Python's `splitlines`
//! semantics. On top of that, lines are cleaned so the docstring is valid, lossless and
//! formatter-stable: backslashes and `"""` are escaped (as the reference does), control
//! characters become escapes (a NUL would make the module unparsable), and trailing
//! whitespace is dropped, as `ruff format` would drop it.

use crate::fast_hash::FastMap;
use crate::plugin_proto::{WireError, scan_locations};

/// `FileDescriptorProto.service` and `ServiceDescriptorProto.method` field numbers, the
/// steps of a source-code-info path to a service or a method.
const SERVICE_FIELD: i32 = 6;
const METHOD_FIELD: i32 = 2;

/// A service index, and a method index within it for a method's comments.
type ElementKey = (i32, Option<i32>);
/// The leading and the trailing comment, borrowed from the file's `source_code_info`.
type CommentPair<'a> = (Option<&'a str>, Option<&'a str>);

/// Comments of the services and methods of one file, looked up by index.
#[derive(Default)]
pub struct Comments<'a> {
    by_path: FastMap<ElementKey, CommentPair<'a>>,
}

impl<'a> Comments<'a> {
    /// Collects the comments from a file's encoded `source_code_info`.
    pub fn new(info: Option<&'a [u8]>) -> Result<Self, WireError> {
        let mut by_path = FastMap::default();
        scan_locations(info.unwrap_or_default(), |location| {
            let key = match *location.path {
                [SERVICE_FIELD, service] => (service, None),
                [SERVICE_FIELD, service, METHOD_FIELD, method] => (service, Some(method)),
                _ => return,
            };
            // The first location for a path wins, as in the reference.
            by_path
                .entry(key)
                .or_insert((location.leading_comments, location.trailing_comments));
        })?;
        Ok(Comments { by_path })
    }

    pub fn service(&self, service: usize) -> Vec<String> {
        self.lines((service as i32, None))
    }

    pub fn method(&self, service: usize, method: usize) -> Vec<String> {
        self.lines((service as i32, Some(method as i32)))
    }

    fn lines(&self, key: ElementKey) -> Vec<String> {
        match self.by_path.get(&key) {
            Some((leading, trailing)) => docstring_lines(*leading, *trailing),
            None => Vec::new(),
        }
    }
}

/// Python's `str.isspace`: Unicode whitespace plus the information separators.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.splitlines` boundaries.
fn is_line_boundary(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0b}'
            | '\u{0c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

fn split_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Every boundary is an ASCII control or starts with 0xC2 (U+0085) or 0xE2
        // (U+2028, U+2029), bytes that only begin characters, so the rest of the text is
        // skipped byte by byte without decoding it.
        let c = match bytes[i] {
            0..0x20 => char::from(bytes[i]),
            0xc2 | 0xe2 => text[i..].chars().next().unwrap_or_default(),
            _ => '\0',
        };
        if !is_line_boundary(c) {
            i += 1;
            continue;
        }
        lines.push(&text[start..i]);
        i += c.len_utf8();
        if c == '\r' && bytes.get(i) == Some(&b'\n') {
            i += 1;
        }
        start = i;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

fn comment_lines(comment: &str, out: &mut Vec<String>) {
    for line in split_lines(comment.trim_end_matches(is_python_space)) {
        out.push(clean_line(line.strip_prefix(' ').unwrap_or(line)));
    }
}

/// The docstring body lines for a leading and a trailing comment, already escaped.
pub fn docstring_lines(leading: Option<&str>, trailing: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(leading) = leading.filter(|c| !c.is_empty()) {
        comment_lines(leading, &mut lines);
    }
    if let Some(trailing) = trailing.filter(|c| !c.is_empty()) {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        comment_lines(trailing, &mut lines);
    }
    // A comment of only blank lines gives no docstring, as in the reference.
    if lines.iter().all(String::is_empty) {
        lines.clear();
    }
    lines
}

fn clean_line(line: &str) -> String {
    let line = line.trim_end_matches(is_python_space);
    // Most lines need no escape at all: plain ASCII text without backslashes, quotes (so
    // without `"""`) or controls (tab is kept).
    let plain = |b: u8| ((b' '..=b'~').contains(&b) && b != b'\\' && b != b'"') || b == b'\t';
    if line.bytes().all(plain) {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    // `replace` always allocates, and most lines have nothing to replace.
    if out.contains("\"\"\"") {
        out.replace("\"\"\"", "\\\"\\\"\\\"")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_and_trailing_comments_join_with_a_blank_line() {
        let lines = docstring_lines(Some(" Says hello.\n Twice.\n"), Some(" trailing\n"));
        assert_eq!(lines, ["Says hello.", "Twice.", "", "trailing"]);
    }

    #[test]
    fn only_one_leading_space_is_removed() {
        let lines = docstring_lines(Some("   indented\n no\n"), None);
        assert_eq!(lines, ["  indented", "no"]);
    }

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        let lines = docstring_lines(Some(r#" say """hi""" at C:\dir\ and \n"#), None);
        assert_eq!(lines, [r#"say \"\"\"hi\"\"\" at C:\\dir\\ and \\n"#]);
    }

    #[test]
    fn control_characters_and_trailing_space_are_cleaned() {
        let lines = docstring_lines(Some(" nul\0here  \n\tkeep tab\n"), None);
        assert_eq!(lines, ["nul\\x00here", "\tkeep tab"]);
    }

    #[test]
    fn python_line_boundaries_split_lines() {
        let lines = docstring_lines(Some(" a\r\n b\u{2028}c\u{0c}d"), None);
        assert_eq!(lines, ["a", "b", "c", "d"]);
        // U+2027 shares its first two bytes with U+2028 and is no boundary.
        let lines = docstring_lines(Some(" é\u{85}x\u{2029}y\u{2027}z\r\rw\u{1e}"), None);
        assert_eq!(lines, ["é", "x", "y\u{2027}z", "", "w"]);
    }

    #[test]
    fn blank_comments_give_no_docstring() {
        assert!(docstring_lines(Some("\n\n"), Some("")).is_empty());
        assert!(docstring_lines(None, None).is_empty());
    }
}
