// The language catalog: which toolchains the judge offers, and how each one
// compiles and runs a program inside a box. The data lives in
// schema/languages.json (one entry per language; see Language below for the
// fields); this module loads it, refuses a malformed file with a message
// naming the entry and the field, finds each toolchain's version on the host
// by running its version command (a missing or broken toolchain makes the
// language unavailable: never offered, never run), and turns the argv
// templates into argv vectors. No shell is involved anywhere.
//
// Placeholders in the argv templates:
//   {source}       the source file name (source_file)       compile, run
//                  (not with "source": "none")
//   {binary}       the compiled file's name (binary)        compile, run of compiled languages
//   {extra_flags}  the submission's compiler options: a whole argv item that
//                  becomes zero or more items (once in all   compile
//                  the compile commands)
//   {args}         the submission's command-line arguments: a whole argv
//                  item that becomes zero or more items      run
//   {heap_flag}    a whole argv item that becomes heap_flag, required in
//                  run exactly when heap_flag is set         run
//   {heap_mb}      inside heap_flag only: the heap size in MiB, which is the
//                  box's whole memory (memory limit + memory_extra_mb) so
//                  that the box's cgroup, not the VM's heap, stops a program
//                  that allocates too much
// {source} and {binary} may sit inside an item ("-out:{binary}"); a name
// template may hold {version}.
//
// "compile" is one argv (an array of strings) or a list of them (an array of
// arrays: ["nasm", ...], ["ld", ...]) run in order in the same box folder,
// each with what the ones before left of the compile limits; each must
// succeed, the first that fails is the Compilation Error.
//
//   judge::Catalog c = judge::Catalog::load("schema/languages.json");
//   const judge::Language* l = c.by_id(54);           // nullptr unless available
//   std::vector<std::string> cc = l->compile_argv({"-DLOCAL"});
//   std::vector<std::string> run = l->run_argv({}, 256);
//
// Thread-safety: a loaded Catalog is immutable; every const member may be
// called from many threads at once. load() spawns processes (posix_spawn)
// and may be called from any thread.
// Errors: load() and parse() throw CatalogError for a file that cannot be
// read or parsed or that breaks a rule; a missing toolchain is not an error
// (the language is unavailable, with the reason). The expansion functions
// throw std::invalid_argument for bad input (an unterminated quote).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace judge {

struct Toolchain;  // judge/pipeline.hpp

class CatalogError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Language {
    // --- From the schema.
    std::string key;                       // stable text id, [a-z0-9_]+, e.g. "cpp17"
    std::vector<int> ids;                  // Judge0 ids this entry answers to; first is the main one
    std::string name_template;             // "C++ (GCC {version})"
    std::vector<std::string> version_cmd;  // argv run on the host at load
    std::string version_regex;             // one capture group: the version in stdout+stderr
    // What the submission's source_code is: program text (written 0644),
    // an executable (written 0755 and run as is: Judge0's 44), or nothing
    // (the program is its additional files: Judge0's 89; source_file null).
    enum class Source { text, executable, none };
    Source source = Source::text;
    std::string source_file;               // "main.cpp"; empty when source is none
    std::string compile_if;                // compile only when the program has this file; empty: always
    std::string needs_file;                // the program must have this file (else Compilation Error)
    // argv templates run in order (one or more); empty: interpreted
    std::vector<std::vector<std::string>> compile;
    std::string binary;                    // what compile produces; empty: interpreted
    std::vector<std::string> run;          // argv template
    std::vector<std::string> binds;        // extra read-only host paths for the box
    std::vector<std::string> env;          // extra NAME=VALUE for the box (compile and run)
    double time_multiplier = 1.0;          // CPU limit factor
    std::uint32_t memory_extra_mb = 0;     // added to the memory limit: the VM's own footprint
    std::uint32_t processes = 1;           // processes+threads the run needs at least
    std::uint32_t compile_processes = 1;   // the same for the compiler
    std::string heap_flag;                 // "-Xmx{heap_mb}m"; empty: none
    std::string notes;                     // why the entry is as it is (free text)

    // --- Found on the host at load.
    bool available = false;
    std::string version;             // "12.2.0"; empty when unavailable
    std::string name;                // name_template with the version ("unavailable" when none)
    std::string unavailable_reason;  // empty when available

