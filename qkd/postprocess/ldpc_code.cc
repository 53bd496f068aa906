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
#include "qkdlab/qkd/reconciliation.h"

namespace qkdlab::qkd {
namespace {

constexpr double MIN_RATE = 0.3;
constexpr double MAX_RATE = 0.98;
constexpr std::uint32_t MIN_BITS = 16;
constexpr std::uint32_t MAX_BITS = std::uint32_t{1} << 24;

// Variable degree distributions (edge perspective) for the BSC, one per design rate. Rates 0.80-0.95:
// designed for qkdlab by scripts/ldpc_design/ldpc_de_design.cc, discretised density evolution of
// the sum-product decoder (Richardson and Urbanke, IEEE Trans. Inf. Theory 47, 599 (2001); Chung,
// Forney, Richardson and Urbanke, IEEE Commun. Lett. 5, 58 (2001)) capped at 200 flooding
// iterations, with the iterative linear programme over lambda at concentrated checks (Richardson,
// Shokrollahi and Urbanke, IEEE Trans. Inf. Theory 47, 619 (2001); Ardakani and Kschischang, IEEE
// Trans. Commun. 52, 2106 (2004)) and fewer degree-2 variables than checks, started from qkdlab's
// earlier EXIT-chart designs. Rates 0.50-0.75: those EXIT-chart designs (Gaussian approximation,
// scripts/ldpc_design history), kept because at 0.70-0.75 the density-evolution designs decoded
// worse in the shortened frames they serve (docs/postprocessing.md). threshold: density
// evolution's p* (same program); f at threshold, (1 - R) / h(p*), in the comment.
struct TabulatedDistribution {
    double rate;
    double threshold;
    std::vector<std::pair<std::uint32_t, double>> lambda;
};

const std::vector<TabulatedDistribution>& tabulated_distributions() {
    static const std::vector<TabulatedDistribution> table{
        {0.50,
         0.09503,
         {{2, 0.17077}, {3, 0.16464}, {6, 0.17694}, {7, 0.02704}, {15, 0.18371}, {60, 0.27691}}},  // f 1.1037
        {0.55,
         0.08166,
         {{2, 0.15833},
          {3, 0.16964},
          {6, 0.14147},
          {7, 0.06032},
          {15, 0.18772},
          {20, 0.00158},
          {60, 0.28093}}},  // f 1.1030
        {0.60,
         0.07290,
         {{2, 0.13571},
          {3, 0.19917},
          {7, 0.15896},
          {8, 0.05184},
          {15, 0.12029},
          {20, 0.04651},
          {60, 0.28752}}},  // f 1.0620
        {0.65,
         0.06049,
         {{2, 0.11515},
          {3, 0.22212},
          {8, 0.22121},
          {10, 0.01057},
          {15, 0.04113},
          {20, 0.10797},
          {60, 0.28185}}},  // f 1.0625
        {0.70,
         0.04843,
         {{2, 0.09500}, {3, 0.23935}, {8, 0.11709}, {10, 0.14352}, {20, 0.10932}, {60, 0.29572}}},  // f 1.0726
        {0.75,
         0.03725,
         {{2, 0.07600}, {3, 0.25400}, {8, 0.01049}, {10, 0.27924}, {25, 0.07546}, {60, 0.30482}}},  // f 1.0892
        {0.80,
         0.02963,
         {{2, 0.05588},
          {3, 0.22630},
          {8, 0.04855},
          {10, 0.27730},
          {30, 0.17831},
          {40, 0.00604},
          {50, 0.10000},
          {60, 0.10760}}},  // f 1.0389
        {0.85,
         0.02050,
         {{2, 0.03812},
          {3, 0.21504},
          {8, 0.04464},
          {10, 0.27244},
          {30, 0.17906},
          {50, 0.01047},
          {60, 0.24024}}},  // f 1.0400
        {0.90,
         0.01231,
         {{2, 0.02405},
          {3, 0.20823},
          {8, 0.07451},
          {10, 0.24521},
          {25, 0.06061},
          {30, 0.14597},
          {60, 0.24142}}},  // f 1.0447
        {0.95,
         0.00491,
         {{2, 0.01570},
          {3, 0.28648},
          {8, 0.16172},
          {10, 0.30030},
          {12, 0.02540},
          {15, 0.05000},
          {20, 0.05000},
          {25, 0.01108},
          {30, 0.09931}}},  // f 1.1188
    };
    return table;
}

// Edges one PEG breadth-first search may scan beyond distance 2 (it goes no deeper past that).
constexpr std::size_t PEG_BFS_BUDGET = 3000;  // checked ahead of a level and while it runs
// Edges the distance-2 level may scan: the heavy variables of the tabulated distributions (degree
// up to 60) would otherwise scan ~10^5 edges per new edge; past this, a 4-cycle is allowed for them.
constexpr std::size_t PEG_DISTANCE2_BUDGET = 20000;

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
    // The tabulated distribution of the nearest design rate (below 0.5 the 0.5 one, above 0.95 the
    // 0.95 one), normalised (the table is rounded to 5 decimals).
    const std::vector<TabulatedDistribution>& table = tabulated_distributions();
    const TabulatedDistribution* nearest = &table.front();
    for (const TabulatedDistribution& entry : table) {
        if (std::fabs(entry.rate - rate) < std::fabs(nearest->rate - rate) - 1e-9) nearest = &entry;
    }
    LdpcDegreeDistribution out;
    double total = 0;
    for (const auto& [degree, fraction] : nearest->lambda) total += fraction;
    for (const auto& [degree, fraction] : nearest->lambda) {
        out.degrees.push_back(degree);
        out.edge_fractions.push_back(fraction / total);
    }
    return out;
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
                        if (work > (level > 1 ? PEG_BFS_BUDGET : PEG_DISTANCE2_BUDGET)) {
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
