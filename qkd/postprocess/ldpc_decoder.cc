#include "ldpc_decoder.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <map>
#include <mutex>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace qkdlab::qkd {
namespace {

constexpr std::size_t LANES = LdpcSchedule::LANES;
constexpr std::uint32_t SIGN = 0x80000000u;
// The LLR of a padding variable: known 0, large against any message (<= ~15).
constexpr float PADDING_LLR = 40.0f;

std::uint32_t bits_of(float x) { return std::bit_cast<std::uint32_t>(x); }
float float_of(std::uint32_t bits) { return std::bit_cast<float>(bits); }

// phi(x) = -log(tanh(x / 2)) = log((e^x + 1) / (e^x - 1)), its own inverse: the check update of the
// sum-product algorithm in the log domain (Gallager 1963; Richardson and Urbanke, "Modern Coding
// Theory", 2008, section 4.5). Tabulated on a logarithmic grid, indexed by the float's exponent and
// its top 7 mantissa bits (relative step 2^-7 in x, at the bins' geometric midpoints), over
// [2^-20, 2^5): phi is steep near 0, where a uniform grid would cap every large message (and left
// frames stuck at f* = 1.5). 3200 entries (12.5 KiB) stay in the L1 cache; a lookup is a clamp, a
// shift and a load, or one gather for 16 lanes.
class PhiTable {
  public:
    static constexpr int SHIFT = 16;  // keeps sign, exponent and 7 mantissa bits
    static constexpr float LOWEST = 0x1p-20f;
    static constexpr float HIGHEST = 0x1.fcp4f;  // just below 32
    static constexpr std::uint32_t FIRST = std::bit_cast<std::uint32_t>(LOWEST) >> SHIFT;
    static constexpr std::uint32_t BINS = (std::bit_cast<std::uint32_t>(HIGHEST) >> SHIFT) - FIRST + 1;

    PhiTable() {
        for (std::uint32_t i = 0; i < BINS; ++i) {
            const double low = std::bit_cast<float>((FIRST + i) << SHIFT);
            const double high = std::bit_cast<float>((FIRST + i + 1) << SHIFT);
            const double x = std::sqrt(low * high);
            table_[i] = static_cast<float>(std::log((std::exp(x) + 1) / std::expm1(x)));
        }
    }
    const float* data() const { return table_.data(); }
    // phi(x) for x >= 0; anything below LOWEST (a negative difference of rounded sums too) reads
    // phi(LOWEST).
    float operator()(float x) const { return table_[(bits_of(std::clamp(x, LOWEST, HIGHEST)) >> SHIFT) - FIRST]; }

  private:
    std::array<float, BINS> table_{};
};

const PhiTable& phi_table() {
    static const PhiTable table;
    return table;
}

// What one sweep over all groups reads and writes.
struct Sweep {
    std::span<const LdpcSchedule::Group> groups;
    const std::uint32_t* slot_variables;
    const std::uint32_t* syndrome_signs;  // per group lane: SIGN where the check's syndrome bit is 1
    float* posteriors;                    // N + LANES (the padding variables last)
    float* messages;                      // per slot, check to variable
    float* scratch;                       // 2 LANES widest_degree floats
};

// One sweep, the lanes in plain loops. Per group: q = posterior - old message per edge, the sum of
// phi(|q|) and the xor of the signs (with the syndrome bit) per lane; then each edge's message
// phi(sum - phi(|q|)) with the sign of the others, the posterior q + message, and the parity of the
// new hard decisions. Returns SIGN if some check's new hard decisions missed its syndrome bit.
std::uint32_t sweep_portable(const Sweep& sweep) {
    const PhiTable& phi = phi_table();
    std::uint32_t unsatisfied = 0;
    for (std::size_t g = 0; g < sweep.groups.size(); ++g) {
        const std::size_t edges = LANES * sweep.groups[g].degree;
        const std::uint32_t* variables = sweep.slot_variables + sweep.groups[g].first_slot;
        float* messages = sweep.messages + sweep.groups[g].first_slot;
        float* extrinsic = sweep.scratch;
        float* magnitude = sweep.scratch + edges;
        std::array<std::uint32_t, LANES> sign{}, parity{};
        std::array<float, LANES> sum{};
        for (std::size_t l = 0; l < LANES; ++l) sign[l] = parity[l] = sweep.syndrome_signs[LANES * g + l];
        for (std::size_t e = 0; e < edges; ++e) {
            const float q = sweep.posteriors[variables[e]] - messages[e];
            extrinsic[e] = q;
            magnitude[e] = phi(float_of(bits_of(q) & ~SIGN));
            sum[e % LANES] += magnitude[e];
            sign[e % LANES] ^= bits_of(q);
        }
        for (std::size_t e = 0; e < edges; ++e) {
            const float q = extrinsic[e];
            const float message =
                float_of(bits_of(phi(sum[e % LANES] - magnitude[e])) | ((sign[e % LANES] ^ bits_of(q)) & SIGN));
            messages[e] = message;
            const float posterior = q + message;
            sweep.posteriors[variables[e]] = posterior;
            parity[e % LANES] ^= bits_of(posterior);
        }
        for (std::size_t l = 0; l < LANES; ++l) unsatisfied |= parity[l];
    }
    return unsatisfied & SIGN;
}

#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() and warn about it when inlined (GCC bug
// 105593, fixed in 12.3).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) inline __m512 phi_avx512(__m512 x, const float* table) {
    const __m512 clamped =
        _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(PhiTable::LOWEST)), _mm512_set1_ps(PhiTable::HIGHEST));
    const __m512i index = _mm512_sub_epi32(_mm512_srli_epi32(_mm512_castps_si512(clamped), PhiTable::SHIFT),
                                           _mm512_set1_epi32(static_cast<int>(PhiTable::FIRST)));
    return _mm512_i32gather_ps(index, table, 4);
}

