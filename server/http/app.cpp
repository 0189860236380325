#include "server/http/app.hpp"

#include <pthread.h>

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "sandbox/sandbox.hpp"
#include "server/work/grading.hpp"
#include "server/log.hpp"
#include "server/http/openapi.hpp"
#include "server/http/system_info.hpp"

namespace server {

namespace http = boost::beast::http;
using nlohmann::json;
using Query = std::map<std::string, std::string>;

namespace {

constexpr const char* judge0_api_version = "1.13.1";

// Every answer's JSON text. Messages may quote client bytes (a path, a
// file name in a package, a problem's name) that are not UTF-8: they are
// replaced by U+FFFD rather than failing the answer with type_error 316.
// Submission outputs never get here unchecked: render() throws NotUtf8 first.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Response error(unsigned status, const std::string& message) {
    return json_response(status, dump(json{{"error", message}}));
}

Response empty(unsigned status) {
    Response res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "judged");
    res.prepare_payload();
    return res;
}

Response text(unsigned status, std::string body, const char* type) {
    Response res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "judged");
    res.set(http::field::content_type, type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

std::optional<std::string> param(const Query& q, const std::string& name) {
    auto it = q.find(name);
    if (it == q.end()) return std::nullopt;
    return it->second;
}

// A boolean query flag; absent is false, a value that is not a boolean is
// reported through *bad.
bool flag(const Query& q, const std::string& name, std::string* bad) {
    auto v = param(q, name);
    if (!v) return false;
    auto b = judge0::parse_bool(*v);
    if (!b) {
        *bad = name + " must be true or false";
        return false;
    }
    return *b;
}

// How a submission is shown: base64_encoded and fields, from the query.
// Returns the 400 to answer when either is malformed.
struct View {
    bool base64 = false;
    std::vector<std::string> fields;
};

std::optional<Response> read_view(const Query& q, View* v) {
    std::string bad;
    v->base64 = flag(q, "base64_encoded", &bad);
    if (!bad.empty()) return error(400, bad);
    v->fields = judge0::parse_fields(param(q, "fields"), &bad);
    if (!bad.empty()) return error(400, bad);
    return std::nullopt;
}

// Constant time over the candidate's bytes for every configured token, so
// the answer's timing does not tell how much of a token was right.
bool token_matches(const std::string& given, const std::vector<std::string>& tokens) {
    bool any = false;
    for (const auto& t : tokens) {
        unsigned char diff = given.size() == t.size() ? 0 : 1;
        for (std::size_t i = 0; i < given.size(); ++i)
            diff |= static_cast<unsigned char>(given[i] ^ (i < t.size() ? t[i] : 0));
        any |= (diff == 0);
    }
    return any;
}

std::string credential(const Request& req, const Query& q, const std::string& name) {
    auto it = req.find(name);
    if (it != req.end()) return std::string(it->value());
    return param(q, name).value_or("");
}

std::optional<std::int64_t> to_int(const std::string& s) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += ' ';
        out += s;
    }
    return out;
}

// A store failure, logged: 503 when the database could not be reached (the
// client may try again: nothing was written), 500 otherwise.
Response store_failure(const std::exception_ptr& err, const std::string& token, const char* what) {
    try {
        std::rethrow_exception(err);
    } catch (const StoreError& e) {
        log_line("api", token, std::string(what) + ": " + e.what());
        if (e.unavailable()) return error(503, "the database is unavailable; try again (an Idempotency-Key makes a retry safe)");
    } catch (const std::exception& e) {
        log_line("api", token, std::string(what) + ": " + e.what());
    }
    return error(500, what);
}

// Several compile commands (NASM's nasm, then ld) as one shell-like line.
std::string compile_line(const judge::Language& l) {
    std::string out;
    for (const auto& argv : l.compile_argvs()) out += (out.empty() ? "" : " && ") + join(argv);
    return out;
}

// GET /isolate: Judge0 prints `isolate --version`; we say what our own
// sandbox is on this host.
std::string sandbox_identity(const std::string& release) {
    return "judge-sandbox of judged " + release + " (its own sandbox, not isolate): " + sandbox::describe_host() + "\n";
}

// An idempotency key (the Idempotency-Key header, a batch item's
// idempotency_key): 1 to 255 printable ASCII characters. Returns why not.
std::optional<std::string> bad_idempotency_key(const std::string& k) {
    if (k.empty() || k.size() > 255) return "must be 1 to 255 characters long";
    for (unsigned char ch : k)
        if (ch < 0x20 || ch > 0x7e) return "must be printable ASCII";
    return std::nullopt;
}

constexpr const char* key_conflict_message =
    "this idempotency key was used for a different submission within its retention window; use a new key";

}  // namespace

// What a route's handler gets: the request, its query, the path's last
// segment for a "{}" pattern, and the reply (call done() once, or keep
// `reply` to answer later from another thread).
struct App::Call {
    const Request& req;
    const Query& q;
    std::string arg;
    Reply reply;
    void done(Response res) const {
        res.keep_alive(req.keep_alive());
        reply(std::move(res));
    }
};

App::App(const Config& cfg, const judge::Catalog& catalog, Store& store, judge::Judge& judge)
    : cfg_(cfg), catalog_(catalog), store_(store), judge_(judge), origins_(cfg.allow_origin, cfg.disallow_origin),
      callbacks_(store,
                 CallbackOptions{cfg.callbacks_max_tries,
                                 std::chrono::milliseconds(static_cast<std::int64_t>(cfg.callbacks_timeout * 1000)),
                                 cfg.callbacks_allow_private, cfg.callbacks_ca_file, node_identity(),
                                 std::chrono::seconds(cfg.lease_seconds), std::chrono::seconds(cfg.heartbeat_seconds)},
                 metrics_),
      problems_(store, judge, catalog, cfg.data_dir, PackageLimits{}, cfg.role != "api") {
    lookup_.exists = [this](int id) { return catalog_.by_id(id) != nullptr; };
    lookup_.name = [this](int id) {
        const judge::Language* l = catalog_.find(std::to_string(id));
        return l ? l->name : std::string();
    };
    queued_ = store_.count_in_queue();
    workers_ = std::make_unique<Workers>(
        store_, judge_, catalog_, cfg_, metrics_, problems_, [this] { --queued_; }, [this](const Record& r) { on_finished(r); });
    inserter_ = std::make_unique<Inserter>(store_);
    metrics_.set_node(workers_->node(), cfg_.role);
    metrics_.add_gauge("judged_queue_depth", "Submissions In Queue.", [this] { return static_cast<double>(queued_); });
    metrics_.add_gauge("judged_workers_busy", "Workers judging a submission now.",
                       [this] { return static_cast<double>(workers_->busy()); });
    metrics_.add_gauge("judged_workers", "Worker threads.", [this] { return static_cast<double>(workers_->size()); });
}

