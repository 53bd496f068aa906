#include "qkdlab/qkd/ldpc.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "ldpc_decoder.h"
#include "qkdlab/core/error.h"
#include "qkdlab/qkd/key_rate.h"

namespace qkdlab::qkd {
namespace {

// The QBER the decoder's channel LLR log((1 - q) / q) is computed with is at least this.
constexpr double MIN_LLR_QBER = 1e-4;
// The LLR magnitude of a shortened symbol (known to both): large against any message (<= ~7).
constexpr float SHORTENED_LLR = 40.0f;

std::string str(std::size_t value) { return std::to_string(value); }

// The LLR of a bit known with confidence `magnitude`: +magnitude for a 0, -magnitude for a 1, by a
// sign flip rather than a branch on the bit (key bits are random: a branch is mispredicted on half).
float signed_llr(float magnitude, bool one) {
    return std::bit_cast<float>(std::bit_cast<std::uint32_t>(magnitude) ^ (std::uint32_t{one} << 31));
}

// The checks of the mother code of design rate `rate`: round(N (1 - R0)).
std::uint32_t checks_for_rate(std::uint32_t frame_bits, double rate) {
    return static_cast<std::uint32_t>(std::lround(frame_bits * (1 - rate)));
}

// Keys shorter than one full frame use a shorter mother code: frame_bits / 2^j, down to this.
constexpr std::uint32_t MIN_LADDER_BITS = 1024;

LdpcCodeParameters mother_code(const LdpcOptions& options, std::uint32_t frame_bits, double rate) {
    return {frame_bits, checks_for_rate(frame_bits, rate), options.code_seed};
}

// Whether `bits` is a code length the options allow: frame_bits / 2^j, at least
// min(frame_bits, MIN_LADDER_BITS).
bool on_ladder(std::uint32_t bits, const LdpcOptions& options) {
    for (std::uint32_t length = options.frame_bits; length >= std::min(options.frame_bits, MIN_LADDER_BITS);
         length /= 2) {
        if (bits == length) return true;
        if (length % 2 != 0) break;
    }
    return false;
}

// Which variables of a frame are punctured, shortened (with their values) and key bits.
struct FrameLayout {
    std::vector<std::uint32_t> punctured, shortened, key_positions;
    core::BitVector shortened_values;  // N bits; read at the shortened positions only
};

FrameLayout frame_layout(const LdpcCode& code, const LdpcFrame& frame) {
    const std::size_t n = code.bits();
    FrameLayout layout;
    const std::span<const std::uint32_t> order = code.puncturing_order();
    layout.punctured.assign(order.begin(), order.begin() + frame.punctured);
    std::vector<std::uint8_t> role(n, 0);  // 0 key, 1 punctured, 2 shortened
    for (std::uint32_t v : layout.punctured) role[v] = 1;
    if (frame.shortened > 0) {
        const std::vector<std::uint32_t> shuffled = shuffled_order(n, frame.shortening_seed);
        layout.shortened.reserve(frame.shortened);
        for (std::size_t i = 0; layout.shortened.size() < frame.shortened; ++i) {
            if (role[shuffled[i]] != 0) continue;
            role[shuffled[i]] = 2;
            layout.shortened.push_back(shuffled[i]);
        }
        layout.shortened_values = random_mask(n, frame.shortening_seed + 1);
    }
    // Every v written, the count advanced for key bits only: no branch to mispredict at the
    // punctured and shortened ones.
    layout.key_positions.resize(n);
    std::size_t keys = 0;
    for (std::uint32_t v = 0; v < n; ++v) {
        layout.key_positions[keys] = v;
        keys += role[v] == 0 ? 1 : 0;
    }
    layout.key_positions.resize(keys);
    return layout;
}

// Syndrome bits that count as leakage: M less the punctured columns (the first `punctured` of the
// puncturing order) proven independent.
std::size_t frame_leakage(const LdpcCode& code, std::uint32_t punctured) {
    return code.checks() - peeled_column_rank(code, code.puncturing_order().first(punctured));
}

// frame_leakage once per (code, punctured): a key's frames share one or two of them, and the
// peeling (about 2% of reconciliation when done per frame) need not be redone for each.
class FrameLeakage {
  public:
    std::size_t operator()(const LdpcCode& code, std::uint32_t punctured) {
        const auto [entry, inserted] = known_.try_emplace({code.parameters(), punctured}, 0);
        if (inserted) entry->second = frame_leakage(code, punctured);
        return entry->second;
    }

