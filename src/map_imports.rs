//! `map_imports=<glob>:<package>`: the message modules of proto files whose name matches
//! the glob are imported absolutely, under the package, as protobuf-py's plugin framework
//! (0.7.0, `protobuf/plugin/_map_imports.py`) does for protoc-gen-connectrpc and
//! protoc-gen-py.
//!
//! Glob rules, each the framework's: `**/` matches zero or more whole directories, `**`
//! anything (slashes included), `*` anything but a slash, a `/` that ends the pattern
//! the whole directory below it; every other character is literal (`?` and `[` too).
//! The pattern must match the whole proto file name. A file matched by several globs
//! takes the first one given. `.` in the framework's regular expression does not match a
//! line feed, so `**` stops at one.

/// One element of a compiled glob.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `*`: any run of characters without `/`.
    Star,
    /// `**` (not followed by `/`): any run of characters without a line feed.
    AnyRun,
    /// `**/`: zero or more `segment/` with non-empty segments.
    Directories,
    /// A `/` that ends the pattern: `/` and then any run without a line feed.
    TrailingSlash,
}

/// A compiled `map_imports` glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    pattern: String,
    tokens: Vec<Token>,
}

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' if chars.get(i + 1) == Some(&'*') => {
                    if chars.get(i + 2) == Some(&'/') {
                        tokens.push(Token::Directories);
                        i += 3;
                    } else {
                        tokens.push(Token::AnyRun);
                        i += 2;
                    }
                    continue;
                }
                '*' => tokens.push(Token::Star),
                '/' if i == chars.len() - 1 => tokens.push(Token::TrailingSlash),
                c => tokens.push(Token::Literal(c)),
            }
            i += 1;
        }
        Glob {
            pattern: pattern.to_owned(),
            tokens,
        }
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether the glob matches all of `name`.
    pub fn matches(&self, name: &str) -> bool {
        let chars: Vec<char> = name.chars().collect();
        // reachable[i]: the tokens seen so far can match chars[..i].
        let mut reachable = vec![false; chars.len() + 1];
        reachable[0] = true;
        for token in &self.tokens {
            let mut next = vec![false; chars.len() + 1];
            for start in 0..=chars.len() {
                if !reachable[start] {
                    continue;
                }
                match token {
                    Token::Literal(c) => {
                        if chars.get(start) == Some(c) {
                            next[start + 1] = true;
                        }
                    }
                    Token::Star => run(&chars, start, &mut next, |c| c != '/'),
                    Token::AnyRun => run(&chars, start, &mut next, |c| c != '\n'),
                    Token::TrailingSlash => {
                        if chars.get(start) == Some(&'/') {
                            run(&chars, start + 1, &mut next, |c| c != '\n');
                        }
                    }
                    Token::Directories => {
                        // Zero directories, then each `segment/` reachable from here.
                        next[start] = true;
                        let mut at = start;
                        loop {
                            let segment = chars[at..].iter().take_while(|&&c| c != '/').count();
                            if segment == 0 || at + segment == chars.len() {
                                break;
                            }
                            at += segment + 1;
                            next[at] = true;
                        }
                    }
                }
            }
            reachable = next;
        }
        reachable[chars.len()]
    }
}

/// Marks every end of a run from `start` of characters that satisfy `allowed`.
fn run(chars: &[char], start: usize, next: &mut [bool], allowed: impl Fn(char) -> bool) {
    next[start] = true;
    for (offset, &c) in chars[start..].iter().enumerate() {
        if !allowed(c) {
            break;
        }
        next[start + offset + 1] = true;
    }
}

/// One `map_imports` entry: the glob and the package its files' modules are imported
/// under (no segments: under their own path, absolutely).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapImport {
    pub glob: Glob,
    pub target: Vec<String>,
}