    bool compiled() const { return !compile.empty(); }

    // The compile commands for one submission, in order: {extra_flags}
    // becomes `extra_flags` (already split into words; see split_words).
    // Empty for an interpreted language.
    std::vector<std::vector<std::string>> compile_argvs(const std::vector<std::string>& extra_flags = {}) const;
    // The first of them alone (empty when interpreted): for a caller that
    // shows one command line. Prefer compile_argvs.
    std::vector<std::string> compile_argv(const std::vector<std::string>& extra_flags = {}) const;

    // The run command: {args} becomes `args`; {heap_flag} becomes heap_flag
    // with {heap_mb} = `memory_limit_mb` + memory_extra_mb. Without a value
    // for memory_limit_mb, {heap_mb} stays in the flag as is, for a caller
    // that fills it later (see Catalog::toolchain).
    std::vector<std::string> run_argv(const std::vector<std::string>& args = {},
                                      std::optional<std::uint64_t> memory_limit_mb = std::nullopt) const;

    // `base` (NAME=VALUE items) with this language's env on top: an item of
    // env replaces the base item of the same NAME.
    std::vector<std::string> box_env(const std::vector<std::string>& base) const;
};

struct LoadOptions {
    // Each version command is killed (with its process group) after this.
    std::chrono::milliseconds version_timeout{5000};
    // false: skip detection; every language is unavailable ("not detected").
    // For tools that only read the file.
    bool detect = true;
    // A folder for the detection cache (languages-detected.json): a version
    // command whose programs are unchanged (each absolute path in it, the
    // first item looked up along the box's PATH: resolved path, size,
    // mtime, inode) and whose argv and regex are the same is not run again;
    // its last successful output is used. Only exit-0 answers are kept. The
    // file is written atomically (a temporary, then rename); an unreadable
    // or corrupt one is ignored and rewritten. Empty: no cache. The folder
    // must exist; a cache that cannot be written is not an error.
    std::string cache_dir;
};

class Catalog {
public:
    // Reads, validates and detects. Throws CatalogError.
    static Catalog load(const std::string& path, const LoadOptions& opts = {});
    // The same from JSON text; `origin` names it in messages.
    static Catalog parse(std::string_view json_text, const std::string& origin = "languages.json",
                         const LoadOptions& opts = {});
    // The catalog at default_path().
    static Catalog load_default(const LoadOptions& opts = {});
    // $JUDGE_LANGUAGES if set; else the first that exists of
    // <exe>/../schema/languages.json, <exe>/../../schema/languages.json,
    // /usr/local/share/judge/languages.json, /usr/share/judge/languages.json,
    // the source tree's schema/languages.json (<exe>: the folder of the
    // running binary). Throws CatalogError if none.
    static std::string default_path();

    // Lookups among the AVAILABLE languages only; nullptr when there is none.
    const Language* by_id(int judge0_id) const;
    const Language* by_key(std::string_view key) const;
    const Language* by_name(std::string_view name) const;
    // Any entry, available or not, by key, by name or by a decimal id: for
    // tools and messages ("installed?"). Check `available` before use.
    const Language* find(std::string_view key_name_or_id) const;

    // Every entry in file order, unavailable ones included.
    const std::vector<Language>& all() const { return languages_; }
    // The available ones, in file order.
    std::vector<const Language*> available() const;
    // What GET /languages lists: every id of every available language,
    // sorted by name, then id.
    std::vector<std::pair<int, const Language*>> offered() const;

    // The language resolved for the judging pipeline: compile and run argv
    // expanded with the submission's compiler options and arguments; {heap_mb}
    // is left in the run argv for the pipeline to fill with the box's memory
    // in MiB (memory limit + memory_extra_mb).
    Toolchain toolchain(const Language& l, const std::vector<std::string>& extra_flags = {},
                        const std::vector<std::string>& args = {}) const;

private:
    std::vector<Language> languages_;
};

// Splits a Judge0 compiler_options or command_line_arguments string into
// argv words the way a POSIX shell would, without any expansion: blanks
// separate words, '...' is literal, "..." takes backslash escapes of \ " $ `
// and newline, a backslash outside quotes escapes the next character.
// Throws std::invalid_argument for an unterminated quote or a trailing
// backslash.
std::vector<std::string> split_words(std::string_view text);

}  // namespace judge
