#include "qkdlab/qkd/ldpc_code.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <utility>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/key_rate.h"
#include "qkdlab/qkd/reconciliation.h"

namespace qkdlab::qkd {
namespace {

constexpr double MIN_RATE = 0.3;
constexpr double MAX_RATE = 0.98;
constexpr std::uint32_t MIN_BITS = 16;
constexpr std::uint32_t MAX_BITS = std::uint32_t{1} << 24;

// The distribution family (see ldpc_degree_distribution): variables of degree 2, 3 and HEAVY_DEGREE.
// The exact published tables of Elkouss, Leverrier, Alleaume and Boutros (ISIT 2009) could not be
// retrieved while this was written, so the family below follows the rules those and Richardson,
// Shokrollahi and Urbanke ("Design of capacity-approaching irregular low-density parity-check
// codes", IEEE Trans. Inf. Theory 47, 619 (2001)) derive: as many degree-2 variables as the
// stability condition allows, a bulk of degree 3, a tail of heavy variables, check-concentrated;
// HEAVY_DEGREE and DEGREE3_SHARE were tuned by measurement here (docs/postprocessing.md).
constexpr std::uint32_t HEAVY_DEGREE = 12;
constexpr double DEGREE3_SHARE = 0.4;
// lambda_2 is this fraction of the stability bound at the design crossover probability.
// Fewer degree-2 variables than checks: degree-2 variables are edges of a graph on the checks, and
// M or more such edges must close a cycle, a codeword of low weight (found by measurement to stall
// the decoder at high rates, where the stability bound alone allows more).
constexpr double DEGREE2_PER_CHECK = 1.0;
constexpr double STABILITY_MARGIN = 0.5;
// The crossover probability a code of rate R is designed for: h(p*) = (1 - R) / DESIGN_EFFICIENCY.
constexpr double DESIGN_EFFICIENCY = 1.1;

// Edges one PEG breadth-first search may scan beyond distance 2 (it goes no deeper past that).
constexpr std::size_t PEG_BFS_BUDGET = 3000;  // checked ahead of a level and while it runs

// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): the construction's tie-breaks.
std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// A draw in [0, bound) (Lemire, ACM TOMACS 29, 2019), bound < 2^32.
std::uint32_t draw(std::uint64_t& state, std::size_t bound) {
    return static_cast<std::uint32_t>(((splitmix64(state) >> 32) * static_cast<std::uint64_t>(bound)) >> 32);
}

// The crossover probability in (0, 1/2) whose binary entropy is `entropy` (bisection).
double inverse_binary_entropy(double entropy) {
    double low = 0, high = 0.5;
    for (int i = 0; i < 60; ++i) {
        const double mid = (low + high) / 2;
        (binary_entropy(mid) < entropy ? low : high) = mid;
    }
    return (low + high) / 2;
}

// Checks of the graph under construction, bucketed by current degree, for the lowest-degree pick.
class CheckBuckets {
  public:
    explicit CheckBuckets(std::size_t checks) : degree_(checks, 0), slot_(checks) {
        buckets_.emplace_back(checks);
        std::iota(buckets_[0].begin(), buckets_[0].end(), 0u);
        std::iota(slot_.begin(), slot_.end(), 0u);
    }

    std::uint32_t degree(std::uint32_t check) const { return degree_[check]; }

    void add_edge(std::uint32_t check) {
        const std::uint32_t d = degree_[check]++;
        std::vector<std::uint32_t>& from = buckets_[d];
        const std::uint32_t last = from.back();
        from[slot_[check]] = last;
        slot_[last] = slot_[check];
        from.pop_back();
        if (buckets_.size() <= d + 1) buckets_.emplace_back();
        slot_[check] = static_cast<std::uint32_t>(buckets_[d + 1].size());
        buckets_[d + 1].push_back(check);
    }

    // A check of the lowest degree for which `excluded` is false, chosen at random among a few
    // draws, else the first such after a random start; checks.size() if every check is excluded.
    template <class Excluded>
    std::uint32_t lowest(Excluded excluded, std::uint64_t& state) const {
        for (const std::vector<std::uint32_t>& bucket : buckets_) {
            if (bucket.empty()) continue;
            for (int attempt = 0; attempt < 8; ++attempt) {
                const std::uint32_t check = bucket[draw(state, bucket.size())];
                if (!excluded(check)) return check;
            }
            const std::size_t start = draw(state, bucket.size());
            for (std::size_t i = 0; i < bucket.size(); ++i) {
                const std::uint32_t check = bucket[(start + i) % bucket.size()];
                if (!excluded(check)) return check;
            }
        }
        return static_cast<std::uint32_t>(degree_.size());
    }