/// The package the modules of `proto_name` are mapped under: the first entry whose glob
/// matches, in the order they were given.
pub fn target_for<'m>(map_imports: &'m [MapImport], proto_name: &str) -> Option<&'m [String]> {
    map_imports
        .iter()
        .find(|entry| entry.glob.matches(proto_name))
        .map(|entry| entry.target.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, name: &str) -> bool {
        Glob::new(pattern).matches(name)
    }

    #[test]
    fn star_stays_inside_a_directory() {
        assert!(matches(
            "acme/*/v1/types.proto",
            "acme/common/v1/types.proto"
        ));
        assert!(!matches("acme/*", "acme/common/v1/types.proto"));
        assert!(matches("acme/common/v1/*", "acme/common/v1/types.proto"));
        assert!(matches("*.proto", "root.proto"));
        assert!(!matches("*.proto", "acme/x.proto"));
        assert!(matches("a*b*c", "abc"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy/c"));
    }

    #[test]
    fn double_star_crosses_directories() {
        assert!(matches("acme/**", "acme/common/v1/types.proto"));
        assert!(matches("acme/**", "acme/"));
        assert!(!matches("acme/**", "acme"));
        assert!(matches("**", "root.proto"));
        assert!(matches("**.proto", "a/b/c.proto"));
        assert!(matches("acme**", "acme_other/x.proto"));
        // `.` in the framework's regex: no line feed.
        assert!(!matches("**", "a\nb.proto"));
        assert!(matches("*", "a\nb.proto"));
    }

    #[test]
    fn double_star_slash_is_whole_directories() {
        assert!(matches("**/types.proto", "types.proto"));
        assert!(matches("**/types.proto", "acme/common/v1/types.proto"));
        assert!(!matches("**/types.proto", "acme/common/v1/xtypes.proto"));
        assert!(matches("acme/**/types.proto", "acme/types.proto"));
        assert!(matches("acme/**/types.proto", "acme/common/v1/types.proto"));
        // Segments are not empty: `//` is not a directory.
        assert!(!matches("acme/**/types.proto", "acme//types.proto"));
        // `**/` at the end does not take the trailing-slash rule: nothing ends in `/`.
        assert!(!matches("acme/**/", "acme/common/v1/types.proto"));
        assert!(matches("acme/**/", "acme/common/"));
    }

    #[test]
    fn trailing_slash_is_the_whole_directory() {
        assert!(matches("acme/", "acme/common/v1/types.proto"));
        assert!(matches("acme/", "acme/"));
        assert!(!matches("acme/", "acme"));
        assert!(!matches("acme/", "acmex/y.proto"));
        assert!(matches("acme/*/", "acme/common/v1/types.proto"));
    }

    #[test]
    fn everything_else_is_literal_and_anchored() {
        assert!(matches(
            "acme/common/v1/types.proto",
            "acme/common/v1/types.proto"
        ));
        assert!(!matches(
            "common/v1/types.proto",
            "acme/common/v1/types.proto"
        ));
        assert!(!matches("acme/common", "acme/common/v1/types.proto"));
        assert!(!matches("root?proto", "root.proto"));
        assert!(matches("root?proto", "root?proto"));
        assert!(!matches("[ab].proto", "a.proto"));
        assert!(matches("[ab].proto", "[ab].proto"));
        assert!(!matches("root.proto", "rootxproto"));
    }

    #[test]
    fn the_first_matching_entry_wins() {
        let entry = |pattern: &str, target: &str| MapImport {
            glob: Glob::new(pattern),
            target: target
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        let map = [
            entry("acme/common/**", "first"),
            entry("acme/**", "second"),
            entry("x/", ""),
        ];
        assert_eq!(
            target_for(&map, "acme/common/v1/types.proto"),
            Some(&["first".to_owned()][..])
        );
        assert_eq!(
            target_for(&map, "acme/shop/v1/shop.proto"),
            Some(&["second".to_owned()][..])
        );
        assert_eq!(target_for(&map, "x/y.proto"), Some(&[][..]));
        assert_eq!(target_for(&map, "root.proto"), None);
    }
}