App::~App() {
    store_.stop_listening();  // its handlers use workers_ and the pools
    {
        std::lock_guard lock(refresh_mu_);
        stop_refresh_ = true;
    }
    refresh_cv_.notify_all();
    if (queue_refresher_.joinable()) queue_refresher_.join();
    // Their tasks use everything below. Queued work and wait=true timers
    // are dropped (the process is ending); a task already running finishes.
    packages_.stop();
    blocking_.stop();
    packages_.join();
    blocking_.join();
    inserter_.reset();  // commits what is pending; its completions use workers_
    workers_.reset();
}

void App::start_workers(unsigned n) {
    if (cfg_.enable_callbacks && n > 0) callbacks_.resume();
    workers_->start(n);
    // Other nodes' news (PostgreSQL): queued rows wake our workers, a
    // finished row wakes a wait=true here; after a gap in the channel, look again.
    shared_events_ = store_.listen(Store::Events{
        [this] { workers_->notify(); },
        [this](const std::string& token) { finished_elsewhere(token); },
        [this] {
            workers_->notify();
            boost::asio::post(blocking_, [this] { poll_waiters(); });
        }});
    queue_refresher_ = std::thread([this] { refresh_queue(); });
}

// Each second: the queue count from the store. Every few seconds: the
// wait=true submissions, in case their finish was not heard of (another
// process on one SQLite file tells nobody; a notification lost in a gap).
void App::refresh_queue() {
    ::pthread_setname_np(::pthread_self(), "queue-count");
    const int poll_every = shared_events_ ? 5 : 2;
    std::unique_lock lock(refresh_mu_);
    for (int tick = 1; !refresh_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_refresh_; }); ++tick) {
        lock.unlock();
        try {
            queued_ = store_.count_in_queue();
        } catch (const std::exception&) {  // the store is away: keep the last count (health says why)
        }
        if (tick % poll_every == 0) poll_waiters();
        lock.lock();
    }
}

Workers::Stopped App::shutdown(std::chrono::milliseconds grace) {
    auto stopped = workers_->stop(grace);
    // Whatever is not delivered by then stays in the outbox for the next start.
    callbacks_.drain(std::chrono::milliseconds(2000));
    return stopped;
}

void App::purge() {
    if (cfg_.purge_after_seconds > 0) {
        try {
            const auto n = store_.purge_finished_before(now_ms() - cfg_.purge_after_seconds * 1000);
            if (n) log_line("store", "", "purged " + std::to_string(n) + " finished submissions");
        } catch (const std::exception& e) {
            log_line("store", "", std::string("purge failed: ") + e.what());
        }
    }
    try {
        const auto n = store_.purge_idempotency_keys();
        if (n) log_line("store", "", "purged " + std::to_string(n) + " expired idempotency keys");
    } catch (const std::exception& e) {
        log_line("store", "", std::string("idempotency key purge failed: ") + e.what());
    }
}

bool App::take_waiter(const std::string& token, std::uint64_t id) {
    std::lock_guard lock(waiters_mu_);
    auto [b, e] = waiters_.equal_range(token);
    for (auto it = b; it != e; ++it)
        if (it->second.id == id) {
            waiters_.erase(it);
            return true;
        }
    return false;
}

std::chrono::milliseconds App::wait_deadline(const Record& r) const {
    // Generous on purpose: it bounds a request that would otherwise hang
    // for ever; it does not judge the program.
    constexpr double margin_s = 10;
    double compile_s = 0;
    if (const judge::Language* l = catalog_.by_id(r.language_id); l && l->compiled())
        compile_s = static_cast<double>(judge::CompileLimits{}.wall_time_ms) / 1000;
    double tests = 1, per_test_s = r.wall_time_limit;
    if (!r.tests_json.empty()) {
        try {
            tests = static_cast<double>(std::max<std::size_t>(1, json::parse(r.tests_json).size()));
        } catch (const json::exception&) {
        }
    }
    if (r.problem_id) {
        // A package's own tests and time limit; summary_json is ours.
        try {
            if (auto row = store_.problem(*r.problem_id, r.problem_version)) {
                const json sum = json::parse(row->summary_json);
                double n = 0;
                for (const auto& g : sum.value("groups", json::array())) n += g.value("tests", 0.0);
                tests = std::max(1.0, n);
                per_test_s = std::max(per_test_s, 2 * sum.value("time_limit", 1.0) + 1);
            }
        } catch (const std::exception&) {
            per_test_s = std::max(per_test_s, cfg_.max_wall_time_limit);
        }
    }
    const double s = compile_s + per_test_s * r.number_of_runs * tests + margin_s;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::min(s, 7.0 * 86400) * 1000));
}

void App::wake_waiters(const Record& r) {
    std::vector<std::function<void(const Record&)>> ws;
    {
        std::lock_guard lock(waiters_mu_);
        auto [b, e] = waiters_.equal_range(r.token);
        for (auto it = b; it != e; ++it) ws.push_back(std::move(it->second.wake));
        waiters_.erase(b, e);
    }
    for (auto& w : ws) w(r);
}

void App::finished_elsewhere(const std::string& token) {
    {
        std::lock_guard lock(waiters_mu_);
        if (waiters_.count(token) == 0) return;  // nobody here waits for it (most finishes)
    }
    boost::asio::post(blocking_, [this, token] {
        try {
            if (auto r = store_.get(token); r && r->status_id >= status::accepted) wake_waiters(*r);
        } catch (const std::exception& e) {  // the slow poll finds it later
            log_line("api", token, std::string("reading a result finished elsewhere failed: ") + e.what());
        }
    });
}