  private:
    std::vector<std::uint32_t> degree_, slot_;
    std::vector<std::vector<std::uint32_t>> buckets_;
};

}  // namespace

LdpcDegreeDistribution ldpc_degree_distribution(double rate) {
    if (!(rate >= MIN_RATE && rate <= MAX_RATE)) {
        throw Error("ldpc: design rate " + std::to_string(rate) + " outside [0.3, 0.98]");
    }
    // Stability condition for the BSC (Richardson, Shokrollahi and Urbanke 2001, Theorem 5):
    // lambda'(0) rho'(1) < 1 / B with B = 2 sqrt(p (1 - p)); here rho'(1) = mean check degree - 1
    // (concentrated checks), and the mean check degree is mean variable degree / (1 - R). Solved for
    // lambda_2 by fixed-point iteration (the mean variable degree depends on lambda_2).
    const double p = inverse_binary_entropy(std::min(0.999, (1 - rate) / DESIGN_EFFICIENCY));
    const double bound = 1 / (2 * std::sqrt(p * (1 - p)));
    double lambda2 = 0.2;
    for (int i = 0; i < 50; ++i) {
        const double rest = 1 - lambda2;
        const double inverse_mean =
            lambda2 / 2 + DEGREE3_SHARE * rest / 3 + (1 - DEGREE3_SHARE) * rest / HEAVY_DEGREE;  // sum lambda_i / i
        const double check_degree = 1 / inverse_mean / (1 - rate);
        lambda2 = std::min(
            {0.5, STABILITY_MARGIN * bound / (check_degree - 1), 2 * DEGREE2_PER_CHECK * (1 - rate) * inverse_mean});
    }
    const double rest = 1 - lambda2;
    return {{2, 3, HEAVY_DEGREE}, {lambda2, DEGREE3_SHARE * rest, (1 - DEGREE3_SHARE) * rest}};
}

std::vector<std::uint32_t> ldpc_variable_degrees(std::size_t bits, std::size_t checks) {
    const LdpcDegreeDistribution distribution =
        ldpc_degree_distribution(1 - static_cast<double>(checks) / static_cast<double>(bits));
    // Node fractions from the edge perspective: Lambda_i = (lambda_i / i) / sum_j lambda_j / j.
    const std::size_t kinds = distribution.degrees.size();
    std::vector<double> share(kinds);
    double total = 0;
    for (std::size_t i = 0; i < kinds; ++i)
        total += share[i] = distribution.edge_fractions[i] / distribution.degrees[i];
    std::vector<std::size_t> count(kinds);
    std::vector<std::pair<double, std::size_t>> remainders;
    std::size_t assigned = 0;
    for (std::size_t i = 0; i < kinds; ++i) {
        const double exact = share[i] / total * static_cast<double>(bits);
        count[i] = static_cast<std::size_t>(exact);
        assigned += count[i];
        remainders.emplace_back(exact - static_cast<double>(count[i]), i);
    }
    std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (std::size_t r = 0; assigned < bits; ++r, ++assigned) ++count[remainders[r % kinds].second];
    std::vector<std::uint32_t> degrees;
    degrees.reserve(bits);
    for (std::size_t i = 0; i < kinds; ++i) {
        // A variable cannot have more checks than there are.
        const auto degree = static_cast<std::uint32_t>(std::min<std::size_t>(distribution.degrees[i], checks));
        degrees.insert(degrees.end(), count[i], degree);
    }
    std::sort(degrees.begin(), degrees.end());
    return degrees;
}

void check(const LdpcCodeParameters& parameters) {
    if (parameters.bits < MIN_BITS || parameters.bits > MAX_BITS) {
        throw Error("ldpc: code length " + std::to_string(parameters.bits) + " outside [16, 2^24]");
    }
    const double rate = 1 - static_cast<double>(parameters.checks) / parameters.bits;
    if (parameters.checks == 0 || parameters.checks >= parameters.bits || rate < MIN_RATE || rate > MAX_RATE) {
        throw Error("ldpc: " + std::to_string(parameters.checks) + " checks for " + std::to_string(parameters.bits) +
                    " bits: design rate outside [0.3, 0.98]");
    }
}

LdpcCode LdpcCode::peg(const LdpcCodeParameters& parameters) {
    check(parameters);
    const std::size_t n = parameters.bits, m = parameters.checks;
    const std::vector<std::uint32_t> degrees = ldpc_variable_degrees(n, m);
    LdpcCode code;
    code.parameters_ = parameters;
    code.variable_offsets_.resize(n + 1, 0);
    for (std::size_t v = 0; v < n; ++v) code.variable_offsets_[v + 1] = code.variable_offsets_[v] + degrees[v];
    code.variable_checks_.resize(code.variable_offsets_[n]);
    std::vector<std::vector<std::uint32_t>> rows(m);

    const double mean_degree = static_cast<double>(code.variable_checks_.size()) / static_cast<double>(n);
    CheckBuckets buckets(m);
    std::uint64_t state = parameters.seed;
    // Breadth-first search marks: a check is reached in this search when reached[c] == stamp.
    std::vector<std::uint32_t> reached(m, 0), visited(n, 0);
    std::uint32_t stamp = 0;
    std::vector<std::uint32_t> frontier, next;
    for (std::uint32_t v = 0; v < n; ++v) {
        const std::uint32_t first = code.variable_offsets_[v];
        for (std::uint32_t k = 0; k < degrees[v]; ++k) {
            ++stamp;
            std::uint32_t chosen = static_cast<std::uint32_t>(m);
            if (k == 0) {
                chosen = buckets.lowest([](std::uint32_t) { return false; }, state);
            } else {
                // Expand from v level by level: level 0 its checks, level l + 1 the checks of the
                // variables of level l.
                frontier.assign(code.variable_checks_.begin() + first, code.variable_checks_.begin() + first + k);
                for (std::uint32_t c : frontier) reached[c] = stamp;
                visited[v] = stamp;
                std::size_t reached_count = frontier.size(), work = 0;
                for (std::size_t level = 1; !frontier.empty(); ++level) {
                    if (level > 1) {
                        // The expected work of this level: the frontier's edges times the mean
                        // variable degree. Not affordable: stop here, pick among the rest.
                        std::size_t frontier_edges = 0;
                        for (std::uint32_t c : frontier) frontier_edges += rows[c].size();
                        if (static_cast<double>(frontier_edges) * mean_degree > PEG_BFS_BUDGET) break;
                    }
                    next.clear();
                    bool over_budget = false;
                    for (std::uint32_t c : frontier) {
                        for (std::uint32_t u : rows[c]) {
                            if (visited[u] == stamp) continue;
                            visited[u] = stamp;
                            const std::uint32_t* checks = code.variable_checks_.data() + code.variable_offsets_[u];
                            const std::uint32_t placed = u < v ? degrees[u] : 0;
                            work += placed;
                            for (std::uint32_t j = 0; j < placed; ++j) {
                                if (reached[checks[j]] != stamp) {
                                    reached[checks[j]] = stamp;
                                    next.push_back(checks[j]);
                                }
                            }
                        }
                        if (level > 1 && work > PEG_BFS_BUDGET) {
                            over_budget = true;
                            break;
                        }
                    }
                    if (over_budget) {
                        // Too deep to afford: forget this level's checks, pick among the rest.
                        for (std::uint32_t c : next) reached[c] = 0;
                        break;
                    }
                    if (reached_count + next.size() == m) {
                        // Every check is within reach: pick among the farthest (this level's).
                        std::uint32_t best = std::numeric_limits<std::uint32_t>::max();
                        std::size_t ties = 0;
                        for (std::uint32_t c : next) {
                            const std::uint32_t d = buckets.degree(c);
                            if (d < best) {
                                best = d;
                                ties = 0;
                            }
                            // Reservoir sampling among the lowest-degree checks of the level.
                            if (d == best && draw(state, ++ties) == 0) chosen = c;
                        }
                        break;
                    }
                    reached_count += next.size();
                    std::swap(frontier, next);
                }
                if (chosen == m) {
                    chosen = buckets.lowest([&](std::uint32_t c) { return reached[c] == stamp; }, state);
                }
            }
            assert(chosen < m);
            code.variable_checks_[first + k] = chosen;
            rows[chosen].push_back(v);
            buckets.add_edge(chosen);
        }
        std::sort(code.variable_checks_.begin() + first, code.variable_checks_.begin() + first + degrees[v]);
    }
    code.check_offsets_.resize(m + 1, 0);
    for (std::size_t c = 0; c < m; ++c) {
        code.check_offsets_[c + 1] = code.check_offsets_[c] + static_cast<std::uint32_t>(rows[c].size());
    }
    code.check_variables_.reserve(code.check_offsets_[m]);
    for (std::vector<std::uint32_t>& row : rows) {
        std::sort(row.begin(), row.end());
        code.check_variables_.insert(code.check_variables_.end(), row.begin(), row.end());
    }
    code.index_columns();
    return code;
}

// Untainted puncturing (Elkouss et al. 2012): variables in ascending degree, random order within a
// degree (from the code's seed), each taken when none of its checks already has a punctured
// variable; taking v taints every variable that shares a check with it.
void LdpcCode::index_columns() {
    const std::size_t n = bits();
    std::vector<std::uint32_t> order = shuffled_order(n, parameters_.seed ^ 0x5bd1e995u);
    std::stable_sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
        return variable_checks(a).size() < variable_checks(b).size();
    });
    std::vector<bool> tainted(n, false);
    for (std::uint32_t v : order) {
        if (tainted[v]) continue;
        puncturing_order_.push_back(v);
        for (std::uint32_t c : variable_checks(v)) {
            for (std::uint32_t u : check_variables(c)) tainted[u] = true;
        }
    }
}