  private:
    std::map<std::pair<LdpcCodeParameters, std::uint32_t>, std::size_t> known_;
};

void check_qber(double estimated_qber) {
    if (!(estimated_qber >= 0 && estimated_qber < 0.5)) {
        throw Error("ldpc: estimated QBER " + std::to_string(estimated_qber) + " outside [0, 0.5)");
    }
}

// A frame plan: the mother code, p and s for a frame of `key_bits` key bits.
struct FramePlan {
    std::shared_ptr<const LdpcCode> code;
    std::uint32_t punctured = 0;
    std::uint32_t shortened = 0;
};

// Rate adaptation (Elkouss, Martinez-Mateo and Martin 2010): with k key bits, p punctured and s
// shortened, k = N - p - s and R = (N - M - s) / (N - p - s), so k (1 - R) = M - p: the frame meets
// R* when p = M - round(k (1 - R*)). Among the mother codes with 0 <= p <= its puncturing capacity
// and s >= 0, the one with the fewest punctured symbols (the highest rate) is taken: shortened
// symbols help the decoder, punctured ones cost it. When no code can puncture that much (R* above
// every mother rate), the highest-rate code punctures all it can and the frame leaks more; when even
// the lowest-rate code has too few checks, it is used unpunctured and leaks less (f below target).
FramePlan plan_frame(std::uint32_t frame_bits, std::size_t key_bits, double target_rate, const LdpcOptions& options) {
    std::vector<double> rates = options.mother_rates;
    std::sort(rates.begin(), rates.end(), std::greater<>());
    const auto wanted = static_cast<std::int64_t>(std::llround(static_cast<double>(key_bits) * (1 - target_rate)));
    const auto n = static_cast<std::int64_t>(frame_bits), k = static_cast<std::int64_t>(key_bits);
    for (double rate : rates) {
        const std::int64_t m = checks_for_rate(frame_bits, rate);
        const std::int64_t p = m - wanted;
        if (p < 0 || p + k > n) continue;
        std::shared_ptr<const LdpcCode> code = ldpc_code(mother_code(options, frame_bits, rate));
        if (p > static_cast<std::int64_t>(code->puncturing_order().size())) break;
        return {code, static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(n - p - k)};
    }
    if (wanted > static_cast<std::int64_t>(checks_for_rate(frame_bits, rates.back()))) {
        return {ldpc_code(mother_code(options, frame_bits, rates.back())), 0, static_cast<std::uint32_t>(n - k)};
    }
    std::shared_ptr<const LdpcCode> code = ldpc_code(mother_code(options, frame_bits, rates.front()));
    const auto p =
        static_cast<std::uint32_t>(std::min<std::int64_t>({static_cast<std::int64_t>(code->puncturing_order().size()),
                                                           n - k, static_cast<std::int64_t>(code->checks())}));
    return {code, p, static_cast<std::uint32_t>(n - p - k)};
}

// Bob's checks of Alice's message against his key and options (see ldpc_decode in ldpc.h).
void validate(const LdpcSyndromes& syndromes, std::size_t bob_bits, const LdpcOptions& options) {
    if (syndromes.key_bits != bob_bits) {
        throw Error("ldpc: the syndromes are for a key of " + str(syndromes.key_bits) + " bits, Bob's has " +
                    str(bob_bits));
    }
    std::size_t total = 0, leaked = 0;
    FrameLeakage leakage;
    for (std::size_t i = 0; i < syndromes.frames.size(); ++i) {
        const LdpcFrame& frame = syndromes.frames[i];
        const std::string where = "ldpc: frame " + str(i) + ": ";
        if (!on_ladder(frame.code.bits, options) || frame.code.seed != options.code_seed ||
            std::none_of(options.mother_rates.begin(), options.mother_rates.end(),
                         [&](double rate) { return checks_for_rate(frame.code.bits, rate) == frame.code.checks; })) {
            throw Error(where + "code of " + str(frame.code.bits) + " bits and " + str(frame.code.checks) +
                        " checks is not one of the mother codes of the options");
        }
        const std::shared_ptr<const LdpcCode> code = ldpc_code(frame.code);
        if (frame.punctured > code->puncturing_order().size() ||
            std::size_t{frame.punctured} + frame.shortened >= frame.code.bits) {
            throw Error(where + str(frame.punctured) + " punctured and " + str(frame.shortened) +
                        " shortened symbols do not fit the code (at most " + str(code->puncturing_order().size()) +
                        " punctured, fewer than " + str(frame.code.bits) + " in all)");
        }
        if (frame.syndrome.size() != frame.code.checks) {
            throw Error(where + "syndrome of " + str(frame.syndrome.size()) + " bits, the code has " +
                        str(frame.code.checks) + " checks");
        }
        total += frame.key_bits();
        leaked += leakage(*code, frame.punctured);
    }
    if (total != bob_bits) {
        throw Error("ldpc: the frames hold " + str(total) + " key bits, Bob's key has " + str(bob_bits));
    }
    if (leaked != syndromes.leaked_bits) {
        throw Error("ldpc: the syndromes claim " + str(syndromes.leaked_bits) + " leaked bits, the frames leak " +
                    str(leaked));
    }
}

}  // namespace

void check(const LdpcOptions& options) {
    if (options.frame_bits < 64 || options.frame_bits > (1u << 24)) {
        throw ConfigError("/frame_bits", std::to_string(options.frame_bits) + " outside [64, 2^24]");
    }
    if (options.mother_rates.empty()) throw ConfigError("/mother_rates", "empty; expected rates in [0.3, 0.98]");
    for (std::size_t i = 0; i < options.mother_rates.size(); ++i) {
        const double rate = options.mother_rates[i];
        const std::uint32_t checks = checks_for_rate(options.frame_bits, rate);
        if (!(rate >= 0.3 && rate <= 0.98) || checks == 0) {
            throw ConfigError("/mother_rates/" + std::to_string(i),
                              std::to_string(rate) + " outside [0.3, 0.98] or no check at this frame length");
        }
    }
    if (!(options.target_efficiency > 1 && options.target_efficiency <= 2)) {
        throw ConfigError("/target_efficiency", std::to_string(options.target_efficiency) + " outside (1, 2]");
    }
    if (!(options.adaptation_fraction >= 0 && options.adaptation_fraction <= 0.5)) {
        throw ConfigError("/adaptation_fraction", std::to_string(options.adaptation_fraction) + " outside [0, 0.5]");
    }
    if (options.max_iterations < 1 || options.max_iterations > 10000) {
        throw ConfigError("/max_iterations", std::to_string(options.max_iterations) + " outside [1, 10000]");
    }
}

LdpcSyndromes ldpc_syndromes(const core::BitVector& alice_key, double estimated_qber, const LdpcOptions& options,
                             core::Rng& rng) {
    check(options);
    check_qber(estimated_qber);
    if (alice_key.empty()) throw Error("ldpc: Alice's key is empty");
    const std::size_t n = alice_key.size();
    const double target_rate = std::max(0.0, 1 - options.target_efficiency * binary_entropy(estimated_qber));
    // Key bits per full frame of a code of length N: N (1 - delta), fewer if even the lowest-rate
    // code has too few checks for that many bits at R* (k (1 - R*) <= M_max).
    const double lowest_rate = *std::min_element(options.mother_rates.begin(), options.mother_rates.end());
    const auto full_frame = [&](std::uint32_t length) {
        double full = std::floor(length * (1 - options.adaptation_fraction));
        full = std::min(full, std::floor(checks_for_rate(length, lowest_rate) / (1 - target_rate)));
        return static_cast<std::size_t>(std::max(1.0, full));
    };
    // A key that fits one frame takes the shortest code on the ladder that holds it.
    std::uint32_t length = options.frame_bits;
    while (length % 2 == 0 && length / 2 >= std::min(options.frame_bits, MIN_LADDER_BITS) &&
           n <= full_frame(length / 2)) {
        length /= 2;
    }
    // Frames of equal size (to one bit), so that no short last frame needs heavy puncturing.
    const std::size_t frames = (n + full_frame(length) - 1) / full_frame(length);
    const std::size_t base = n / frames, longer = n % frames;
    const FramePlan long_plan = plan_frame(length, base + 1, target_rate, options);
    const FramePlan short_plan = plan_frame(length, base, target_rate, options);

    LdpcSyndromes out;
    out.key_bits = n;
    FrameLeakage leakage;
    for (std::size_t f = 0, begin = 0; f < frames; ++f) {
        const std::size_t k = f < longer ? base + 1 : base;
        const FramePlan& plan = f < longer ? long_plan : short_plan;
        const LdpcCode& code = *plan.code;
        LdpcFrame frame;
        frame.code = code.parameters();
        frame.punctured = plan.punctured;
        frame.shortened = plan.shortened;
        frame.shortening_seed = rng();
        const FrameLayout layout = frame_layout(code, frame);
        core::BitVector word(code.bits());
        for (std::size_t i = 0; i < k; ++i) word[layout.key_positions[i]] = alice_key[begin + i];
        for (std::uint32_t v : layout.shortened) word[v] = layout.shortened_values[v];
        for (std::size_t i = 0; i < layout.punctured.size(); i += 64) {
            const std::uint64_t bits = rng();
            for (std::size_t j = i; j < std::min(i + 64, layout.punctured.size()); ++j) {
                word[layout.punctured[j]] = ((bits >> (j - i)) & 1u) != 0;
            }
        }
        frame.syndrome = code.syndrome(word);
        word.wipe();
        out.leaked_bits += leakage(code, frame.punctured);
        out.frames.push_back(std::move(frame));
        begin += k;
    }
    return out;
}

LdpcDecoding ldpc_decode(const core::BitVector& bob_key, const LdpcSyndromes& syndromes, double estimated_qber,
                         const LdpcOptions& options) {
    check(options);
    check_qber(estimated_qber);
    validate(syndromes, bob_key.size(), options);
    const double q = std::max(estimated_qber, MIN_LLR_QBER);
    // The channel LLR of a key bit: log(P(Alice's bit = Bob's) / P(differs)).
    const auto channel = static_cast<float>(std::log((1 - q) / q));
    LdpcDecoding out;
    out.corrected_key = bob_key;
    out.frame_decoded.reserve(syndromes.frames.size());
    LdpcDecoder decoder;
    std::vector<float> llr;
    std::size_t begin = 0;
    for (const LdpcFrame& frame : syndromes.frames) {
        const std::shared_ptr<const LdpcCode> code = ldpc_code(frame.code);
        const std::shared_ptr<const LdpcSchedule> schedule = ldpc_schedule(frame.code);
        const FrameLayout layout = frame_layout(*code, frame);
        llr.assign(code->bits(), 0.0f);  // punctured symbols: no information
        for (std::size_t i = 0; i < layout.key_positions.size(); ++i) {
            llr[layout.key_positions[i]] = signed_llr(channel, bob_key[begin + i]);
        }
        for (std::uint32_t v : layout.shortened) llr[v] = signed_llr(SHORTENED_LLR, layout.shortened_values[v]);
        const auto [iterations, decoded] = decoder.run(*schedule, frame.syndrome, llr, options.max_iterations);
        out.iterations += iterations;
        out.edge_updates += iterations * code->edges();
        out.frame_decoded.push_back(decoded);
        if (decoded) {
            for (std::size_t i = 0; i < layout.key_positions.size(); ++i) {
                out.corrected_key[begin + i] = std::signbit(llr[layout.key_positions[i]]);
            }
        }
        begin += layout.key_positions.size();
    }
    return out;
}

core::BitVector keep_decoded_frames(const core::BitVector& key, const LdpcSyndromes& syndromes,
                                    const std::vector<bool>& frame_decoded) {
    if (key.size() != syndromes.key_bits || frame_decoded.size() != syndromes.frames.size()) {
        throw Error("ldpc: a key of " + str(key.size()) + " bits and " + str(frame_decoded.size()) +
                    " frame flags for syndromes of " + str(syndromes.key_bits) + " bits in " +
                    str(syndromes.frames.size()) + " frames");
    }
    core::BitVector kept;
    kept.reserve(key.size());
    std::size_t begin = 0;
    for (std::size_t f = 0; f < syndromes.frames.size(); ++f) {
        const std::size_t k = syndromes.frames[f].key_bits();
        if (frame_decoded[f]) {
            for (std::size_t i = begin; i < begin + k; ++i) kept.push_back(key[i]);
        }
        begin += k;
    }
    return kept;
}

ReconciliationResult ldpc_reconcile(const core::BitVector& alice_key, const core::BitVector& bob_key,
                                    double estimated_qber, const LdpcOptions& options, core::Rng& rng) {
    if (alice_key.size() != bob_key.size()) {
        throw Error("ldpc: Alice's key has " + str(alice_key.size()) + " bits and Bob's " + str(bob_key.size()));
    }
    const LdpcSyndromes syndromes = ldpc_syndromes(alice_key, estimated_qber, options, rng);
    LdpcDecoding decoding = ldpc_decode(bob_key, syndromes, estimated_qber, options);
    ReconciliationResult result;
    result.frames = syndromes.frames.size();
    std::size_t begin = 0;
    for (std::size_t f = 0; f < result.frames; ++f) {
        const std::size_t k = syndromes.frames[f].key_bits();
        bool wrong = !decoding.frame_decoded[f];
        for (std::size_t i = begin; i < begin + k && !wrong; ++i) wrong = decoding.corrected_key[i] != alice_key[i];
        result.frame_errors += wrong;
        begin += k;
    }
    result.corrected_key = keep_decoded_frames(decoding.corrected_key, syndromes, decoding.frame_decoded);
    decoding.corrected_key.wipe();
    result.success =
        std::find(decoding.frame_decoded.begin(), decoding.frame_decoded.end(), true) != decoding.frame_decoded.end();
    if (!result.success) result.corrected_key.wipe();
    result.leaked_bits = syndromes.leaked_bits + result.frames;
    result.round_trips = 1;
    const std::size_t n = bob_key.size();
    result.efficiency = reconciliation_efficiency(result.leaked_bits, n, estimated_qber);
    const double true_qber = static_cast<double>(alice_key.hamming_distance(bob_key)) / static_cast<double>(n);
    result.efficiency_true_qber = reconciliation_efficiency(result.leaked_bits, n, true_qber);
    return result;
}

}  // namespace qkdlab::qkd