void App::poll_waiters() {
    std::vector<std::string> tokens;
    {
        std::lock_guard lock(waiters_mu_);
        for (auto it = waiters_.begin(); it != waiters_.end(); it = waiters_.upper_bound(it->first))
            tokens.push_back(it->first);
    }
    if (tokens.empty()) return;
    try {
        for (const auto& r : store_.get_many(tokens))
            if (r && r->status_id >= status::accepted) wake_waiters(*r);
    } catch (const std::exception& e) {
        log_line("api", "", std::string("polling wait=true submissions failed: ") + e.what());
    }
}

void App::on_finished(const Record& r) {
    wake_waiters(r);
    if (r.callback_url && cfg_.enable_callbacks) {
        try {
            json body = judge0::render(r, judge0::default_fields(), true, lookup_);
            callbacks_.send(*r.callback_url, dump(body), r.token);
        } catch (const std::exception& e) {
            log_line("callback", r.token, std::string("not sent: ") + e.what());
        }
    }
}

bool App::authenticated(const Request& req, const Query& q) const {
    if (cfg_.authn_tokens.empty()) return true;
    return token_matches(credential(req, q, cfg_.authn_header), cfg_.authn_tokens);
}

bool App::authorized(const Request& req, const Query& q) const {
    if (cfg_.authz_tokens.empty()) return true;
    return token_matches(credential(req, q, cfg_.authz_header), cfg_.authz_tokens);
}

void App::check_record(const Record& r, judge0::FieldErrors& errors) const {
    try {
        if (r.compiler_options) judge::split_words(*r.compiler_options);
    } catch (const std::invalid_argument& e) {
        errors["compiler_options"].push_back(e.what());
    }
    try {
        if (r.command_line_arguments) judge::split_words(*r.command_line_arguments);
    } catch (const std::invalid_argument& e) {
        errors["command_line_arguments"].push_back(e.what());
    }
    if (r.additional_files) {
        try {
            unpack_additional_files(*r.additional_files, cfg_);
        } catch (const std::invalid_argument& e) {
            errors["additional_files"].push_back(e.what());
        }
    }
    if (r.callback_url) {
        ParsedUrl u;
        if (!parse_http_url(*r.callback_url, &u)) {
            errors["callback_url"].push_back("must be an http:// or https:// URL with a host (no user name)");
        } else {
            const std::string refusal = callback_host_refusal(u, cfg_.callbacks_allow_private);
            if (!refusal.empty()) errors["callback_url"].push_back(refusal);
        }
    }
    if (!r.tests_json.empty()) {
        const json tests = json::parse(r.tests_json);
        std::size_t with = 0;
        for (const auto& t : tests)
            if (t.contains("expected_output_b64") && !t["expected_output_b64"].is_null()) ++with;
        if (with != 0 && with != tests.size())
            errors["tests"].push_back("expected_output must be given for every test or for none");
        if (tests.empty()) errors["tests"].push_back("must hold at least one test");
    }
}

Response App::create(const Request& req, const Query& q, const Reply& reply, bool* replied_later) {
    if (cfg_.maintenance_mode) return error(503, "maintenance mode is on; try again later");
    View view;
    if (auto bad = read_view(q, &view)) return std::move(*bad);
    std::string bad;
    const bool wait = flag(q, "wait", &bad);
    if (!bad.empty()) return error(400, bad);
    const bool base64 = view.base64;
    const auto fields = view.fields;
    if (wait && !cfg_.enable_wait_result) return error(400, "wait=true is not enabled on this server");
    std::optional<std::string> key;
    if (auto it = req.find("Idempotency-Key"); it != req.end()) {
        key = std::string(it->value());
        if (auto why = bad_idempotency_key(*key)) return error(400, "Idempotency-Key " + *why);
    }

    judge0::Parsed p = judge0::parse_submission_text(req.body(), cfg_, lookup_, base64);
    if (!p.bad_request.empty()) return error(400, p.bad_request);
    if (p.errors.empty()) check_record(p.record, p.errors);
    if (p.errors.empty()) attach_problem(p.body, p.record, p.errors);
    if (!p.errors.empty()) return json_response(422, dump(json(p.errors)));
    if (queued_ >= cfg_.max_queue_size) return error(503, "queue is full");

    Record& r = p.record;
    r.token = new_token();
    const std::string token = r.token;
    // wait=true answers when the submission finishes, or at its deadline
    // with the row as it is then (still In Queue or Processing when the
    // queue is long): whichever comes first, once (the timer's reads run on
    // the blocking pool).
    auto answer = [this, reply, fields, base64](const Record& done) {
        try {
            reply(json_response(201, dump(judge0::render(done, fields, base64, lookup_))));
        } catch (const judge0::NotUtf8& e) {
            reply(json_response(400, dump(json{{"token", done.token}, {"error", e.what()}})));
        }
    };
    std::shared_ptr<boost::asio::steady_timer> timer;
    std::uint64_t waiter_id = 0;
    if (wait) {
        timer = std::make_shared<boost::asio::steady_timer>(blocking_.get_executor());
        std::lock_guard lock(waiters_mu_);
        waiter_id = ++next_waiter_;
        waiters_.emplace(token, Waiter{waiter_id, [answer, timer](const Record& done) {
                                           timer->cancel();
                                           answer(done);
                                       }});
    }
    const auto deadline = wait_deadline(r);
    // Counted now, so concurrent requests see the queue as it will be.
    ++queued_;
    InsertGroup group;
    group.records.push_back(std::move(r));
    if (key) group.keys.push_back(key);
    inserter_->submit(std::move(group), [this, reply, wait, token, fields, base64, timer, waiter_id, deadline,
                                         answer](InsertGroup& g, std::exception_ptr err) {
        if (err) {
            --queued_;
            if (wait) {
                std::lock_guard lock(waiters_mu_);
                waiters_.erase(token);
            }
            reply(store_failure(err, token, "the submission could not be stored"));
            return;
        }
        if (g.outcomes[0] != InsertGroup::Outcome::inserted) {
            --queued_;  // nothing new was queued
            if (wait && take_waiter(token, waiter_id)) timer->cancel();
            if (g.outcomes[0] == InsertGroup::Outcome::key_conflict) {
                reply(error(422, key_conflict_message));
                return;
            }
            answer_replay(g.records[0], wait, fields, base64, reply);
            return;
        }
        if (wait) {
            timer->expires_after(deadline);
            timer->async_wait([this, token, waiter_id, answer, reply](boost::system::error_code ec) {
                if (ec) return;  // cancelled: the submission finished first
                if (!take_waiter(token, waiter_id)) return;
                try {
                    auto row = store_.get(token);
                    if (row) return answer(*row);
                } catch (const std::exception& e) {
                    log_line("api", token, std::string("wait=true deadline read failed: ") + e.what());
                }
                reply(error(500, "the submission could not be read back from the store"));
            });
        }
        workers_->notify();
        if (!wait) reply(json_response(201, dump(json{{"token", token}})));
    });
    *replied_later = true;
    return {};
}

