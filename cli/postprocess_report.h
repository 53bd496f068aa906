#pragma once
// What `qkdlab link --postprocess` and `qkdlab node` share: the post-processing options, the report
// of a block as JSON and text, and the key sink they write (a JSON file of key blocks).

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "qkdlab/qkd/key_block.h"
#include "qkdlab/qkd/postprocess.h"

namespace qkdlab::cli {

struct PostprocessInput {
    std::string reconciliation = "cascade";
    double sample_fraction = 0.1;
    double failure_probability = 1e-10;
    double epsilon_sec = 1e-10;
    double epsilon_cor = 1e-15;
};

// Adds --reconciliation, --sample-fraction, --pe-failure, --epsilon-sec and --epsilon-cor.
void add_postprocess_options(CLI::App& app, PostprocessInput& input);

// The options for a link: the abort rule uses the link's error_correction_efficiency. Throws
// qkdlab::Error (ConfigError for a value out of range, named as its command-line option).
qkd::PostprocessOptions postprocess_options(const PostprocessInput& input, const qkd::Link& link);

// One party's report: every stage, and the rates per emulated second and per pulse.
nlohmann::ordered_json block_json(const qkd::BlockReport& report);
// Both parties' reports in one object: Alice's figures, and keys_identical from the confirmation.
nlohmann::ordered_json run_json(const qkd::PostprocessRun& run);
// The blocks of one run: totals over them (sums; qber and f pooled; aborted when no block gave a
// key, with the first block's reason; keys_identical when every confirmed block agreed) and each
// block's run_json under "blocks".
nlohmann::ordered_json blocks_json(const std::vector<qkd::PostprocessRun>& runs);
// block_text of a single block, or a line per block and the totals.
std::string blocks_text(const std::vector<qkd::PostprocessRun>& runs);
// A few lines for the text output.
std::string block_text(const qkd::BlockReport& report);

// Collects key blocks and writes them, at the end, to a JSON file (schema qkdlab.keys/1) that
// appears whole or not at all. Each block: id, bits, the key in hex (byte j holds key bits 8j to
// 8j + 7, bit 8j the least significant), epsilon_sec, epsilon_cor, link, block index and time.
class KeyFileSink : public qkd::KeySink {
  public:
    KeyFileSink(std::string path, std::string party) : path_(std::move(path)), party_(std::move(party)) {}
    ~KeyFileSink() override;
    KeyFileSink(const KeyFileSink&) = delete;
    KeyFileSink& operator=(const KeyFileSink&) = delete;
    void deliver(qkd::KeyBlock block) override;
    // Writes the file (nothing when the path is empty).
    void write(std::ostream& out) const;

  private:
    std::string path_;
    std::string party_;
    std::vector<qkd::KeyBlock> blocks_;
};

}  // namespace qkdlab::cli