// sweep_portable with the 16 lanes in one AVX-512 vector: the posteriors gathered and scattered by
// the slots' variables (distinct within a group), phi gathered from the table.
__attribute__((target("avx512f"))) std::uint32_t sweep_avx512(const Sweep& sweep) {
    const float* table = phi_table().data();
    const __m512i sign_bit = _mm512_set1_epi32(static_cast<int>(SIGN));
    __m512i unsatisfied = _mm512_setzero_si512();
    for (std::size_t g = 0; g < sweep.groups.size(); ++g) {
        const std::size_t edges = LANES * sweep.groups[g].degree;
        const std::uint32_t* variables = sweep.slot_variables + sweep.groups[g].first_slot;
        float* messages = sweep.messages + sweep.groups[g].first_slot;
        float* extrinsic = sweep.scratch;
        float* magnitude = sweep.scratch + edges;
        const __m512i syndrome = _mm512_loadu_si512(sweep.syndrome_signs + LANES * g);
        __m512i sign = syndrome, parity = syndrome;
        __m512 sum = _mm512_setzero_ps();
        for (std::size_t e = 0; e < edges; e += LANES) {
            const __m512i index = _mm512_loadu_si512(variables + e);
            const __m512 q =
                _mm512_sub_ps(_mm512_i32gather_ps(index, sweep.posteriors, 4), _mm512_loadu_ps(messages + e));
            _mm512_storeu_ps(extrinsic + e, q);
            const __m512 f = phi_avx512(_mm512_castsi512_ps(_mm512_andnot_si512(sign_bit, _mm512_castps_si512(q))), table);
            _mm512_storeu_ps(magnitude + e, f);
            sum = _mm512_add_ps(sum, f);
            sign = _mm512_xor_si512(sign, _mm512_castps_si512(q));
        }
        for (std::size_t e = 0; e < edges; e += LANES) {
            const __m512 q = _mm512_loadu_ps(extrinsic + e);
            const __m512 f = phi_avx512(_mm512_sub_ps(sum, _mm512_loadu_ps(magnitude + e)), table);
            const __m512i others = _mm512_and_si512(_mm512_xor_si512(sign, _mm512_castps_si512(q)), sign_bit);
            const __m512 message = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(f), others));
            _mm512_storeu_ps(messages + e, message);
            const __m512 posterior = _mm512_add_ps(q, message);
            _mm512_i32scatter_ps(sweep.posteriors, _mm512_loadu_si512(variables + e), posterior, 4);
            parity = _mm512_xor_si512(parity, _mm512_castps_si512(posterior));
        }
        unsatisfied = _mm512_or_si512(unsatisfied, parity);
    }
    return static_cast<std::uint32_t>(_mm512_reduce_or_epi32(unsatisfied)) & SIGN;
}
#pragma GCC diagnostic pop
#endif

// Whether the hard decisions (negative reads 1) have the syndrome; stops at the first failed
// check, so it costs little until the decoder is close.
bool has_syndrome(const LdpcSchedule& schedule, const float* posteriors, const std::uint32_t* syndrome_signs) {
    const std::span<const std::uint32_t> variables = schedule.slot_variables();
    for (std::size_t g = 0; g < schedule.groups().size(); ++g) {
        const LdpcSchedule::Group group = schedule.groups()[g];
        for (std::size_t l = 0; l < LANES; ++l) {
            std::uint32_t parity = syndrome_signs[LANES * g + l];
            for (std::size_t j = 0; j < group.degree; ++j) {
                parity ^= bits_of(posteriors[variables[group.first_slot + LANES * j + l]]);
            }
            if ((parity & SIGN) != 0) return false;
        }
    }
    return true;
}

}  // namespace

bool ldpc_kernel_supported(LdpcKernel kernel) {
    switch (kernel) {
        case LdpcKernel::portable:
            return true;
#if defined(__x86_64__)
        case LdpcKernel::avx512:
            return __builtin_cpu_supports("avx512f");
#endif
        default:
            return false;
    }
}

LdpcKernel best_ldpc_kernel() {
    static const LdpcKernel best =
        ldpc_kernel_supported(LdpcKernel::avx512) ? LdpcKernel::avx512 : LdpcKernel::portable;
    return best;
}

