// judged: the Judge0-compatible judging service. See README.md and
// server/config.hpp for the options.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <utility>  // before Asio: 1.74's awaitable.hpp needs std::exchange
#include <boost/asio.hpp>

#include "judge/languages.hpp"
#include "judge/pipeline.hpp"
#include "sandbox/host_check.hpp"
#include "sandbox/pools.hpp"
#include "sandbox/prepared.hpp"
#include "sandbox/fs_safe.hpp"
#include "server/http/app.hpp"
#include "server/http/client_filter.hpp"
#include "server/config.hpp"
#include "server/http/http_server.hpp"
#include "server/log.hpp"
#include "server/store/store.hpp"

namespace asio = boost::asio;

namespace {

// A SIGTERM/SIGINT that arrives while judged is starting, before the
// shutdown handler exists, is remembered and replayed once it does: it
// then stops judged like any other (exit 0), instead of killing it midway.
volatile sig_atomic_t g_early_signal = 0;

void remember_signal(int sig) { g_early_signal = sig; }

}  // namespace

int main(int argc, char** argv) {
    {
        struct sigaction sa {};
        sa.sa_handler = remember_signal;
        sa.sa_flags = SA_RESTART;  // startup's system calls go on
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGTERM, &sa, nullptr);
        ::sigaction(SIGINT, &sa, nullptr);
    }
    std::vector<std::string> args(argv + 1, argv + argc);
    for (const auto& a : args)
        if (a == "--help" || a == "-h") {
            std::cout << "usage: judged [--listen ADDR:PORT] [--data-dir DIR] [--workers N] [--config FILE]\n\n"
                      << server::config_help();
            return 0;
        }
    server::Config cfg;
    try {
        cfg = server::load_config(args, server::environment());
    } catch (const server::ConfigError& e) {
        std::cerr << "judged: " << e.what() << "\n";
        return 2;
    }
    for (const auto& w : cfg.warnings) server::log_line("config", "", w);
    if (::geteuid() != 0) {
        std::cerr << "judged: must run as root (boxes need namespaces, cgroups and their own uids)\n";
        return 2;
    }
    try {
        (void)sandbox::pools::uid_base();  // a bad box uid range is refused here, not at the first box
    } catch (const std::invalid_argument& e) {
        std::cerr << "judged: " << e.what() << "\n";
        return 2;
    }
    // An api node never judges: no boxes, no worker threads, no mounts.
    const bool judges = cfg.role != "api";
    // A node that judges refuses to start on a host (a container) that cannot
    // make boxes, naming each missing privilege, before it opens the store or
    // listens.
    if (judges) {
        sandbox::HostCheckOptions hc;
        hc.network = cfg.allow_enable_network;
        const auto lines = sandbox::check_host(hc);
        if (!sandbox::all_ok(lines)) {
            for (const auto& l : lines)
                if (!l.ok) std::cerr << "judged: host check FAIL " << l.what << ": " << l.detail << "\n";
            std::cerr << "judged: this host cannot make boxes (judge-sandbox check shows every item)\n";
            return 3;
        }
    }
    // Still one thread: the working folders' tmpfs mounts go in a mount
    // namespace of judged's own, and with it however judged ends (an api
    // node mounts nothing, and in a container has no SYS_ADMIN to).
    try {
        if (judges) sandbox::enter_own_mount_namespace();
    } catch (const std::exception& e) {
        std::cerr << "judged: " << e.what() << "\n";
        return 1;
    }
    try {
        namespace fs = std::filesystem;
        fs::create_directories(cfg.data_dir);
        ::chmod(cfg.data_dir.c_str(), 0700);
        const unsigned workers = !judges      ? 0u
                                 : cfg.workers ? cfg.workers
                                               : std::max(1u, std::thread::hardware_concurrency());

        // Toolchain versions are cached by binary identity in the data folder:
        // a warm start does not run forty version commands.
        judge::LoadOptions lo;
        lo.cache_dir = cfg.data_dir;
        judge::Catalog catalog = cfg.languages_file.empty() ? judge::Catalog::load_default(lo)
                                                            : judge::Catalog::load(cfg.languages_file, lo);
        server::StoreOptions so;
        so.url = server::effective_store_url(cfg);
        so.synchronous_full = cfg.sqlite_synchronous != "NORMAL";
        so.idempotency_retention_seconds = cfg.idempotency_retention_seconds;
        so.pool_size = cfg.store_pool;
        const std::unique_ptr<server::Store> store_ptr = server::open_store(so);
        server::Store& store = *store_ptr;
        server::log_line("store", "", store.backend() + " at " + server::redacted_store_url(cfg) + ", schema version " +
                                          std::to_string(store.schema_version()));

        judge::JudgeOptions jo;
        jo.work_dir = cfg.data_dir + "/work";
        jo.work_bound.bytes = static_cast<std::uint64_t>(cfg.workdir_max_bytes);
        jo.work_bound.files = static_cast<std::uint64_t>(cfg.workdir_max_files);
        jo.cache_dir = cfg.data_dir + "/compile-cache";
        jo.excerpt_bytes = static_cast<std::size_t>(cfg.max_max_file_size) * 1024;
        judge::Judge judge(jo);
        // Judging yields the CPU to HTTP: boxes (compilers, programs) run at
        // the workers' nice value, and so does the thread that prepares boxes
        // ahead: it is started here from a short-lived thread at that nice
        // value and inherits it (Linux: nice is per thread and inherited by
        // the threads and processes a thread creates). The HTTP threads, the
        // inserter and the callbacks thread stay at 0; each worker thread
        // lowers its own at its start (Workers::loop).
        sandbox::prepared::set_box_nice(cfg.worker_nice);
        std::exception_ptr pool_error;
        std::thread([&] {
            try {
                ::pthread_setname_np(::pthread_self(), "box-pool");  // the pool's thread inherits the name
                if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), cfg.worker_nice) != 0)
                    throw std::system_error(errno, std::generic_category(), "setpriority(box-pool)");
                sandbox::prepared::set_pool_size(workers);
            } catch (...) {
                pool_error = std::current_exception();
            }
        }).join();
        if (pool_error) std::rethrow_exception(pool_error);

        asio::io_context io;
        server::App app(cfg, catalog, store, judge);
        server::HttpOptions ho;
        ho.max_body_bytes = cfg.max_body_bytes;
        ho.header_timeout = std::chrono::seconds(cfg.header_timeout_seconds);
        ho.body_timeout = std::chrono::seconds(cfg.body_timeout_seconds);
        ho.idle_timeout = std::chrono::seconds(cfg.idle_timeout_seconds);
        ho.max_connections = cfg.max_connections;
        ho.max_connections_per_ip = cfg.max_connections_per_ip;
        ho.on_response = [&app](unsigned code) { app.metrics().http_request(code); };
        const server::ClientFilter clients(cfg.allow_ip, cfg.disallow_ip);
        if (!clients.empty()) ho.admit = [&clients](const asio::ip::address& a) { return clients.admits(a); };
        const asio::ip::tcp::endpoint ep(asio::ip::make_address(cfg.listen_address), cfg.port);
        server::HttpServer http(io, ep, ho, [&app](server::Request&& req, server::Reply reply) {
            app.handle(std::move(req), std::move(reply));
        });
        app.metrics().add_gauge("judged_http_connections", "Open HTTP connections.",
                                [&http] { return static_cast<double>(http.connections()); });
        app.purge();
        app.start_workers(workers);
        http.start();

        // Purge old results now and then.
        asio::steady_timer purge_timer(io);
        std::function<void()> schedule_purge = [&] {
            purge_timer.expires_after(std::chrono::minutes(10));
            purge_timer.async_wait([&](boost::system::error_code ec) {
                if (ec) return;
                app.purge();
                schedule_purge();
            });
        };
        schedule_purge();

        // SIGTERM/SIGINT: stop accepting, let running work finish within the
        // grace (or put it back in the queue), then leave with status 0.
        std::atomic<bool> unfinished{false};
        asio::signal_set signals(io, SIGTERM, SIGINT);
        std::thread shutdown_thread;
        signals.async_wait([&](boost::system::error_code ec, int sig) {
            if (ec) return;
            server::log_line("judged", "", std::string("signal ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                                               ": stopping (grace " + std::to_string(cfg.shutdown_grace_seconds) + " s)");
            http.stop_accepting();
            purge_timer.cancel();
            shutdown_thread = std::thread([&] {
                const auto stopped = app.shutdown(std::chrono::seconds(cfg.shutdown_grace_seconds));
                if (!stopped.released.empty())
                    server::log_line("judged", "", std::to_string(stopped.released.size()) +
                                                       " unfinished submissions put back in the queue");
                unfinished = !stopped.joined;
                io.stop();
            });
        });

        if (const int sig = g_early_signal) ::raise(sig);  // now handled by `signals`

        server::log_line("judged", "", "listening on " + cfg.listen_address + ":" +
                                           std::to_string(http.local_endpoint().port()) + " with " +
                                           std::to_string(workers) + " workers (role " + cfg.role + "), data in " +
                                           cfg.data_dir);
        // One HTTP thread per core: handlers never wait for the disk on a
        // submission (the inserter commits on its own thread) and never for
        // a box (the workers judge).
        const unsigned io_threads = std::max(2u, std::thread::hardware_concurrency());
        std::vector<std::thread> pool;
        for (unsigned i = 1; i < io_threads; ++i)
            pool.emplace_back([&io] {
                ::pthread_setname_np(::pthread_self(), "http");
                io.run();
            });
        io.run();
        for (auto& t : pool) t.join();
        if (shutdown_thread.joinable()) shutdown_thread.join();
        server::log_line("judged", "", "stopped");
        if (unfinished) {
            // A worker thread still inside a box cannot be joined: leave now,
            // before any destructor runs, so it never touches freed memory.
            // Its row is back In Queue (or, if it finished meanwhile, its
            // result is stored); its box dies with us (its init sees its control
            // socket hang up, idle factories see EOF) and its cgroup is swept
            // at the next start.
            std::cout.flush();
            std::cerr.flush();
            std::_Exit(0);
        }
        return 0;
    } catch (const std::exception& e) {
        server::log_line("judged", "", std::string("fatal: ") + e.what());
        return 1;
    }
}
