#include "ldpc_decoder.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <map>
#include <mutex>
#include <numbers>

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
// Theory", 2008, section 4.5). Evaluated piecewise by cubics in m in [1, 2) on 32 segments: the 16
// octaves [2^-14, 4) (m the mantissa: phi is steep near 0, where a uniform grid would cap every
// large message and left frames stuck at f* = 1.5) and the 16 unit intervals [4, 20) (m = 1 +
// the fraction: phi ~ 2 e^-x, which one cubic per octave would fit badly in relative terms).
// Coefficients interpolate phi at the 4 Chebyshev points of each segment; the largest error is
// 8e-4 (at x near 2-4; the logarithmic table of 3200 entries this replaces erred by up to 4e-3).
// x below 2^-14 reads phi(2^-14) = 10.4, the largest message; x above 20 reads phi(20) = 4e-9.
// 32 segments fit one two-register permute per coefficient in AVX-512 (no memory access); that
// replaced two table gathers per edge, half of the decoder's time. Horner's steps are fused
// multiply-adds (a shorter dependency chain: 8% less time per edge update in the AVX-512 kernel).
class PhiSegments {
  public:
    static constexpr std::size_t SEGMENTS = 32, OCTAVES = 16, DEGREE = 3;
    static constexpr float LOWEST = 0x1p-14f, SPLIT = 4.0f, HIGHEST = 0x1.3ffffep4f;  // just below 20
    // The exponent field of LOWEST: octave k holds exponent fields LOWEST_EXPONENT + k.
    static constexpr std::uint32_t LOWEST_EXPONENT = std::bit_cast<std::uint32_t>(LOWEST) >> 23;
    static constexpr std::uint32_t MANTISSA = 0x007fffffu, ONE = 0x3f800000u;

    PhiSegments() {
        for (std::size_t k = 0; k < SEGMENTS; ++k) {
            // x = scale m + shift over m in [1, 2).
            const double scale = k < OCTAVES ? std::ldexp(static_cast<double>(LOWEST), static_cast<int>(k)) : 1.0;
            const double shift = k < OCTAVES ? 0.0 : static_cast<double>(SPLIT) + static_cast<double>(k - OCTAVES) - 1;
            // Solve the Vandermonde system at the Chebyshev points (Gauss-Jordan, partial pivoting).
            std::array<std::array<double, DEGREE + 2>, DEGREE + 1> rows{};
            for (std::size_t i = 0; i <= DEGREE; ++i) {
                const double m = 1.5 + 0.5 * std::cos((2.0 * static_cast<double>(i) + 1) * std::numbers::pi /
                                                      (2.0 * (DEGREE + 1)));
                const double x = scale * m + shift;
                for (std::size_t j = 0; j <= DEGREE; ++j) rows[i][j] = std::pow(m, static_cast<double>(j));
                rows[i][DEGREE + 1] = std::log((std::exp(x) + 1) / std::expm1(x));
            }
            for (std::size_t i = 0; i <= DEGREE; ++i) {
                std::size_t pivot = i;
                for (std::size_t r = i + 1; r <= DEGREE; ++r) {
                    if (std::fabs(rows[r][i]) > std::fabs(rows[pivot][i])) pivot = r;
                }
                std::swap(rows[i], rows[pivot]);
                for (std::size_t r = 0; r <= DEGREE; ++r) {
                    if (r == i) continue;
                    const double factor = rows[r][i] / rows[i][i];
                    for (std::size_t j = i; j <= DEGREE + 1; ++j) rows[r][j] -= factor * rows[i][j];
                }
            }
            for (std::size_t j = 0; j <= DEGREE; ++j) {
                coefficients_[j][k] = static_cast<float>(rows[j][DEGREE + 1] / rows[j][j]);
            }
        }
    }
    // The SEGMENTS coefficients of m^j.
    const float* coefficients(std::size_t j) const { return coefficients_[j].data(); }

    // phi(x) for x >= 0 (a negative difference of rounded sums reads as LOWEST too).
    float operator()(float x) const {
        const float c = std::min(std::max(x, LOWEST), HIGHEST);
        std::uint32_t segment;
        float m;
        if (c < SPLIT) {
            segment = (bits_of(c) >> 23) - LOWEST_EXPONENT;
            m = float_of((bits_of(c) & MANTISSA) | ONE);
        } else {
            const float whole = std::floor(c);
            segment = static_cast<std::uint32_t>(static_cast<std::int32_t>(whole)) + (OCTAVES - 4);
            m = (c - whole) + 1.0f;
        }
        float p = coefficients_[DEGREE][segment];
        for (std::size_t j = DEGREE; j-- > 0;) p = std::fma(p, m, coefficients_[j][segment]);
        return p > 0.0f ? p : 0.0f;  // as the vector max (MAXPS) does it, to the sign of a zero
    }

  private:
    std::array<std::array<float, SEGMENTS>, DEGREE + 1> coefficients_{};
};

