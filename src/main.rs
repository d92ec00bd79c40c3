//! The `protoc-gen-connect_python` binary: plugin mode by default (protoc and buf run it
//! with a request on stdin), or `generate` to compile `.proto` files without protoc.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use protoc_gen_connect_python::options::{self, Flavor, OPTION_SPECS};
use protoc_gen_connect_python::plugin_proto::{
    CodeGeneratorRequest, CodeGeneratorResponse, GeneratedFile,
};
use protoc_gen_connect_python::{
    PluginError, check, generate, include_paths, message_modules, run_plugin, standalone,
};

// The static musl builds (the Linux wheels) use mimalloc: musl's own allocator makes the
// generating threads wait on each other (see Cargo.toml).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ABOUT: &str = "Generates typed Python Connect RPC code (asyncio and threaded clients, \
service Protocols, ASGI and WSGI applications) for the `connectrpc` runtime.\n\n\
Without a subcommand it runs as a protoc plugin: a CodeGeneratorRequest on stdin, a \
CodeGeneratorResponse on stdout. Use it with `protoc --connect_python_out=DIR` or as a \
`local:` plugin in buf.gen.yaml.";

#[derive(Parser)]
#[command(name = "protoc-gen-connect_python", version, about = ABOUT, after_help = options_help())]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Compile .proto files with the embedded compiler (no protoc needed) and write the
    /// `_connect.py` files protoc would get.
    #[command(after_help = options_help())]
    Generate {
        /// Directory to search for imports; repeatable. Defaults to the current directory.
        #[arg(short = 'I', long = "proto-path", value_name = "DIR")]
        include: Vec<PathBuf>,
        /// Output directory (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// A plugin option `key=value`; repeatable (see below).
        #[arg(long = "opt", value_name = "KEY=VALUE")]
        opt: Vec<String>,
        /// Read a FileDescriptorSet written by `protoc --include_imports
        /// --include_source_info --descriptor_set_out` or `buf build -o` instead of
        /// compiling; FILEs then name the files to generate (all when none are given).
        #[arg(long, value_name = "FILE")]
        descriptor_set: Option<PathBuf>,
        /// Write nothing; exit 0 if --out holds exactly what would be generated, 1 (and
        /// list every stale, missing and orphaned `_connect.py`, with diffs) if not, 2 if
        /// it cannot tell (bad input).
        #[arg(long)]
        check: bool,
        /// With --check: do not warn about message modules (`_pb.py`, `_pb2.py`) missing
        /// from --out, for trees that keep them elsewhere.
        #[arg(long, requires = "check")]
        messages_elsewhere: bool,
        /// The .proto files to generate code for.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

fn options_help() -> String {
    let mut help = String::from(
        "Plugin options (`--opt` here, `--connect_python_opt` with protoc, `opt:` in buf.gen.yaml):\n",
    );
    for spec in OPTION_SPECS {
        help.push_str(&format!(
            "  {}={}\n      {}\n",
            spec.key,
            spec.values.join("|"),
            spec.help
        ));
    }
    help
}

/// `generate --check`'s exit status when it cannot compare (bad input): 1 means drift.
const CHECK_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => plugin_mode(),
        Some(Command::Generate {
            include,
            out,
            opt,
            descriptor_set,
            check,
            messages_elsewhere,
            files,
        }) => {
            let input = Input {
                include: &include,
                descriptor_set: descriptor_set.as_deref(),
                files: &files,
                out: &out,
            };
            if check {
                return match check_mode(&input, &out, &opt, messages_elsewhere) {
                    Ok(true) => ExitCode::SUCCESS,
                    Ok(false) => ExitCode::FAILURE,
                    Err(message) => {
                        eprintln!("protoc-gen-connect_python: {message}");
                        ExitCode::from(CHECK_ERROR)
                    }
                };
            }
            generate_mode(&input, &out, &opt)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("protoc-gen-connect_python: {message}");
            ExitCode::FAILURE
        }
    }
}

fn plugin_mode() -> Result<(), String> {
    // protoc and buf send the request through a pipe; someone who runs the binary by hand
    // in a terminal gets the usage at once instead of a program waiting for input.
    if io::stdin().is_terminal() {
        let mut usage = Cli::command();
        eprintln!("{}", usage.render_help());
        return Err("no request on stdin: this program is run by protoc or buf \
                    (`--connect_python_out`, or a `local:` plugin in buf.gen.yaml), or use \
                    `protoc-gen-connect_python generate -I DIR --out DIR FILE.proto`"
            .into());
    }
    let mut request = Vec::new();
    io::stdin()
        .read_to_end(&mut request)
        .map_err(|e| format!("cannot read the request from stdin: {e}"))?;
    // run_plugin decodes fully before writing anything, so a bad request leaves stdout
    // empty.
    let mut stdout = io::stdout().lock();
    run_plugin(request, &mut stdout).map_err(|e| match e {
        PluginError::Decode(_) => {
            format!("{e}; this program is run by protoc or buf, or use `generate`")
        }
        PluginError::Write(_) => e.to_string(),
    })?;
    stdout
        .flush()
        .map_err(|e| format!("cannot write the response to stdout: {e}"))
}

