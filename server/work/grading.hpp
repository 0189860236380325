// Between a stored submission and the judge core: a Record becomes a
// judge::Submission (toolchain from the catalog, limits in the judge's units,
// tests written as files), and a judge::JudgeResult becomes the Record's
// outputs on the Judge0 surface (status id, stdout, time, memory, message)
// plus our extension fields (verdict_json, test_results_json).
//
// Thread-safety: pure functions apart from the files they write.
// Errors: to_judge_submission throws std::invalid_argument for a record the
// judge cannot take (unknown language, a zip that does not unpack) — the
// worker reports it as Internal Error, since the API checked it already.
#pragma once

#include <string>

#include "judge/contest.hpp"
#include "judge/languages.hpp"
#include "judge/pipeline.hpp"
#include "server/config.hpp"
#include "server/record.hpp"

namespace server {

// How a submission's tests are laid out: with `tests_json` each item is a
// test; without, the single stdin/expected_output is the test, repeated
// number_of_runs times (stopping at the first failure, as Judge0 does).
// Test files go into `dir` (an existing empty folder the caller removes).
judge::Submission to_judge_submission(const Record& r, const judge::Catalog& catalog, const Config& cfg,
                                      const std::string& dir);

// Fills r's outputs from the judge's result.
void apply_result(Record& r, const judge::JudgeResult& res);

// The judge::Submission of a problem submission: toolchain and source
// (the problem's own limits and tests apply).
judge::Submission to_problem_submission(const Record& r, const judge::Catalog& catalog, const Config& cfg);

// Fills r's outputs from a problem's grading: Judge0 status of the verdict,
// the deciding test's run fields, and problem_result_json (verdict, score,
// groups, tests).
void apply_contest_result(Record& r, const judge::ContestResult& res, const judge::Problem& p);

// An Internal Error result (the judge itself failed): status 13, the message.
void apply_internal_error(Record& r, const std::string& message);

// The additional files of a record, unpacked (plain names only: the pipeline
// puts them beside the source). Throws std::invalid_argument naming the
// entry for an archive the judge cannot use.
std::vector<judge::ExtraFile> unpack_additional_files(const std::string& zip_bytes, const Config& cfg);

}  // namespace server