const PhiSegments& phi_segments() {
    static const PhiSegments phi;
    return phi;
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

// Group g's slots in a sweep: its edges (LANES per degree), their variables and messages, and
// scratch for each edge's q and phi(|q|).
struct GroupSlots {
    std::size_t edges;
    const std::uint32_t* variables;
    float* messages;
    float* extrinsic;
    float* magnitude;
};

GroupSlots group_slots(const Sweep& sweep, std::size_t g) {
    const LdpcSchedule::Group group = sweep.groups[g];
    const std::size_t edges = LANES * group.degree;
    return {edges, sweep.slot_variables + group.first_slot, sweep.messages + group.first_slot, sweep.scratch,
            sweep.scratch + edges};
}

// One sweep, the lanes in plain loops. Per group: q = posterior - old message per edge, the sum of
// phi(|q|) and the xor of the signs (with the syndrome bit) per lane; then each edge's message
// phi(sum - phi(|q|)) with the sign of the others, the posterior q + message, and the parity of the
// new hard decisions. Returns SIGN if some check's new hard decisions missed its syndrome bit.
// Cloned for processors with FMA, where phi's std::fma is one instruction rather than a library
// call (which made the kernel 1.6-1.9x slower); both clones round alike (fma is exact).
#if defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("fma", "default")))
#endif
std::uint32_t sweep_portable(const Sweep& sweep) {
    const PhiSegments& phi = phi_segments();
    std::uint32_t unsatisfied = 0;
    for (std::size_t g = 0; g < sweep.groups.size(); ++g) {
        const auto [edges, variables, messages, extrinsic, magnitude] = group_slots(sweep, g);
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
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// PhiSegments::operator() on 16 lanes: the segment's coefficients picked from registers.
struct PhiAvx512 {
    __m512 coefficients[2 * (PhiSegments::DEGREE + 1)];  // per power: segments 0-15, 16-31
};

__attribute__((target("avx512f"))) inline PhiAvx512 load_phi_avx512(const PhiSegments& phi) {
    PhiAvx512 out;
    for (std::size_t j = 0; j <= PhiSegments::DEGREE; ++j) {
        out.coefficients[2 * j] = _mm512_loadu_ps(phi.coefficients(j));
        out.coefficients[2 * j + 1] = _mm512_loadu_ps(phi.coefficients(j) + 16);
    }
    return out;
}

__attribute__((target("avx512f"))) inline __m512 phi_avx512(__m512 x, const PhiAvx512& phi) {
    const __m512 c = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(PhiSegments::LOWEST)),
                                   _mm512_set1_ps(PhiSegments::HIGHEST));
    const __mmask16 small = _mm512_cmp_ps_mask(c, _mm512_set1_ps(PhiSegments::SPLIT), _CMP_LT_OQ);
    const __m512i octave = _mm512_sub_epi32(_mm512_srli_epi32(_mm512_castps_si512(c), 23),
                                            _mm512_set1_epi32(static_cast<int>(PhiSegments::LOWEST_EXPONENT)));
    const __m512 mantissa = _mm512_castsi512_ps(
        _mm512_or_si512(_mm512_and_si512(_mm512_castps_si512(c), _mm512_set1_epi32(PhiSegments::MANTISSA)),
                        _mm512_set1_epi32(PhiSegments::ONE)));
    const __m512 whole = _mm512_roundscale_ps(c, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512i unit = _mm512_add_epi32(_mm512_cvttps_epi32(whole),
                                          _mm512_set1_epi32(static_cast<int>(PhiSegments::OCTAVES - 4)));
    const __m512 fraction = _mm512_add_ps(_mm512_sub_ps(c, whole), _mm512_set1_ps(1.0f));
    const __m512i segment = _mm512_mask_blend_epi32(small, unit, octave);
    const __m512 m = _mm512_mask_blend_ps(small, fraction, mantissa);
    constexpr std::size_t D = PhiSegments::DEGREE;
    __m512 p = _mm512_permutex2var_ps(phi.coefficients[2 * D], segment, phi.coefficients[2 * D + 1]);
    for (std::size_t j = D; j-- > 0;) {
        const __m512 coefficient =
            _mm512_permutex2var_ps(phi.coefficients[2 * j], segment, phi.coefficients[2 * j + 1]);
        p = _mm512_fmadd_ps(p, m, coefficient);
    }
    return _mm512_max_ps(p, _mm512_setzero_ps());
}

// sweep_portable with the 16 lanes in one AVX-512 vector. The posteriors are gathered and scattered
// by the slots' variables (distinct within a group) with scalar loads and stores: on this AMD EPYC
// the AVX-512 gather and scatter instructions are microcoded and slower than 16 scalar accesses
// (1.3 against 1.0 ns per edge update, decoder alone; the scatter was the slower of the two).
__attribute__((target("avx512f"))) std::uint32_t sweep_avx512(const Sweep& sweep) {
    const PhiAvx512 phi = load_phi_avx512(phi_segments());
    float* const posteriors = sweep.posteriors;  // held in a register across the scalar stores
    const __m512i sign_bit = _mm512_set1_epi32(static_cast<int>(SIGN));
    __m512i unsatisfied = _mm512_setzero_si512();
    for (std::size_t g = 0; g < sweep.groups.size(); ++g) {
        const auto [edges, variables, messages, extrinsic, magnitude] = group_slots(sweep, g);
        const __m512i syndrome = _mm512_loadu_si512(sweep.syndrome_signs + LANES * g);
        __m512i sign = syndrome, parity = syndrome;
        __m512 sum = _mm512_setzero_ps();
        for (std::size_t e = 0; e < edges; e += LANES) {
            alignas(64) float in[LANES];
            for (std::size_t l = 0; l < LANES; ++l) in[l] = posteriors[variables[e + l]];
            const __m512 q = _mm512_sub_ps(_mm512_load_ps(in), _mm512_loadu_ps(messages + e));
            _mm512_storeu_ps(extrinsic + e, q);
            const __m512 f = phi_avx512(_mm512_castsi512_ps(_mm512_andnot_si512(sign_bit, _mm512_castps_si512(q))), phi);
            _mm512_storeu_ps(magnitude + e, f);
            sum = _mm512_add_ps(sum, f);
            sign = _mm512_xor_si512(sign, _mm512_castps_si512(q));
        }
        for (std::size_t e = 0; e < edges; e += LANES) {
            const __m512 q = _mm512_loadu_ps(extrinsic + e);
            const __m512 f = phi_avx512(_mm512_sub_ps(sum, _mm512_loadu_ps(magnitude + e)), phi);
            const __m512i others = _mm512_and_si512(_mm512_xor_si512(sign, _mm512_castps_si512(q)), sign_bit);
            const __m512 message = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(f), others));
            _mm512_storeu_ps(messages + e, message);
            const __m512 posterior = _mm512_add_ps(q, message);
            alignas(64) float out[LANES];
            _mm512_store_ps(out, posterior);
            for (std::size_t l = 0; l < LANES; ++l) posteriors[variables[e + l]] = out[l];
            parity = _mm512_xor_si512(parity, _mm512_castps_si512(posterior));
        }
        unsatisfied = _mm512_or_si512(unsatisfied, parity);
    }
    return static_cast<std::uint32_t>(_mm512_reduce_or_epi32(unsatisfied)) & SIGN;
}
#pragma GCC diagnostic pop
#endif