/// What `generate` compiles: `.proto` files under import roots, or a descriptor set.
struct Input<'a> {
    include: &'a [PathBuf],
    descriptor_set: Option<&'a Path>,
    files: &'a [PathBuf],
    out: &'a Path,
}

impl Input<'_> {
    fn include_dirs(&self) -> Vec<PathBuf> {
        standalone::import_roots(self.include)
    }

    fn request(&self, parameter: &str) -> Result<CodeGeneratorRequest, String> {
        match self.descriptor_set {
            Some(set) => {
                let names: Vec<String> = self
                    .files
                    .iter()
                    .map(|f| f.to_string_lossy().into_owned())
                    .collect();
                standalone::request_from_descriptor_set(set, &names, parameter)
            }
            None => {
                if self.files.is_empty() {
                    return Err("no .proto files given; name at least one".into());
                }
                let request =
                    standalone::request_from_protos(self.include, self.files, parameter, self.out)?;
                if self.include.is_empty() {
                    for warning in include_paths::implicit_root_warnings(&request) {
                        eprintln!("protoc-gen-connect_python: warning: {warning}");
                    }
                }
                Ok(request)
            }
        }
    }

    /// The generated files, or the error that stops generation.
    fn generate(
        &self,
        opt: &[String],
    ) -> Result<(CodeGeneratorRequest, Vec<GeneratedFile>), String> {
        let request = self.request(&opt.join(","))?;
        let response: CodeGeneratorResponse = generate(&request);
        match response.error {
            Some(error) => Err(error),
            None => Ok((request, response.file)),
        }
    }
}

fn generate_mode(input: &Input<'_>, out: &Path, opt: &[String]) -> Result<(), String> {
    let (_, files) = input.generate(opt)?;
    // Write nothing unless every file was generated, then all of them or none.
    standalone::write_all(out, &files)
}

/// Prints the drift report; true when `out` is up to date.
fn check_mode(
    input: &Input<'_>,
    out: &Path,
    opt: &[String],
    messages_elsewhere: bool,
) -> Result<bool, String> {
    let (request, files) = input.generate(opt)?;
    let include = input.include_dirs();
    let in_descriptor_set = |name: &str| {
        request
            .proto_file
            .iter()
            .any(|f| f.name.as_deref() == Some(name))
    };
    let under_import_roots = |name: &str| include.iter().any(|dir| dir.join(name).is_file());
    let exists: &dyn Fn(&str) -> bool = if input.descriptor_set.is_some() {
        &in_descriptor_set
    } else {
        &under_import_roots
    };
    let inputs = check::Inputs {
        to_generate: &request.file_to_generate,
        exists,
    };
    let report = check::check(out, &files, &inputs)?;
    print!("{report}");
    if !messages_elsewhere {
        warn_missing_message_modules(input, out, &request, opt);
    }
    Ok(report.is_clean())
}

/// The check compares `_connect.py` files only: it warns (without failing) about each
/// message module they import that `out` lacks, with the command that writes it.
fn warn_missing_message_modules(
    input: &Input<'_>,
    out: &Path,
    request: &CodeGeneratorRequest,
    opt: &[String],
) {
    const SHOWN: usize = 10;
    let Ok(options) = options::parse(&opt.join(",")) else {
        return;
    };
    let missing: Vec<_> = message_modules::needed(request, &options)
        .into_iter()
        .filter(|needed| !out.join(&needed.path).is_file())
        .collect();
    let includes = if input.descriptor_set.is_some() {
        "-I DIR".to_owned()
    } else {
        input
            .include_dirs()
            .iter()
            .map(|dir| format!("-I {}", dir.display()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let out_dir = out.display();
    let plugin_outs = match options.flavor {
        Flavor::Py => format!("--py_out={out_dir}"),
        Flavor::Google => format!("--python_out={out_dir} --pyi_out={out_dir}"),
    };
    for needed in missing.iter().take(SHOWN) {
        eprintln!(
            "protoc-gen-connect_python: warning: {path} is missing, and {by} imports it: \
             write it with `protoc {includes} {plugin_outs} {proto}`{tool} \
             (this check covers the _connect.py files only; pass --messages-elsewhere when \
             the message modules live elsewhere)",
            path = out.join(&needed.path).display(),
            by = out.join(&needed.imported_by).display(),
            proto = needed.proto,
            tool = match options.flavor {
                Flavor::Py => " (protoc-gen-py: `pip install protoc-gen-py`)",
                Flavor::Google => "",
            },
        );
    }
    if missing.len() > SHOWN {
        eprintln!(
            "protoc-gen-connect_python: warning: and {} more message modules are missing",
            missing.len() - SHOWN
        );
    }
}
