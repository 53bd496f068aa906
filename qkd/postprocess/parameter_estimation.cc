#include "qkdlab/qkd/parameter_estimation.h"

#include <gsl/gsl_cdf.h>

#include <algorithm>
#include <bit>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <string>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/key_rate.h"

namespace qkdlab::qkd {
namespace {

using Word = core::BitVector::Word;
constexpr std::size_t WORD_BITS = core::BitVector::WORD_BITS;

// True if h(e_ph) + f h(e_bit) leaves no key (either rate at 1/2 or above leaves none).
bool leaves_no_key(double phase_upper, double bit_upper, double f) {
    if (phase_upper >= 0.5 || bit_upper >= 0.5) return true;
    return binary_entropy(phase_upper) + f * binary_entropy(bit_upper) >= 1;
}

// The x in (0, 1) where an increasing function of x crosses `target`, by bisection to the precision
// of a double (GSL 2.7's gsl_cdf_beta_Pinv / Qinv fail to converge for ordinary arguments, e.g.
// Qinv(0.025, 32, 969) for 31 errors in 1000, and then call the abort handler; the incomplete beta
// function gsl_cdf_beta_P / Q that they invert is accurate, so we invert it here).
template <class Increasing>
double invert(Increasing f, double target) {
    double low = 0, high = 1;
    for (int i = 0; i < 2000; ++i) {
        const double mid = low + (high - low) / 2;
        if (mid <= low || mid >= high || high - low <= 1e-14 * high) break;
        (f(mid) < target ? low : high) = mid;
    }
    return low + (high - low) / 2;
}

}  // namespace

QberInterval clopper_pearson(std::uint64_t errors, std::uint64_t bits, double failure_probability) {
    if (errors > bits) {
        throw Error("clopper_pearson: " + std::to_string(errors) + " errors in " + std::to_string(bits) + " bits");
    }
    if (!(failure_probability > 0 && failure_probability < 1)) {
        throw Error("clopper_pearson: failure probability " + std::to_string(failure_probability) +
                    "; expected a value in (0, 1)");
    }
    QberInterval out;
    out.bits = bits;
    out.errors = errors;
    if (bits == 0) return out;
    const auto k = static_cast<double>(errors), n = static_cast<double>(bits);
    const double tail = failure_probability / 2;
    out.qber = k / n;
    // lower: P_beta(x; k, n - k + 1) = tail; upper: Q_beta(x; k + 1, n - k) = tail (Q decreases in x).
    if (errors > 0) out.lower = invert([&](double x) { return gsl_cdf_beta_P(x, k, n - k + 1); }, tail);
    if (errors < bits) out.upper = invert([&](double x) { return -gsl_cdf_beta_Q(x, k + 1, n - k); }, -tail);
    return out;
}

double qber_limit(double reconciliation_efficiency) {
    if (!(reconciliation_efficiency >= 1) || !std::isfinite(reconciliation_efficiency)) {
        throw Error("qber_limit: reconciliation efficiency " + std::to_string(reconciliation_efficiency) +
                    "; expected f >= 1");
    }
    // (1 + f) h(e) rises from 0 at e = 0 to 1 + f > 1 at e = 1/2: bisect to double precision.
    double low = 0, high = 0.5;
    for (int i = 0; i < 200 && high - low > 1e-16; ++i) {
        const double mid = (low + high) / 2;
        ((1 + reconciliation_efficiency) * binary_entropy(mid) < 1 ? low : high) = mid;
    }
    return (low + high) / 2;
}

void check(const EstimationOptions& options) {
    if (!(options.sample_fraction > 0 && options.sample_fraction < 1)) {
        throw ConfigError("/sample_fraction",
                          "is " + std::to_string(options.sample_fraction) + "; expected a value in (0, 1)");
    }
    if (!(options.failure_probability > 0 && options.failure_probability < 1)) {
        throw ConfigError("/failure_probability",
                          "is " + std::to_string(options.failure_probability) + "; expected a value in (0, 1)");
    }
    if (!(options.reconciliation_efficiency >= 1) || !std::isfinite(options.reconciliation_efficiency)) {
        throw ConfigError("/reconciliation_efficiency",
                          "is " + std::to_string(options.reconciliation_efficiency) + "; expected f >= 1");
    }
}

std::string to_string(AbortReason reason) {
    switch (reason) {
        case AbortReason::none:
            return "none";
        case AbortReason::no_key:
            return "no sifted key to sample";
        case AbortReason::qber_above_limit:
            return "QBER upper bound leaves no key";
    }
    return "unknown";
}

KeySample draw_sample(std::size_t key_bits, double sample_fraction, core::Rng& rng) {
    KeySample sample;
    sample.mask = core::BitVector(key_bits);
    if (key_bits < 2) return sample;
    const auto wanted = static_cast<std::size_t>(std::llround(sample_fraction * static_cast<double>(key_bits)));
    sample.bits = std::clamp<std::size_t>(wanted, 1, key_bits - 1);
    // Floyd's algorithm (Bentley and Floyd, Commun. ACM 30, 754 (1987)): a uniform k-subset with k draws.
    for (std::size_t j = key_bits - sample.bits; j < key_bits; ++j) {
        const std::size_t t = boost::random::uniform_int_distribution<std::size_t>(0, j)(rng);
        if (sample.mask[t]) {
            sample.mask[j] = true;
        } else {
            sample.mask[t] = true;
        }
    }
    return sample;
}

core::BitVector select_bits(const core::BitVector& bits, const core::BitVector& mask, bool at_ones) {
    if (bits.size() != mask.size()) {
        throw Error("select_bits: " + std::to_string(bits.size()) + " bits and a mask of " +
                    std::to_string(mask.size()));
    }
    const std::span<const Word> in = bits.words(), m = mask.words();
    core::BitVector out;
    out.reserve(at_ones ? mask.popcount() : bits.size() - mask.popcount());
    for (std::size_t w = 0; w < in.size(); ++w) {
        Word take = at_ones ? m[w] : ~m[w];
        if (w + 1 == in.size() && bits.size() % WORD_BITS != 0) take &= (Word{1} << (bits.size() % WORD_BITS)) - 1;
        if (take == ~Word{0} && out.size() % WORD_BITS == 0) {
            out.resize(out.size() + WORD_BITS);
            out.words().back() = in[w];
            continue;
        }
        for (; take != 0; take &= take - 1) out.push_back(in[w] >> std::countr_zero(take) & 1u);
    }
    return out;
}

Disclosure disclose(const SiftedKey& own, const KeySample& sample) {
    return {select_bits(own.key, sample.mask, true), own.test};
}

ParameterEstimate assess_disclosures(const SiftedKey& own, const KeySample& sample, const Disclosure& alice,
                                     const Disclosure& bob, const EstimationOptions& options) {
    check(options);
    if (sample.mask.size() != own.key.size() || own.test_settings.size() != own.test.size()) {
        throw Error("assess_disclosures: a sample of " + std::to_string(sample.mask.size()) + " positions for " +
                    std::to_string(own.key.size()) + " key bits");
    }
    for (const Disclosure* d : {&alice, &bob}) {
        if (d->sample_bits.size() != sample.bits || d->test_bits.size() != own.test.size()) {
            throw Error("assess_disclosures: a disclosure of " + std::to_string(d->sample_bits.size()) +
                        " sample and " + std::to_string(d->test_bits.size()) + " test bits; expected " +
                        std::to_string(sample.bits) + " and " + std::to_string(own.test.size()));
        }
    }
    ParameterEstimate out;
    const double f = options.reconciliation_efficiency, eps = options.failure_probability;
    out.qber_limit = qber_limit(f);
    out.sifted_key_bits = own.key.size();
    if (sample.bits == 0) return out;  // aborted: no_key
    out.bit_error = clopper_pearson(alice.sample_bits.hamming_distance(bob.sample_bits), sample.bits, eps);
    core::BitVector differ = alice.test_bits;
    differ ^= bob.test_bits;
    std::uint64_t test_errors = 0;
    for (std::size_t i = 0; i < differ.size(); ++i) {
        BitTally& tally = out.test_by_settings[own.test_settings[i] & 63u];
        ++tally.bits;
        tally.errors += differ[i];
        test_errors += differ[i];
    }
    out.phase_error =
        own.protocol == Protocol::e91 ? out.bit_error : clopper_pearson(test_errors, own.test.size(), eps);
    out.disclosed_bits = sample.bits + own.test.size();
    if (leaves_no_key(out.phase_error.upper, out.bit_error.upper, f)) {
        out.reason = AbortReason::qber_above_limit;
        return out;
    }
    out.aborted = false;
    out.reason = AbortReason::none;
    return out;
}

ParameterEstimate estimate_parameters(const SiftedKey& alice, const SiftedKey& bob, const EstimationOptions& options,
                                      core::Rng& rng) {
    check(options);
    if (alice.key.size() != bob.key.size() || alice.key_pulse_index != bob.key_pulse_index ||
        alice.test.size() != bob.test.size() || alice.test_settings != bob.test_settings ||
        alice.test_settings.size() != alice.test.size() || alice.protocol != bob.protocol) {
        throw Error("estimate_parameters: Alice's and Bob's sifted keys come from different announcements (" +
                    std::to_string(alice.key.size()) + " and " + std::to_string(bob.key.size()) + " key bits, " +
                    std::to_string(alice.test.size()) + " and " + std::to_string(bob.test.size()) + " test bits)");
    }
    const KeySample sample = draw_sample(alice.key.size(), options.sample_fraction, rng);
    ParameterEstimate out = assess_disclosures(alice, sample, disclose(alice, sample), disclose(bob, sample), options);
    if (out.aborted) return out;
    out.alice_key = select_bits(alice.key, sample.mask, false);
    out.bob_key = select_bits(bob.key, sample.mask, false);
    out.key_pulse_index.reserve(out.alice_key.size());
    for (std::size_t i = 0; i < alice.key_pulse_index.size(); ++i) {
        if (!sample.mask[i]) out.key_pulse_index.push_back(alice.key_pulse_index[i]);
    }
    return out;
}

}  // namespace qkdlab::qkd