// The answer to a request its idempotency key says was made before: the
// earlier submission's token (or, with wait=true, its result once it has
// one), marked as a replay.
void App::answer_replay(const Record& earlier, bool wait, const std::vector<std::string>& fields, bool base64,
                        const Reply& reply) {
    auto replayed = [reply](Response res) {
        res.set("Idempotent-Replayed", "true");
        reply(std::move(res));
    };
    auto render = [this, fields, base64, replayed](const Record& done) {
        try {
            replayed(json_response(201, dump(judge0::render(done, fields, base64, lookup_))));
        } catch (const judge0::NotUtf8& e) {
            replayed(json_response(400, dump(json{{"token", done.token}, {"error", e.what()}})));
        }
    };
    if (!wait) return replayed(json_response(201, dump(json{{"token", earlier.token}})));
    std::optional<Record> now;
    {
        // Read and register under the waiters' lock: a worker storing the
        // result after this read calls on_finished, which takes the lock,
        // only after the waiter is in place.
        std::lock_guard lock(waiters_mu_);
        try {
            now = store_.get(earlier.token);
        } catch (const std::exception& e) {
            log_line("api", earlier.token, std::string("replay: reading the submission failed: ") + e.what());
            return reply(error(500, "the submission could not be read"));
        }
        if (now && now->status_id <= status::processing) {
            // The same deadline as the first request's wait.
            auto timer = std::make_shared<boost::asio::steady_timer>(blocking_.get_executor());
            const std::uint64_t id = ++next_waiter_;
            waiters_.emplace(earlier.token, Waiter{id, [render, timer](const Record& done) {
                                                       timer->cancel();
                                                       render(done);
                                                   }});
            timer->expires_after(wait_deadline(*now));
            timer->async_wait([this, token = earlier.token, id, render, reply](boost::system::error_code ec) {
                if (ec || !take_waiter(token, id)) return;
                try {
                    if (auto row = store_.get(token)) return render(*row);
                } catch (const std::exception& e) {
                    log_line("api", token, std::string("wait=true deadline read failed: ") + e.what());
                }
                reply(error(500, "the submission could not be read back from the store"));
            });
            return;
        }
    }
    if (!now) return reply(error(404, "submission not found"));
    render(*now);
}

Response App::create_batch(const Request& req, const Query& q, const Reply& reply, bool* replied_later) {
    if (cfg_.maintenance_mode) return error(503, "maintenance mode is on; try again later");
    if (!cfg_.enable_batched_submissions) return error(400, "batched submissions are not enabled on this server");
    std::string bad;
    const bool base64 = flag(q, "base64_encoded", &bad);
    if (!bad.empty()) return error(400, bad);
    json body;
    try {
        body = json::parse(req.body());
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
        return error(400, std::string("malformed JSON: ") + e.what());
    }
    if (!body.is_object() || !body.contains("submissions") || !body["submissions"].is_array())
        return error(400, "request body must be an object with a \"submissions\" array");
    const json& items = body["submissions"];
    if (items.empty()) return error(400, "the batch holds no submissions");
    if (items.size() > static_cast<std::size_t>(cfg_.max_submission_batch_size))
        return error(400, "a batch holds at most " + std::to_string(cfg_.max_submission_batch_size) + " submissions");

    if (req.find("Idempotency-Key") != req.end())
        return error(400, "Idempotency-Key applies to POST /submissions; give each batch item an idempotency_key");

    json out = json::array();
    InsertGroup group;  // the valid items, all stored in one commit
    std::vector<std::size_t> slot;  // index in out of each valid record
    bool any_key = false;
    for (const auto& item : items) {
        std::optional<std::string> key;
        if (item.is_object() && item.contains("idempotency_key") && !item["idempotency_key"].is_null()) {
            const json& k = item["idempotency_key"];
            std::optional<std::string> why = k.is_string() ? bad_idempotency_key(k.get<std::string>())
                                                           : std::optional<std::string>("must be a string");
            if (why) {
                out.push_back(json{{"idempotency_key", json::array({*why})}});
                continue;
            }
            key = k.get<std::string>();
        }
        judge0::Parsed p = judge0::parse_submission(item, cfg_, lookup_, base64);
        if (!p.bad_request.empty()) {
            out.push_back(json{{"error", p.bad_request}});
            continue;
        }
        if (p.errors.empty()) check_record(p.record, p.errors);
        if (p.errors.empty()) attach_problem(item, p.record, p.errors);
        if (!p.errors.empty()) {
            out.push_back(json(p.errors));
            continue;
        }
        p.record.token = new_token();
        slot.push_back(out.size());
        out.push_back(nullptr);  // filled once stored
        group.records.push_back(std::move(p.record));
        group.keys.push_back(std::move(key));
        any_key |= group.keys.back().has_value();
    }
    if (group.records.empty()) return json_response(422, dump(out));
    const auto n = static_cast<std::int64_t>(group.records.size());
    if (queued_ + n > cfg_.max_queue_size) return error(503, "queue is full");
    if (!any_key) group.keys.clear();
    // Counted now, so concurrent requests see the queue as it will be.
    queued_ += n;
    // Committed on the inserter's thread: this I/O thread never waits on the disk.
    inserter_->submit(std::move(group), [this, reply, n, out = std::move(out), slot = std::move(slot)](
                                        InsertGroup& g, std::exception_ptr err) mutable {
        if (err) {
            queued_ -= n;
            reply(store_failure(err, "", "the submissions could not be stored"));
            return;
        }
        std::int64_t inserted = 0, replayed = 0;
        for (std::size_t i = 0; i < g.records.size(); ++i) {
            switch (g.outcomes[i]) {
            case InsertGroup::Outcome::inserted:
                ++inserted;
                out[slot[i]] = json{{"token", g.records[i].token}};
                break;
            case InsertGroup::Outcome::replayed:
                ++replayed;
                out[slot[i]] = json{{"token", g.records[i].token}};
                break;
            case InsertGroup::Outcome::key_conflict:
                out[slot[i]] = json{{"idempotency_key", json::array({key_conflict_message})}};
                break;
            }
        }
        queued_ -= n - inserted;
        for (std::int64_t i = 0; i < inserted; ++i) workers_->notify();
        reply(json_response(inserted + replayed > 0 ? 201 : 422, dump(out)));
    });
    *replied_later = true;
    return {};
}