LdpcSchedule::LdpcSchedule(const LdpcCode& code) : bits_(code.bits()), checks_(code.checks()), edges_(code.edges()) {
    std::map<std::size_t, std::vector<std::uint32_t>> by_degree;
    for (std::uint32_t c = 0; c < checks_; ++c) by_degree[code.check_variables(c).size()].push_back(c);
    // owner[v]: the last group that took variable v.
    std::vector<std::uint32_t> owner(bits_, NO_CHECK);
    for (const auto& [degree, checks] : by_degree) {
        widest_degree_ = std::max(widest_degree_, degree);
        std::vector<std::uint32_t> passed, lanes;
        std::size_t next = 0;
        while (next < checks.size() || !passed.empty()) {
            const auto group = static_cast<std::uint32_t>(groups_.size());
            lanes.clear();
            const auto take = [&](std::uint32_t c) {
                const std::span<const std::uint32_t> variables = code.check_variables(c);
                if (lanes.size() == LANES ||
                    std::any_of(variables.begin(), variables.end(), [&](std::uint32_t v) { return owner[v] == group; }))
                    return false;
                for (std::uint32_t v : variables) owner[v] = group;
                lanes.push_back(c);
                return true;
            };
            std::vector<std::uint32_t> still_passed;
            for (std::uint32_t c : passed) {
                if (!take(c)) still_passed.push_back(c);
            }
            while (lanes.size() < LANES && next < checks.size()) {
                if (!take(checks[next])) still_passed.push_back(checks[next]);
                ++next;
            }
            passed = std::move(still_passed);
            groups_.push_back({static_cast<std::uint32_t>(degree), static_cast<std::uint32_t>(slot_variables_.size())});
            for (std::size_t j = 0; j < degree; ++j) {
                for (std::size_t l = 0; l < LANES; ++l) {
                    slot_variables_.push_back(l < lanes.size() ? code.check_variables(lanes[l])[j]
                                                               : static_cast<std::uint32_t>(bits_ + l));
                }
            }
            for (std::size_t l = 0; l < LANES; ++l) lane_checks_.push_back(l < lanes.size() ? lanes[l] : NO_CHECK);
        }
    }
}

std::shared_ptr<const LdpcSchedule> ldpc_schedule(const LdpcCodeParameters& parameters) {
    const std::shared_ptr<const LdpcCode> code = ldpc_code(parameters);
    // A schedule builds in milliseconds: one lock around the whole cache is enough.
    static std::mutex mutex;
    static std::map<LdpcCodeParameters, std::shared_ptr<const LdpcSchedule>> cache;
    const std::lock_guard<std::mutex> lock(mutex);
    std::shared_ptr<const LdpcSchedule>& entry = cache[parameters];
    if (!entry) entry = std::make_shared<const LdpcSchedule>(*code);
    return entry;
}

LdpcDecoder::LdpcDecoder(LdpcKernel kernel) : kernel_(kernel) { assert(ldpc_kernel_supported(kernel)); }

LdpcDecoderOutcome LdpcDecoder::run(const LdpcSchedule& schedule, const core::BitVector& syndrome,
                                    std::span<float> llr, std::size_t max_iterations) {
    assert(llr.size() == schedule.bits() && syndrome.size() == schedule.checks());
    posteriors_.assign(llr.begin(), llr.end());
    posteriors_.resize(schedule.bits() + LANES, PADDING_LLR);
    messages_.assign(schedule.slot_variables().size(), 0.0f);
    scratch_.resize(2 * LANES * schedule.widest_degree());
    const std::span<const std::uint32_t> lane_checks = schedule.lane_checks();
    syndrome_signs_.resize(lane_checks.size());
    for (std::size_t i = 0; i < lane_checks.size(); ++i) {
        syndrome_signs_[i] = lane_checks[i] != LdpcSchedule::NO_CHECK && syndrome[lane_checks[i]] ? SIGN : 0;
    }
    const Sweep sweep{schedule.groups(), schedule.slot_variables().data(), syndrome_signs_.data(), posteriors_.data(),
                      messages_.data(), scratch_.data()};
    LdpcDecoderOutcome outcome{max_iterations, false};
    for (std::size_t iteration = 1; iteration <= max_iterations; ++iteration) {
#if defined(__x86_64__)
        const std::uint32_t unsatisfied = kernel_ == LdpcKernel::avx512 ? sweep_avx512(sweep) : sweep_portable(sweep);
#else
        const std::uint32_t unsatisfied = sweep_portable(sweep);
#endif
        if (unsatisfied == 0 && has_syndrome(schedule, posteriors_.data(), syndrome_signs_.data())) {
            outcome = {iteration, true};
            break;
        }
    }
    std::copy(posteriors_.begin(), posteriors_.begin() + static_cast<std::ptrdiff_t>(llr.size()), llr.begin());
    return outcome;
}

}  // namespace qkdlab::qkd
