#include "server/app.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sandbox/sandbox.hpp"
#include "server/grading.hpp"
#include "server/log.hpp"
#include "server/openapi.hpp"

namespace server {

namespace http = boost::beast::http;
using nlohmann::json;
using Query = std::map<std::string, std::string>;

namespace {

constexpr const char* judge0_api_version = "1.13.1";

Response error(unsigned status, const std::string& message) {
    return json_response(status, json{{"error", message}}.dump());
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

std::string proc_value(const std::string& file, const std::string& key) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string k = line.substr(0, colon);
        while (!k.empty() && (k.back() == ' ' || k.back() == '\t')) k.pop_back();
        if (k != key) continue;
        std::string v = line.substr(colon + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        return v;
    }
    return "";
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

App::App(const Config& cfg, const judge::Catalog& catalog, Store& store, judge::Judge& judge)
    : cfg_(cfg), catalog_(catalog), store_(store), judge_(judge),
      callbacks_(store, cfg.callbacks_max_tries,
                 std::chrono::milliseconds(static_cast<std::int64_t>(cfg.callbacks_timeout * 1000)),
                 cfg.callbacks_allow_private, metrics_),
      problems_(store, judge, catalog, cfg.data_dir) {
    lookup_.exists = [this](int id) { return catalog_.by_id(id) != nullptr; };
    lookup_.name = [this](int id) {
        const judge::Language* l = catalog_.find(std::to_string(id));
        return l ? l->name : std::string();
    };
    queued_ = store_.count_in_queue();
    workers_ = std::make_unique<Workers>(
        store_, judge_, catalog_, cfg_, metrics_, problems_, [this] { --queued_; }, [this](const Record& r) { on_finished(r); });
    inserter_ = std::make_unique<Inserter>(store_);
    metrics_.add_gauge("judged_queue_depth", "Submissions In Queue.", [this] { return static_cast<double>(queued_); });
    metrics_.add_gauge("judged_workers_busy", "Workers judging a submission now.",
                       [this] { return static_cast<double>(workers_->busy()); });
    metrics_.add_gauge("judged_workers", "Worker threads.", [this] { return static_cast<double>(workers_->size()); });
}

App::~App() {
    inserter_.reset();  // commits what is pending; its completions use workers_
    workers_.reset();
}

void App::start_workers(unsigned n) {
    if (cfg_.enable_callbacks) callbacks_.resume();
    workers_->start(n);
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

void App::on_finished(const Record& r) {
    std::vector<std::function<void(const Record&)>> ws;
    {
        std::lock_guard lock(waiters_mu_);
        auto [b, e] = waiters_.equal_range(r.token);
        for (auto it = b; it != e; ++it) ws.push_back(std::move(it->second));
        waiters_.erase(b, e);
    }
    for (auto& w : ws) w(r);
    if (r.callback_url && cfg_.enable_callbacks) {
        try {
            json body = judge0::render(r, judge0::default_fields(), true, lookup_);
            callbacks_.send(*r.callback_url, body.dump(), r.token);
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
            errors["callback_url"].push_back("must be an http:// URL (https is not supported by this server)");
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

    json body;
    try {
        body = json::parse(req.body());
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
        return error(400, std::string("malformed JSON: ") + e.what());
    }
    judge0::Parsed p = judge0::parse_submission(body, cfg_, lookup_, base64);
    if (!p.bad_request.empty()) return error(400, p.bad_request);
    if (p.errors.empty()) check_record(p.record, p.errors);
    if (p.errors.empty()) attach_problem(body, p.record, p.errors);
    if (!p.errors.empty()) return json_response(422, json(p.errors).dump());
    if (queued_ >= cfg_.max_queue_size) return error(503, "queue is full");

    Record& r = p.record;
    r.token = new_token();
    const std::string token = r.token;
    if (wait) {
        std::lock_guard lock(waiters_mu_);
        waiters_.emplace(token, [this, reply, fields, base64](const Record& done) {
            try {
                reply(json_response(201, judge0::render(done, fields, base64, lookup_).dump()));
            } catch (const judge0::NotUtf8& e) {
                reply(json_response(400, json{{"token", done.token}, {"error", e.what()}}.dump()));
            }
        });
    }
    // Counted now, so concurrent requests see the queue as it will be.
    ++queued_;
    InsertGroup group;
    group.records.push_back(std::move(r));
    if (key) group.keys.push_back(key);
    inserter_->submit(std::move(group), [this, reply, wait, token, fields, base64](InsertGroup& g, std::exception_ptr err) {
        if (err) {
            --queued_;
            if (wait) {
                std::lock_guard lock(waiters_mu_);
                waiters_.erase(token);
            }
            try {
                std::rethrow_exception(err);
            } catch (const std::exception& e) {
                log_line("api", token, std::string("insert failed: ") + e.what());
            }
            reply(error(500, "the submission could not be stored"));
            return;
        }
        if (g.outcomes[0] != InsertGroup::Outcome::inserted) {
            --queued_;  // nothing new was queued
            if (wait) {
                std::lock_guard lock(waiters_mu_);
                waiters_.erase(token);
            }
            if (g.outcomes[0] == InsertGroup::Outcome::key_conflict) {
                reply(error(422, key_conflict_message));
                return;
            }
            answer_replay(g.records[0], wait, fields, base64, reply);
            return;
        }
        workers_->notify();
        if (!wait) reply(json_response(201, json{{"token", token}}.dump()));
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
            replayed(json_response(201, judge0::render(done, fields, base64, lookup_).dump()));
        } catch (const judge0::NotUtf8& e) {
            replayed(json_response(400, json{{"token", done.token}, {"error", e.what()}}.dump()));
        }
    };
    if (!wait) return replayed(json_response(201, json{{"token", earlier.token}}.dump()));
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
            waiters_.emplace(earlier.token, render);
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
    if (group.records.empty()) return json_response(422, out.dump());
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
            try {
                std::rethrow_exception(err);
            } catch (const std::exception& e) {
                log_line("api", "", std::string("batch insert failed: ") + e.what());
            }
            reply(error(500, "the submissions could not be stored"));
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
        reply(json_response(inserted + replayed > 0 ? 201 : 422, out.dump()));
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
        return json_response(200, judge0::render(*r, fields, base64, lookup_).dump());
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
    return json_response(200, json{{"submissions", arr}}.dump());
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
    return json_response(200, json{{"submissions", arr}, {"meta", meta}}.dump());
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
        return json_response(200, judge0::render(r, fields, base64, lookup_).dump());
    } catch (const judge0::NotUtf8&) {
        return json_response(200, judge0::render(r, fields, true, lookup_).dump());
    }
}

Response App::languages(bool all) {
    json arr = json::array();
    if (!all) {
        for (const auto& [id, l] : catalog_.offered()) arr.push_back(json{{"id", id}, {"name", l->name}});
        return json_response(200, arr.dump());
    }
    std::vector<std::pair<int, const judge::Language*>> every;
    for (const auto& l : catalog_.all())
        for (int id : l.ids) every.emplace_back(id, &l);
    std::sort(every.begin(), every.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [id, l] : every)
        arr.push_back(json{{"id", id}, {"name", l->available ? l->name : l->name_template}, {"is_archived", !l->available}});
    return json_response(200, arr.dump());
}

Response App::language(const std::string& id_text) {
    auto id = to_int(id_text);
    const judge::Language* l = id ? catalog_.find(std::to_string(*id)) : nullptr;
    if (!l) return error(404, "language not found");
    json o{{"id", *id},
           {"name", l->available ? l->name : l->name_template},
           {"is_archived", !l->available},
           {"source_file", l->source_file},
           {"compile_cmd", l->compiled() ? json(join(l->compile_argv())) : json(nullptr)},
           {"run_cmd", join(l->run_argv())}};
    return json_response(200, o.dump());
}

Response App::statistics() {
    Statistics s = store_.statistics();
    const std::string today = judge0::iso8601_ms(now_ms()).substr(0, 10);
    std::int64_t today_n = 0, last30 = 0;
    const std::string cutoff = judge0::iso8601_ms(now_ms() - 30LL * 86400 * 1000).substr(0, 10);
    for (const auto& [day, n] : s.by_day) {
        if (day == today) today_n += n;
        if (day > cutoff) last30 += n;
    }
    json langs = json::array(), statuses = json::array();
    for (const auto& [id, n] : s.by_language) {
        const judge::Language* l = catalog_.find(std::to_string(id));
        langs.push_back(json{{"language", {{"id", id}, {"name", l ? l->name : ""}}}, {"count", n}});
    }
    for (const auto& [id, n] : s.by_status) {
        const char* d = status_description(id);
        statuses.push_back(json{{"status", {{"id", id}, {"name", d ? d : ""}}}, {"count", n}});
    }
    json by_day = json::object();
    for (const auto& [day, n] : s.by_day) by_day[day] = n;
    return json_response(200, json{{"now", judge0::iso8601_ms(now_ms())},
                                   {"submissions", {{"total", s.total}, {"today", today_n}, {"last_30_days", last30}}},
                                   {"languages", langs},
                                   {"statuses", statuses},
                                   {"by_day", by_day}}
                                  .dump());
}

Response App::system_info() {
    json o = json::object();
    utsname u{};
    if (::uname(&u) == 0) {
        o["Architecture"] = u.machine;
        o["Kernel"] = std::string(u.sysname) + " " + u.release;
    }
    o["CPU(s)"] = std::to_string(::sysconf(_SC_NPROCESSORS_ONLN));
    o["Model name"] = proc_value("/proc/cpuinfo", "model name");
    o["Vendor ID"] = proc_value("/proc/cpuinfo", "vendor_id");
    o["Mem"] = proc_value("/proc/meminfo", "MemTotal");
    o["Swap"] = proc_value("/proc/meminfo", "SwapTotal");
    return json_response(200, o.dump());
}

Response App::workers_info() {
    const unsigned busy = workers_->busy(), n = workers_->size();
    json w{{"queue", "default"},
           {"size", queued_.load()},
           {"available", n},
           {"idle", n - std::min(busy, n)},
           {"working", busy},
           {"paused", 0},
           {"failed", 0}};
    return json_response(200, json::array({w}).dump());
}

Response App::health() {
    const bool store_ok = store_.writable();
    bool sandbox_ok;
    std::string sandbox_msg;
    {
        // A real box, at most every 10 s however often probes come.
        std::lock_guard lock(health_mu_);
        const auto now = std::chrono::steady_clock::now();
        if (now - health_checked_ > std::chrono::seconds(10)) {
            sandbox::RunSpec spec;
            spec.argv = {"/bin/true"};
            spec.cpu_time_ms = 2000;
            spec.wall_time_ms = 5000;
            const sandbox::RunResult r = sandbox::run(spec);
            sandbox_ok_ = r.status == sandbox::Status::ok;
            sandbox_message_ = sandbox_ok_ ? "" : r.message;
            health_checked_ = now;
        }
        sandbox_ok = sandbox_ok_;
        sandbox_msg = sandbox_message_;
    }
    const bool ok = store_ok && sandbox_ok && workers_->size() > 0;
    json o{{"status", ok ? "ok" : "unavailable"},
           {"store_writable", store_ok},
           {"sandbox_usable", sandbox_ok},
           {"workers", workers_->size()},
           {"queue", queued_.load()}};
    if (!sandbox_msg.empty()) o["sandbox_message"] = sandbox_msg;
    return json_response(ok ? 200 : 503, o.dump());
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

Response App::upload_problem(const Request& req, const Query& q) {
    if (cfg_.maintenance_mode) return error(503, "maintenance mode is on; try again later");
    try {
        ProblemRow row = problems_.upload(req.body(), param(q, "id").value_or(""));
        return json_response(201, Problems::describe(row).dump());
    } catch (const PackageError& e) {
        return json_response(422, json{{"package", {e.what()}}}.dump());
    }
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
    return json_response(200, o.dump());
}

Response App::list_problems() {
    json arr = json::array();
    for (const auto& row : store_.problems()) arr.push_back(Problems::describe(row));
    return json_response(200, arr.dump());
}

Response App::delete_problem(const std::string& id) {
    auto removed = problems_.remove(id);
    if (!removed) return error(404, "problem not found");
    if (!*removed) return error(409, "problem is in use by queued or running submissions");
    return json_response(200, json{{"id", id}, {"deleted", true}}.dump());
}

void App::handle(Request&& req, Reply reply) {
    const std::string target(req.target());
    const auto qmark = target.find('?');
    const std::string path = target.substr(0, qmark);
    const Query q = qmark == std::string::npos ? Query{} : judge0::parse_query(std::string_view(target).substr(qmark + 1));
    const http::verb m = req.method();
    auto done = [&](Response res) {
        res.keep_alive(req.keep_alive());
        reply(std::move(res));
    };

    // Probes: no auth (a kubelet carries no token). Metrics need it when it
    // is configured (a scraper can send it as a query parameter).
    if (m == http::verb::get && (path == "/health" || path == "/health/ready")) return done(health());
    if (m == http::verb::get && path == "/health/live") return done(json_response(200, R"({"status":"ok"})"));
    if (!authenticated(req, q)) return done(empty(401));
    if (m == http::verb::get && path == "/metrics")
        return done(text(200, metrics_.render(), "text/plain; version=0.0.4; charset=utf-8"));

    try {
        if (path == "/submissions" || path == "/submissions/") {
            if (m == http::verb::post) {
                bool later = false;
                Response res = create(req, q, reply, &later);
                if (!later) done(std::move(res));
                return;
            }
            if (m == http::verb::get) {
                if (!authorized(req, q)) return done(empty(403));
                return done(list(q));
            }
        } else if (path == "/submissions/batch") {
            if (m == http::verb::post) {
                bool later = false;
                Response res = create_batch(req, q, reply, &later);
                if (!later) done(std::move(res));
                return;
            }
            if (m == http::verb::get) return done(get_batch(q));
        } else if (path.rfind("/submissions/", 0) == 0) {
            const std::string token = path.substr(std::string("/submissions/").size());
            if (m == http::verb::get) return done(get_one(token, q));
            if (m == http::verb::delete_) {
                if (!authorized(req, q)) return done(empty(403));
                return done(remove(token, q));
            }
        } else if (path == "/problems" || path == "/problems/") {
            if (m == http::verb::post) {
                if (!authorized(req, q)) return done(empty(403));  // an operator's act, like deleting
                return done(upload_problem(req, q));
            }
            if (m == http::verb::get) return done(list_problems());
        } else if (path.rfind("/problems/", 0) == 0) {
            const std::string id = path.substr(std::string("/problems/").size());
            if (m == http::verb::get) return done(get_problem(id, q));
            if (m == http::verb::delete_) {
                if (!authorized(req, q)) return done(empty(403));
                return done(delete_problem(id));
            }
        } else if (m == http::verb::get && path == "/languages") {
            return done(languages(false));
        } else if (m == http::verb::get && path == "/languages/all") {
            return done(languages(true));
        } else if (m == http::verb::get && path.rfind("/languages/", 0) == 0) {
            return done(language(path.substr(std::string("/languages/").size())));
        } else if (m == http::verb::get && path == "/statuses") {
            json arr = json::array();
            for (int id = 1; id <= 14; ++id) arr.push_back(json{{"id", id}, {"description", status_description(id)}});
            return done(json_response(200, arr.dump()));
        } else if (m == http::verb::get && path == "/about") {
            return done(json_response(200, json{{"version", judge0_api_version},
                                                {"homepage", "https://github.com/judge0/judge0"},
                                                {"source_code", "https://github.com/judge0/judge0"},
                                                {"maintainer", "judged"},
                                                {"judged_release", cfg_.release}}
                                                   .dump()));
        } else if (m == http::verb::get && path == "/version") {
            return done(text(200, judge0_api_version, "text/plain; charset=utf-8"));
        } else if (m == http::verb::get && path == "/config_info") {
            return done(json_response(200, config_info_json(cfg_)));
        } else if (m == http::verb::get && path == "/system_info") {
            return done(system_info());
        } else if (m == http::verb::get && path == "/statistics") {
            return done(statistics());
        } else if (m == http::verb::get && path == "/workers") {
            return done(workers_info());
        } else if (m == http::verb::get && path == "/openapi.yaml") {
            return done(text(200, openapi_yaml(), "application/yaml; charset=utf-8"));
        } else if (m == http::verb::post && path == "/authenticate") {
            return done(empty(200));  // authentication passed above
        } else if (m == http::verb::post && path == "/authorize") {
            return done(empty(authorized(req, q) ? 200 : 403));
        }
        return done(error(404, "no route for " + std::string(req.method_string()) + " " + path));
    } catch (const StoreError& e) {
        log_line("api", "", std::string("store: ") + e.what());
        return done(error(500, "the store failed; see the server's log"));
    }
}

}  // namespace server