Response App::get_one(const std::string& token, const Query& q) {
    View view;
    if (auto bad = read_view(q, &view)) return std::move(*bad);
    const bool base64 = view.base64;
    const auto& fields = view.fields;
    auto r = store_.get(token);
    if (!r) return error(404, "submission not found");
    try {
        return json_response(200, dump(judge0::render(*r, fields, base64, lookup_)));
    } catch (const judge0::NotUtf8& e) {
        return error(400, e.what());
    }
}

Response App::get_batch(const Query& q) {
    View view;
    if (auto bad = read_view(q, &view)) return std::move(*bad);
    const bool base64 = view.base64;
    const auto& fields = view.fields;
    auto tokens_text = param(q, "tokens");
    if (!tokens_text || tokens_text->empty()) return error(400, "tokens is required: tokens=a,b,c");
    std::vector<std::string> tokens;
    std::stringstream ss(*tokens_text);
    for (std::string t; std::getline(ss, t, ',');)
        if (!t.empty()) tokens.push_back(t);
    if (tokens.size() > static_cast<std::size_t>(cfg_.max_submission_batch_size))
        return error(400, "at most " + std::to_string(cfg_.max_submission_batch_size) + " tokens at once");
    json arr = json::array();
    try {
        for (auto& r : store_.get_many(tokens)) arr.push_back(r ? judge0::render(*r, fields, base64, lookup_) : json(nullptr));
    } catch (const judge0::NotUtf8& e) {
        return error(400, e.what());
    }
    return json_response(200, dump(json{{"submissions", arr}}));
}

Response App::list(const Query& q) {
    View view;
    if (auto bad = read_view(q, &view)) return std::move(*bad);
    const bool base64 = view.base64;
    const auto& fields = view.fields;
    std::int64_t page = 1, per_page = 20;
    if (auto v = param(q, "page")) {
        auto n = to_int(*v);
        if (!n || *n < 1) return error(400, "page must be a positive integer");
        page = *n;
    }
    if (auto v = param(q, "per_page")) {
        auto n = to_int(*v);
        if (!n || *n < 1 || *n > 100) return error(400, "per_page must be an integer from 1 to 100");
        per_page = *n;
    }
    auto pg = store_.list(page, per_page);
    json arr = json::array();
    try {
        for (const auto& r : pg.records) arr.push_back(judge0::render(r, fields, base64, lookup_));
    } catch (const judge0::NotUtf8& e) {
        return error(400, e.what());
    }
    const std::int64_t pages = (pg.total + per_page - 1) / per_page;
    json meta{{"current_page", page},
              {"next_page", page < pages ? json(page + 1) : json(nullptr)},
              {"prev_page", page > 1 ? json(page - 1) : json(nullptr)},
              {"total_pages", pages},
              {"total_count", pg.total}};
    return json_response(200, dump(json{{"submissions", arr}, {"meta", meta}}));
}

Response App::remove(const std::string& token, const Query& q) {
    if (!cfg_.enable_submission_delete) return error(400, "deleting submissions is not enabled on this server");
    View view;
    if (auto bad = read_view(q, &view)) return std::move(*bad);
    const bool base64 = view.base64;
    const auto& fields = view.fields;
    Record r;
    switch (store_.remove(token, &r)) {
    case Store::RemoveResult::not_found: return error(404, "submission not found");
    case Store::RemoveResult::busy:
        return error(400, "submission cannot be deleted while it is In Queue or Processing");
    case Store::RemoveResult::removed: break;
    }
    try {
        return json_response(200, dump(judge0::render(r, fields, base64, lookup_)));
    } catch (const judge0::NotUtf8&) {
        return json_response(200, dump(judge0::render(r, fields, true, lookup_)));
    }
}

Response App::languages(bool all) {
    json arr = json::array();
    if (!all) {
        for (const auto& [id, l] : catalog_.offered()) arr.push_back(json{{"id", id}, {"name", l->name}});
        return json_response(200, dump(arr));
    }
    std::vector<std::pair<int, const judge::Language*>> every;
    for (const auto& l : catalog_.all())
        for (int id : l.ids) every.emplace_back(id, &l);
    std::sort(every.begin(), every.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [id, l] : every)
        arr.push_back(json{{"id", id}, {"name", l->available ? l->name : l->name_template}, {"is_archived", !l->available}});
    return json_response(200, dump(arr));
}

Response App::language(const std::string& id_text) {
    auto id = to_int(id_text);
    const judge::Language* l = id ? catalog_.find(std::to_string(*id)) : nullptr;
    if (!l) return error(404, "language not found");
    json o{{"id", *id},
           {"name", l->available ? l->name : l->name_template},
           {"is_archived", !l->available},
           {"source_file", l->source_file.empty() ? json(nullptr) : json(l->source_file)},
           {"compile_cmd", l->compiled() ? json(compile_line(*l)) : json(nullptr)},
           // With the default memory limit in a VM's heap flag: the command
           // a submission that sets no memory_limit runs.
           {"run_cmd", join(l->run_argv({}, static_cast<std::uint64_t>(cfg_.memory_limit) / 1024))}};
    return json_response(200, dump(o));
}

