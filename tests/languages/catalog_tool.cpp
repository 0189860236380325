// A small reader of the language catalog for tests/languages/check-all.sh, so
// the script drives the box with exactly the argv the judge would build
// (judge/languages.cpp does the loading, detection and expansion). It loads
// the catalog once (detection runs every version command) and writes what
// the script needs as plain files.
//
//   catalog_tool FILE table                  key, availability, name or reason
//   catalog_tool FILE dump DIR MEMORY_MB     for each available language, DIR/KEY/:
//       compile, run, binds, env   one item a line (run for a MEMORY_MB limit;
//                                  env on top of the box's default environment)
//       vars                       NAME=VALUE lines: source_file, binary,
//                                  processes, compile_processes,
//                                  memory_extra_mb, time_multiplier
//     and DIR/available, the available keys one a line.
// Exit status 2 on bad usage or a catalog that does not load.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "judge/languages.hpp"

namespace {

int usage() {
    std::fprintf(stderr, "usage: catalog_tool FILE table | catalog_tool FILE dump DIR MEMORY_MB\n");
    return 2;
}

void write_lines(const std::string& path, const std::vector<std::string>& items) {
    std::ofstream out(path);
    for (const auto& s : items) out << s << '\n';
    if (!out) throw std::runtime_error("write(\"" + path + "\") failed");
}

void make_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        throw std::runtime_error("mkdir(\"" + path + "\"): " + std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return usage();
    try {
        const judge::Catalog c = judge::Catalog::load(argv[1]);
        const std::string cmd = argv[2];
        if (cmd == "table" && argc == 3) {
            for (const auto& l : c.all())
                std::printf("%-11s %-11s %s\n", l.key.c_str(), l.available ? "available" : "UNAVAILABLE",
                            l.available ? l.name.c_str() : l.unavailable_reason.c_str());
            return 0;
        }
        if (cmd == "dump" && argc == 5) {
            const std::string dir = argv[3];
            const std::uint64_t memory_mb = std::strtoull(argv[4], nullptr, 10);
            make_dir(dir);
            std::vector<std::string> keys;
            for (const auto* l : c.available()) {
                keys.push_back(l->key);
                const std::string d = dir + "/" + l->key;
                make_dir(d);
                write_lines(d + "/compile", l->compile_argv());
                write_lines(d + "/run", l->run_argv({}, memory_mb));
                write_lines(d + "/binds", l->binds);
                write_lines(d + "/env", l->box_env({"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/box", "LANG=C.UTF-8"}));
                char mult[32];
                std::snprintf(mult, sizeof mult, "%g", l->time_multiplier);
                write_lines(d + "/vars", {"source_file=" + l->source_file, "binary=" + l->binary,
                                          "processes=" + std::to_string(l->processes),
                                          "compile_processes=" + std::to_string(l->compile_processes),
                                          "memory_extra_mb=" + std::to_string(l->memory_extra_mb),
                                          std::string("time_multiplier=") + mult});
            }
            write_lines(dir + "/available", keys);
            return 0;
        }
        return usage();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "catalog_tool: %s\n", e.what());
        return 2;
    }
}