core::BitVector LdpcCode::syndrome(const core::BitVector& word) const {
    assert(word.size() == bits());
    core::BitVector syndrome(checks());
    for (std::size_t c = 0; c < checks(); ++c) {
        bool parity = false;
        for (std::uint32_t v : check_variables(c)) parity ^= word[v];
        syndrome[c] = parity;
    }
    return syndrome;
}

std::shared_ptr<const LdpcCode> ldpc_code(const LdpcCodeParameters& parameters) {
    check(parameters);
    // One slot per parameter set; the slot's once_flag makes concurrent callers wait for one build
    // while builds of other parameters go on.
    struct Slot {
        std::once_flag built;
        std::shared_ptr<const LdpcCode> code;
    };
    static std::mutex mutex;
    static std::map<LdpcCodeParameters, std::shared_ptr<Slot>> cache;
    std::shared_ptr<Slot> slot;
    {
        const std::lock_guard<std::mutex> lock(mutex);
        std::shared_ptr<Slot>& entry = cache[parameters];
        if (!entry) entry = std::make_shared<Slot>();
        slot = entry;
    }
    std::call_once(slot->built, [&] { slot->code = std::make_shared<const LdpcCode>(LdpcCode::peg(parameters)); });
    return slot->code;
}

std::size_t peeled_column_rank(const LdpcCode& code, std::span<const std::uint32_t> punctured) {
    // remaining[c]: how many not-yet-peeled punctured columns check c holds; a check with exactly
    // one proves that column independent of all the others still remaining.
    std::vector<std::uint32_t> remaining(code.checks(), 0);
    std::vector<std::uint8_t> is_punctured(code.bits(), 0);
    for (std::uint32_t v : punctured) {
        if (v >= code.bits() || is_punctured[v]) continue;
        is_punctured[v] = 1;
        for (std::uint32_t c : code.variable_checks(v)) ++remaining[c];
    }
    std::vector<std::uint32_t> queue;
    for (std::uint32_t c = 0; c < code.checks(); ++c) {
        if (remaining[c] == 1) queue.push_back(c);
    }
    std::size_t peeled = 0;
    while (!queue.empty()) {
        const std::uint32_t c = queue.back();
        queue.pop_back();
        if (remaining[c] != 1) continue;
        for (std::uint32_t v : code.check_variables(c)) {
            if (is_punctured[v] != 1) continue;
            is_punctured[v] = 2;  // peeled
            ++peeled;
            for (std::uint32_t d : code.variable_checks(v)) {
                if (--remaining[d] == 1) queue.push_back(d);
            }
            break;
        }
    }
    return peeled;
}

}  // namespace qkdlab::qkd