Response App::statistics(bool invalidate) {
    // As Judge0: computed at most every 10 minutes (the counts scan the
    // whole table), unless the client asks for fresh ones.
    constexpr std::int64_t cache_ms = 10 * 60 * 1000;
    const std::int64_t now = now_ms();
    std::lock_guard lock(statistics_mu_);
    if (!invalidate && !statistics_.empty() && now < statistics_until_ms_) return json_response(200, statistics_);
    const Statistics s = store_.statistics();
    const std::string today = judge0::iso8601_ms(now).substr(0, 10);
    const auto count_of = [&s](const std::string& day) {
        const auto it = s.by_day.find(day);
        return it == s.by_day.end() ? std::int64_t{0} : it->second;
    };
    // The 30 days before today, newest first (Judge0's order).
    using ordered = nlohmann::ordered_json;
    ordered last_30_days = ordered::object();
    for (int back = 1; back <= 30; ++back) {
        const std::string day = judge0::iso8601_ms(now - back * 86400LL * 1000).substr(0, 10);
        last_30_days[day] = count_of(day);
    }
    std::vector<std::pair<int, std::int64_t>> langs(s.by_language.begin(), s.by_language.end());
    std::vector<std::pair<int, std::int64_t>> stats(s.by_status.begin(), s.by_status.end());
    const auto most_first = [](const auto& x, const auto& y) { return x.second > y.second; };
    std::stable_sort(langs.begin(), langs.end(), most_first);
    std::stable_sort(stats.begin(), stats.end(), most_first);
    ordered languages = ordered::array(), statuses = ordered::array();
    for (const auto& [id, n] : langs) {
        const judge::Language* l = catalog_.find(std::to_string(id));
        languages.push_back(ordered{{"language", {{"id", id}, {"name", l ? l->name : ""}}}, {"count", n}});
    }
    for (const auto& [id, n] : stats) {
        const char* d = status_description(id);
        statuses.push_back(ordered{{"status", {{"id", id}, {"name", d ? d : ""}}}, {"count", n}});
    }
    const ordered out{
        {"created_at", judge0::iso8601_ms(now)},
        {"cached_until", judge0::iso8601_ms(now + cache_ms)},
        {"submissions", {{"total", s.total}, {"today", count_of(today)}, {"last_30_days", last_30_days}}},
        {"languages", languages},
        {"statuses", statuses},
        {"database",
         {{"size_pretty", pretty_size(static_cast<std::uint64_t>(s.database_bytes))},
          {"size_in_bytes", s.database_bytes}}}};
    statistics_ = out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    statistics_until_ms_ = now + cache_ms;
    return json_response(200, statistics_);
}

Response App::workers_info() {
    // Across the cluster: the judging nodes whose heartbeat is within a
    // lease (each writes its row every heartbeat), and who judges what from
    // the claims themselves (live, where a heartbeat's busy count may be a
    // period old).
    const auto lease = std::chrono::seconds(cfg_.lease_seconds);
    const std::vector<NodeRow> nodes = store_.nodes(lease);
    const std::vector<ClaimRow> claims = store_.claims();
    std::int64_t available = 0, working = 0;
    json list = json::array();
    for (const NodeRow& n : nodes) {
        const std::string prefix = n.node + ":";
        std::int64_t busy = 0;
        for (const ClaimRow& c : claims)
            if (c.worker.compare(0, prefix.size(), prefix) == 0) ++busy;
        busy = std::min(busy, n.workers);
        available += n.workers;
        working += busy;
        list.push_back(json{{"node", n.node},
                            {"role", n.role},
                            {"workers", n.workers},
                            {"working", busy},
                            {"started_at", judge0::iso8601_ms(n.started_at_ms)},
                            {"seen_at", judge0::iso8601_ms(n.seen_at_ms)}});
    }
    json w{{"queue", "default"},
           {"size", queued_.load()},
           {"available", available},
           {"idle", available - working},
           {"working", working},
           {"paused", 0},
           {"failed", 0},
           {"nodes", list}};
    return json_response(200, dump(json::array({w})));
}

void App::health(Reply reply) {
    std::lock_guard lock(health_mu_);
    health_waiters_.push_back(std::move(reply));
    if (probe_running_) return;  // the running probe answers this one too
    probe_running_ = true;
    boost::asio::post(blocking_, [this] { run_health_probe(); });
}

void App::run_health_probe() {
    const bool store_ok = store_.writable();
    bool stale;
    {
        std::lock_guard lock(health_mu_);
        stale = std::chrono::steady_clock::now() - health_checked_ > std::chrono::seconds(2);
    }
    // An api node has no boxes: it is ready when the store answers.
    if (stale && cfg_.role != "api") {
        // A real box, at most one at a time and every 2 s however often
        // probes come.
        sandbox::RunSpec spec;
        spec.argv = {"/bin/true"};
        spec.cpu_time_ms = 2000;
        spec.wall_time_ms = 5000;
        bool ok = false;
        std::string message;
        try {
            const sandbox::RunResult r = sandbox::run(spec);
            ok = r.status == sandbox::Status::ok;
            message = ok ? "" : r.message;
        } catch (const std::exception& e) {
            message = std::string("sandbox::run: ") + e.what();
        }
        std::lock_guard lock(health_mu_);
        sandbox_ok_ = ok;
        sandbox_message_ = message;
        health_checked_ = std::chrono::steady_clock::now();
    }
    std::vector<Reply> waiters;
    bool sandbox_ok;
    std::string sandbox_msg;
    {
        std::lock_guard lock(health_mu_);
        waiters.swap(health_waiters_);
        probe_running_ = false;
        sandbox_ok = sandbox_ok_;
        sandbox_msg = sandbox_message_;
    }
    const bool judging = cfg_.role != "api";
    const bool ok = store_ok && (!judging || (sandbox_ok && workers_->size() > 0));
    json o{{"status", ok ? "ok" : "unavailable"},
           {"role", cfg_.role},
           {"store_writable", store_ok},
           {"workers", workers_->size()},
           {"queue", queued_.load()}};
    if (judging) o["sandbox_usable"] = sandbox_ok;
    if (!sandbox_msg.empty()) o["sandbox_message"] = sandbox_msg;
    const std::string body = dump(o);
    for (auto& w : waiters) w(json_response(ok ? 200 : 503, body));
}