// Whether the hard decisions (negative reads 1) have the syndrome; stops at the first group with a
// failed check, so it costs little until the decoder is close. The slots are read in memory order
// (a group's lanes side by side).
bool has_syndrome(const LdpcSchedule& schedule, const float* posteriors, const std::uint32_t* syndrome_signs) {
    const std::uint32_t* variables = schedule.slot_variables().data();
    for (std::size_t g = 0; g < schedule.groups().size(); ++g) {
        const LdpcSchedule::Group group = schedule.groups()[g];
        std::array<std::uint32_t, LANES> parity{};
        for (std::size_t l = 0; l < LANES; ++l) parity[l] = syndrome_signs[LANES * g + l];
        for (std::size_t e = group.first_slot; e < group.first_slot + LANES * group.degree; e += LANES) {
            for (std::size_t l = 0; l < LANES; ++l) parity[l] ^= bits_of(posteriors[variables[e + l]]);
        }
        std::uint32_t unsatisfied = 0;
        for (std::size_t l = 0; l < LANES; ++l) unsatisfied |= parity[l];
        if ((unsatisfied & SIGN) != 0) return false;
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
    std::vector<std::vector<std::uint32_t>> variable_groups(bits_);  // the groups holding each variable
    std::vector<std::vector<std::uint32_t>> members;                  // per group, its checks
    std::vector<std::uint32_t> barred;  // barred[g] == c + 1: group g shares a variable with check c
    for (const auto& [degree, checks] : by_degree) {
        widest_degree_ = std::max(widest_degree_, degree);
        const std::size_t first = members.size();
        std::size_t open = first;  // groups before it are full
        for (std::uint32_t c : checks) {
            const std::span<const std::uint32_t> variables = code.check_variables(c);
            for (std::uint32_t v : variables) {
                for (std::uint32_t g : variable_groups[v]) barred[g] = c + 1;
            }
            std::size_t g = open;
            while (g < members.size() && (members[g].size() == LANES || barred[g] == c + 1)) ++g;
            if (g == members.size()) {
                members.emplace_back();
                barred.push_back(0);
            }
            members[g].push_back(c);
            for (std::uint32_t v : variables) variable_groups[v].push_back(static_cast<std::uint32_t>(g));
            while (open < members.size() && members[open].size() == LANES) ++open;
        }
        for (std::size_t g = first; g < members.size(); ++g) {
            const std::vector<std::uint32_t>& lanes = members[g];
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