void App::attach_problem(const json& body, Record& r, judge0::FieldErrors& errors) {
    if (!body.is_object() || !body.contains("problem_id") || body["problem_id"].is_null()) return;
    const json& id = body["problem_id"];
    if (!id.is_string()) {
        errors["problem_id"].push_back("must be a string");
        return;
    }
    std::optional<std::int64_t> version;
    if (body.contains("problem_version") && !body["problem_version"].is_null()) {
        const json& v = body["problem_version"];
        if (v.is_number_integer()) version = v.get<std::int64_t>();
        else if (v.is_string()) version = to_int(v.get<std::string>());
        if (!version || *version < 1) {
            errors["problem_version"].push_back("must be a positive integer");
            return;
        }
    }
    auto row = store_.problem(id.get<std::string>(), version);
    if (!row) {
        errors["problem_id"].push_back("problem " + id.get<std::string>() +
                                       (version ? " version " + std::to_string(*version) : std::string()) +
                                       " doesn't exist");
        return;
    }
    r.problem_id = row->id;
    r.problem_version = row->version;  // pinned: a later upload does not change it
}

void App::upload_problem(const Call& c) {
    if (cfg_.maintenance_mode) return c.done(error(503, "maintenance mode is on; try again later"));
    // Unpacking and compiling take seconds: on the blocking pool, never on
    // an HTTP I/O thread. The body moves there; the request stays with its
    // session.
    const bool keep_alive = c.req.keep_alive();
    boost::asio::post(packages_, [this, body = std::string(c.req.body()), id = param(c.q, "id").value_or(""),
                                  reply = c.reply, keep_alive] {
        Response res;
        try {
            ProblemRow row = problems_.upload(body, id);
            res = json_response(201, dump(Problems::describe(row)));
        } catch (const PackageError& e) {
            res = json_response(422, dump(json{{"package", {e.what()}}}));
        } catch (const StoreError& e) {
            log_line("api", "", std::string("store: ") + e.what());
            res = error(500, "the store failed; see the server's log");
        } catch (const std::exception& e) {
            log_line("api", "", std::string("problem upload failed: ") + e.what());
            res = error(500, "the problem package could not be stored; see the server's log");
        }
        res.keep_alive(keep_alive);
        reply(std::move(res));
    });
}

Response App::get_problem(const std::string& id, const Query& q) {
    std::optional<std::int64_t> version;
    if (auto v = param(q, "version")) {
        version = to_int(*v);
        if (!version || *version < 1) return error(400, "version must be a positive integer");
    }
    auto row = store_.problem(id, version);
    if (!row) return error(404, "problem not found");
    json o = Problems::describe(*row);
    json versions = json::array();
    for (const auto& v : store_.problem_versions(id)) versions.push_back(v.version);
    o["versions"] = versions;
    return json_response(200, dump(o));
}

Response App::list_problems() {
    json arr = json::array();
    for (const auto& row : store_.problems()) arr.push_back(Problems::describe(row));
    return json_response(200, dump(arr));
}

Response App::delete_problem(const std::string& id) {
    auto removed = problems_.remove(id);
    if (!removed) return error(404, "problem not found");
    if (!*removed) return error(409, "problem is in use by queued or running submissions");
    return json_response(200, dump(json{{"id", id}, {"deleted", true}}));
}

const std::vector<App::Route>& App::routes() {
    using A = Auth;
    using V = http::verb;
    constexpr auto route_health = [](App& a, Call& c) { a.health(c.reply); };
    // Probes need no token (a kubelet carries none). Metrics need the
    // authentication token when one is configured (a scraper can send it as
    // a query parameter). A path is looked up by its first row; its other
    // rows list the other methods (405 with Allow for the rest).
    static const std::vector<Route> table = {
        {V::get, "/health", A::none, route_health},
        {V::get, "/health/ready", A::none, route_health},
        {V::get, "/health/live", A::none,
         [](App&, Call& c) { c.done(json_response(200, R"({"status":"ok"})")); }},
        {V::get, "/metrics", A::authn,
         [](App& a, Call& c) { c.done(text(200, a.metrics_.render(), "text/plain; version=0.0.4; charset=utf-8")); }},
        {V::post, "/submissions", A::authn,
         [](App& a, Call& c) {
             bool later = false;
             Response res = a.create(c.req, c.q, c.reply, &later);
             if (!later) c.done(std::move(res));
         }},
        {V::get, "/submissions", A::authz, [](App& a, Call& c) { c.done(a.list(c.q)); }},
        {V::post, "/submissions/batch", A::authn,
         [](App& a, Call& c) {
             bool later = false;
             Response res = a.create_batch(c.req, c.q, c.reply, &later);
             if (!later) c.done(std::move(res));
         }},
        {V::get, "/submissions/batch", A::authn, [](App& a, Call& c) { c.done(a.get_batch(c.q)); }},
        {V::get, "/submissions/{}", A::authn, [](App& a, Call& c) { c.done(a.get_one(c.arg, c.q)); }},
        {V::delete_, "/submissions/{}", A::operator_, [](App& a, Call& c) { c.done(a.remove(c.arg, c.q)); }},
        {V::post, "/problems", A::operator_, [](App& a, Call& c) { a.upload_problem(c); }},
        {V::get, "/problems", A::authn, [](App& a, Call& c) { c.done(a.list_problems()); }},
        {V::get, "/problems/{}", A::authn, [](App& a, Call& c) { c.done(a.get_problem(c.arg, c.q)); }},
        {V::delete_, "/problems/{}", A::operator_, [](App& a, Call& c) { c.done(a.delete_problem(c.arg)); }},
        {V::get, "/languages", A::authn, [](App& a, Call& c) { c.done(a.languages(false)); }},
        {V::get, "/languages/all", A::authn, [](App& a, Call& c) { c.done(a.languages(true)); }},
        {V::get, "/languages/{}", A::authn, [](App& a, Call& c) { c.done(a.language(c.arg)); }},
        {V::get, "/statuses", A::authn,
         [](App&, Call& c) {
             json arr = json::array();
             for (int id = 1; id <= 14; ++id) arr.push_back(json{{"id", id}, {"description", status_description(id)}});
             c.done(json_response(200, dump(arr)));
         }},
        {V::get, "/about", A::authn,
         [](App& a, Call& c) {
             c.done(json_response(200, dump(json{{"version", judge0_api_version},
                                                 {"homepage", "https://github.com/judge0/judge0"},
                                                 {"source_code", "https://github.com/judge0/judge0"},
                                                 {"maintainer", "judged"},
                                                 {"judged_release", a.cfg_.release}})));
         }},
        {V::get, "/version", A::authn,
         [](App&, Call& c) { c.done(text(200, judge0_api_version, "text/plain; charset=utf-8")); }},
        {V::get, "/config_info", A::authn,
         [](App& a, Call& c) { c.done(json_response(200, config_info_json(a.cfg_))); }},
        {V::get, "/system_info", A::authn, [](App&, Call& c) { c.done(json_response(200, system_info_json())); }},
        {V::get, "/statistics", A::authn,
         [](App& a, Call& c) {
             const auto it = c.q.find("invalidate_cache");
             c.done(a.statistics(it != c.q.end() && it->second == "true"));
         }},
        {V::get, "/isolate", A::authn,
         [](App& a, Call& c) { c.done(text(200, sandbox_identity(a.cfg_.release), "text/plain; charset=utf-8")); }},
        {V::get, "/workers", A::authn, [](App& a, Call& c) { c.done(a.workers_info()); }},
        {V::get, "/openapi.yaml", A::authn,
         [](App&, Call& c) { c.done(text(200, openapi_yaml(), "application/yaml; charset=utf-8")); }},
        {V::post, "/authenticate", A::authn, [](App&, Call& c) { c.done(empty(200)); }},  // passed already
        {V::post, "/authorize", A::authn,
         [](App& a, Call& c) { c.done(empty(a.authorized(c.req, c.q) ? 200 : 403)); }},
    };
    return table;
}

namespace {

// `path` against a route pattern; a "{}" pattern captures the last segment.
bool matches(std::string_view pattern, std::string_view path, std::string* arg) {
    if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == "{}") {
        const std::string_view prefix = pattern.substr(0, pattern.size() - 2);
        if (path.substr(0, prefix.size()) != prefix || path.size() == prefix.size()) return false;
        *arg = std::string(path.substr(prefix.size()));
        return true;
    }
    return path == pattern || (path.size() == pattern.size() + 1 && path.back() == '/' &&
                               path.substr(0, pattern.size()) == pattern);
}

}  // namespace

void App::handle(Request&& req, Reply reply) {
    // Cross-origin requests first, as Judge0's Rack::Cors: a refused origin
    // is answered here, an admitted one's answers all carry its headers.
    if (const auto o = req.find(http::field::origin); o != req.end()) {
        const std::string origin(o->value());
        if (!origins_.admits(origin)) {
            Response res = error(403, "origin " + origin + " is not allowed (ALLOW_ORIGIN / DISALLOW_ORIGIN)");
            res.set(http::field::vary, "Origin");
            res.keep_alive(req.keep_alive());
            return reply(std::move(res));
        }
        if (is_preflight(req)) return reply(preflight_answer(req, origins_));
        reply = [allow = origins_.allow_origin_value(origin), next = std::move(reply)](Response&& res) {
            add_cors_headers(allow, res);
            next(std::move(res));
        };
    }
    const std::string target(req.target());
    const auto qmark = target.find('?');
    const std::string path = target.substr(0, qmark);
    if (cfg_.role == "worker" && path != "/health" && path != "/health/live" && path != "/metrics") {
        Response res = error(404, "this node's role is worker: it serves /health, /health/live and /metrics only");
        res.keep_alive(req.keep_alive());
        return reply(std::move(res));
    }
    const Query q = qmark == std::string::npos ? Query{} : judge0::parse_query(std::string_view(target).substr(qmark + 1));
    Call call{req, q, {}, std::move(reply)};

    // The path's first matching row names its pattern; the method picks
    // the row among those with that pattern.
    const Route* found = nullptr;
    const char* pattern = nullptr;
    std::string allow;
    for (const Route& r : routes()) {
        if (pattern ? std::string_view(r.pattern) != pattern : !matches(r.pattern, path, &call.arg)) continue;
        pattern = r.pattern;
        if (r.method == req.method()) found = &r;
        if (!allow.empty()) allow += ", ";
        allow += std::string(http::to_string(r.method));
    }
    if (pattern) allow += ", OPTIONS";
    if (pattern && req.method() == http::verb::options) {  // what the path serves; needs no token
        Response res = empty(200);
        res.set(http::field::allow, allow);
        return call.done(std::move(res));
    }
    if (!found || found->auth != Auth::none) {
        if (!authenticated(req, q)) return call.done(empty(401));
    }
    if (!pattern) return call.done(error(404, "no route for " + std::string(req.method_string()) + " " + path));
    if (!found) {
        Response res = error(405, "method " + std::string(req.method_string()) + " not allowed on " + path);
        res.set(http::field::allow, allow);
        return call.done(std::move(res));
    }
    if (found->auth == Auth::authz && !authorized(req, q)) return call.done(empty(403));
    if (found->auth == Auth::operator_) {
        if (cfg_.authz_tokens.empty())
            return call.done(error(403, std::string(found->pattern) +
                                            ": operator routes are refused until an authorization token "
                                            "(AUTHZ_TOKEN) is configured on the server"));
        if (!authorized(req, q)) return call.done(empty(403));
    }
    try {
        found->handler(*this, call);
    } catch (const StoreError&) {
        return call.done(store_failure(std::current_exception(), "", "the store failed; see the server's log"));
    }
}

}  // namespace server
