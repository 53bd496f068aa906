// Designs the variable-node degree distributions of qkdlab's LDPC mother codes (the table in
// qkd/postprocess/ldpc_code.cc) for the binary symmetric channel by discretised density evolution
// and an iterative linear programme over lambda. Not part of the build; run by hand:
//
//   g++ -std=c++20 -O3 -march=native -o /tmp/ldpc_de_design scripts/ldpc_design/ldpc_de_design.cc
//   /tmp/ldpc_de_design check                       # (3,6)-regular: p* 0.084 expected
//   /tmp/ldpc_de_design threshold RATE d:l d:l ...  # p* and f* of one distribution at RATE
//   /tmp/ldpc_de_design design RATE ROUNDS d:l ...  # improve a start distribution, ROUNDS steps
//
// d:l pairs give lambda_d = l (normalised; degrees outside the design's set are added). DE_STEP,
// DE_MAX_LLR, DE_ITERATIONS in the environment change the grid and the iteration cap, DE_MEAN_STEP
// the step of the mean check degree the design tries either side (1), DE_MAX_DEGREE the largest
// degree it may use (60).
//
// Density evolution (Richardson and Urbanke, "The capacity of low-density parity-check codes under
// message-passing decoding", IEEE Trans. Inf. Theory 47, 599 (2001); discretised as in Chung,
// Forney, Richardson and Urbanke, "On the design of low-density parity-check codes within 0.0045 dB
// of the Shannon limit", IEEE Commun. Lett. 5, 58 (2001)): the densities of the sum-product
// decoder's messages (all-zero word, LLRs) on a grid of step DE_STEP (0.1) clipped to +-DE_MAX_LLR
// (25). A variable node adds its channel LLR +-log((1 - p) / p) (split between the two nearest grid
// points, which keeps its mean) to its d - 1 incoming messages: repeated discrete convolution,
// clipped. A check node combines messages pairwise by the quantised rule
// R(a, b) = Q(2 atanh(tanh(a / 2) tanh(b / 2))) in sign and magnitude, a check of degree d being
// d - 1 such steps (by squaring). Check degrees are concentrated (the two integers around the mean
// that the design rate fixes), as the PEG construction yields. A distribution converges at p when
// the error probability of the variable-to-check messages falls below 1e-7 within DE_ITERATIONS
// (200) iterations of flooding: a cap near what the decoder runs (60 layered iterations are worth
// about twice as many flooding ones), so the thresholds below count only what it can reach. The
// threshold p* is the largest such p (bisection); f* = (1 - R) / h(p*).
//
// Design (the "iterative linear programme" of Richardson, Shokrollahi and Urbanke, "Design of
// capacity-approaching irregular low-density parity-check codes", IEEE Trans. Inf. Theory 47, 619
// (2001), section III, in the one-dimensional form of Ardakani and Kschischang, "A more accurate
// one-dimensional analysis and design of irregular LDPC codes", IEEE Trans. Commun. 52, 2106
// (2004)): run density evolution of the current lambda just below its threshold and keep, per
// iteration l, the error probability x_l of the variable-to-check messages and the check-to-variable
// density Q_l. A variable of degree i then has error probability f_i(l) = Pe(channel * Q_l^(i - 1)),
// exactly, and lambda' keeps the decoder moving when sum_i lambda'_i f_i(l) <= 0.995 x_l for
// every l: linear in lambda'. At a fixed mean check degree, maximise the rate (sum_i lambda'_i / i)
// under those rows, normalisation, the stability condition lambda'_2 <= 1 / (rho'(1) 2 sqrt(p (1 - p)))
// and fewer degree-2 variables than checks (lambda'_2 / 2 <= 0.95 sum_j rho_j / j), within a trust
// region |lambda'_i - lambda_i| <= tau around lambda; bisection finds the largest p whose programme
// still reaches the design rate. This at the current mean check degree and one step either side;
// the new lambdas' true thresholds (density evolution again) decide: the best is kept when better
// than the current, else tau (first 0.05) halves. Repeat. Degrees: 2-8, 10, 12, 15, 20, 25, 30,
// 40, 50, 60.
//
// Known limit: thresholds are those of the unshortened ensemble with concentrated checks, while
// the reconciliation uses each code shortened by 10-25% (check degrees thinned binomially) at 2^16
// symbols; at rates 0.70-0.75 designs with better thresholds decoded worse there
// (docs/postprocessing.md).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

double env(const char* name, double fallback) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::atof(value) : fallback;
}

const double STEP = env("DE_STEP", 0.1);
const int HALF = static_cast<int>(std::lround(env("DE_MAX_LLR", 25.0) / STEP));  // grid index in [-HALF, HALF]
const int SIZE = 2 * HALF + 1;
const int MAX_ITERATIONS = static_cast<int>(env("DE_ITERATIONS", 200));
constexpr double TARGET_ERROR = 1e-7;

// A density on the grid: d[HALF + k] is the probability of the LLR k STEP.
using Density = std::vector<double>;

double binary_entropy(double p) { return p <= 0 || p >= 1 ? 0 : -p * std::log2(p) - (1 - p) * std::log2(1 - p); }

// Error probability of a message: P(LLR < 0) + P(LLR = 0) / 2.
double error_probability(const Density& d) {
    double e = d[HALF] / 2;
    for (int k = 0; k < HALF; ++k) e += d[k];
    return e;
}

// Rescales to total probability 1: rounding errors in the mass would otherwise grow by a factor of
// about (dc - 1)(dv - 1) per iteration.
void normalise(Density& d) {
    double total = 0;
    for (double x : d) total += x;
    for (double& x : d) x /= total;
}

// The channel density: +L with probability 1 - p, -L with p, L = log((1 - p) / p) split between its
// two neighbouring grid points so that the mean stays.
Density channel(double p) {
    const double position = std::min(std::log((1 - p) / p) / STEP, HALF - 1.0);
    const int low = static_cast<int>(std::floor(position));
    const double w = position - low;
    Density d(SIZE, 0);
    d[HALF + low] += (1 - p) * (1 - w);
    d[HALF + low + 1] += (1 - p) * w;
    d[HALF - low] += p * (1 - w);
    d[HALF - low - 1] += p * w;
    return d;
}

// a * b, clipped to the grid's ends (`buffer` holds the full convolution).
void convolve(const Density& a, const Density& b, Density& out, std::vector<double>& buffer) {
    buffer.assign(2 * SIZE - 1, 0);
    for (int i = 0; i < SIZE; ++i) {
        const double ai = a[i];
        if (ai < 1e-300) continue;
        double* row = buffer.data() + i;
        for (int j = 0; j < SIZE; ++j) row[j] += ai * b[j];
    }
    // buffer index t holds the LLR (t - 2 HALF) STEP.
    out.assign(SIZE, 0);
    for (int t = 0; t < 2 * SIZE - 1; ++t) {
        const int k = std::clamp(t - 2 * HALF, -HALF, HALF);
        out[HALF + k] += buffer[t];
    }
}

// The quantised check rule on magnitudes: R(a, b) for grid magnitudes a, b.
class CheckTable {
  public:
    CheckTable() : table_(static_cast<std::size_t>(HALF + 1) * (HALF + 1)) {
        for (int a = 0; a <= HALF; ++a) {
            for (int b = 0; b <= HALF; ++b) {
                const double t = std::tanh(a * STEP / 2) * std::tanh(b * STEP / 2);
                const double r = 2 * std::atanh(std::min(t, 1 - 1e-16));
                table_[a * (HALF + 1) + b] = std::min(static_cast<int>(std::lround(r / STEP)), std::min(a, b));
            }
        }
    }
    int operator()(int a, int b) const { return table_[a * (HALF + 1) + b]; }

  private:
    std::vector<int> table_;
};

const CheckTable& check_table() {
    static const CheckTable table;
    return table;
}

// The density of R(X, Y) for independent X ~ a, Y ~ b.
Density check_pair(const Density& a, const Density& b) {
    const CheckTable& table = check_table();
    // Sign and magnitude: plus[k], minus[k] for magnitude k (zero split evenly: its sign is moot).
    std::vector<double> ap(HALF + 1), am(HALF + 1), bp(HALF + 1), bm(HALF + 1), op(HALF + 1, 0), om(HALF + 1, 0);
    for (int k = 0; k <= HALF; ++k) {
        ap[k] = k == 0 ? a[HALF] / 2 : a[HALF + k];
        am[k] = k == 0 ? a[HALF] / 2 : a[HALF - k];
        bp[k] = k == 0 ? b[HALF] / 2 : b[HALF + k];
        bm[k] = k == 0 ? b[HALF] / 2 : b[HALF - k];
    }
    for (int i = 0; i <= HALF; ++i) {
        if (ap[i] + am[i] < 1e-300) continue;
        for (int j = 0; j <= HALF; ++j) {
            const int r = table(i, j);
            op[r] += ap[i] * bp[j] + am[i] * bm[j];
            om[r] += ap[i] * bm[j] + am[i] * bp[j];
        }
    }
    Density out(SIZE, 0);
    out[HALF] = op[0] + om[0];
    for (int k = 1; k <= HALF; ++k) {
        out[HALF + k] = op[k];
        out[HALF - k] = om[k];
    }
    return out;
}

// The check-to-variable density of checks of degree dc (edge fraction rho_low) and dc + 1 fed by p.
Density check_output(const Density& p, int dc, double rho_low) {
    // p combined n = dc - 1 times, by squaring.
    Density result, power = p;
    bool have = false;
    for (int n = dc - 1; n > 0; n >>= 1) {
        if (n & 1) {
            result = have ? check_pair(result, power) : power;
            have = true;
        }
        if (n > 1) power = check_pair(power, power);
    }
    const Density higher = check_pair(result, p);
    Density out(SIZE);
    for (int k = 0; k < SIZE; ++k) out[k] = rho_low * result[k] + (1 - rho_low) * higher[k];
    normalise(out);
    return out;
}

struct Ensemble {
    std::vector<int> degrees;
    std::vector<double> lambda;
};

// Concentrated check degrees for design rate R: edge fraction rho_low on floor(mean), the rest on
// floor(mean) + 1.
double mean_check_degree(const Ensemble& e, double rate) {
    double inverse = 0;
    for (std::size_t i = 0; i < e.degrees.size(); ++i) inverse += e.lambda[i] / e.degrees[i];
    return 1 / inverse / (1 - rate);
}
void check_profile(double mean, int& low, double& rho_low) {
    low = static_cast<int>(std::floor(mean));
    rho_low = (low + 1 - mean) * low / mean;
}

// G(t) = P(D < t) + P(D = t) / 2 at the grid points, for the linear interpolation in chart().
std::vector<double> half_cdf(const Density& d) {
    std::vector<double> g(SIZE);
    double below = 0;
    for (int k = 0; k < SIZE; ++k) {
        g[k] = below + d[k] / 2;
        below += d[k];
    }
    return g;
}

double interpolate(const std::vector<double>& g, double index) {
    const double clamped = std::clamp(index, 0.0, SIZE - 1.0);
    const int i = std::min(static_cast<int>(clamped), SIZE - 2);
    return g[i] + (clamped - i) * (g[i + 1] - g[i]);
}

// Pe(channel(p) * D) from D's half-CDF: the channel split as in channel().
double chart(const std::vector<double>& g, double p) {
    const double s = std::min(std::log((1 - p) / p) / STEP, HALF - 1.0);
    return (1 - p) * interpolate(g, HALF - s) + p * interpolate(g, HALF + s);
}

// One density-evolution run. With `charts`, keeps per iteration l the error probability x_l of the
// variable-to-check messages and, per degree, the half-CDF of Q_l^(i - 1).
struct Run {
    bool converged = false;
    int iterations = 0;
    std::vector<double> x;
    std::vector<std::vector<std::vector<double>>> g;  // [l][degree index]
};

Run evolve(const Ensemble& e, double rate, double p, bool charts) {
    int dc = 0;
    double rho_low = 0;
    check_profile(mean_check_degree(e, rate), dc, rho_low);
    const Density ch = channel(p);
    Density v = ch;
    Run run;
    std::vector<double> buffer;
    double last = error_probability(v);
    int stalled = 0;
    for (int l = 0; l < MAX_ITERATIONS; ++l) {
        const Density q = check_output(v, dc, rho_low);
        if (charts) {
            run.x.push_back(last);
            run.g.emplace_back();
        }
        Density next(SIZE, 0), power = q, sum;
        int have = 1;  // power holds q^have
        for (std::size_t i = 0; i < e.degrees.size(); ++i) {
            while (have < e.degrees[i] - 1) {
                convolve(power, q, power, buffer);
                ++have;
            }
            if (charts) run.g.back().push_back(half_cdf(power));
            if (e.lambda[i] <= 0) continue;
            convolve(power, ch, sum, buffer);
            for (int k = 0; k < SIZE; ++k) next[k] += e.lambda[i] * sum[k];
        }
        v = std::move(next);
        normalise(v);
        const double error = error_probability(v);
        run.iterations = l + 1;
        if (error < TARGET_ERROR) {
            run.converged = true;
            return run;
        }
        // Stuck at a fixed point. (On the BSC the first iterations can leave the error probability
        // unchanged: check messages too weak to overturn any channel LLR yet.)
        stalled = error > last * (1 - 1e-6) ? stalled + 1 : 0;
        if (stalled == 4) return run;
        last = std::min(last, error);
    }
    return run;
}

double shannon_limit(double rate) {
    double low = 1e-6, high = 0.5;
    for (int i = 0; i < 60; ++i) {
        const double mid = (low + high) / 2;
        (binary_entropy(mid) < 1 - rate ? low : high) = mid;
    }
    return low;
}

double threshold(const Ensemble& e, double rate) {
    double high = shannon_limit(rate), low = high * 0.5;
    for (int i = 0; i < 12; ++i) {
        const double mid = (low + high) / 2;
        (evolve(e, rate, mid, false).converged ? low : high) = mid;
    }
    return low;
}

// Maximises c.x subject to rows (a, b, kind) with kind -1: a.x <= b, 0: a.x = b, +1: a.x >= b, and
// x >= 0: the two-phase tableau simplex with Bland's rule (small dense problems only). Returns false
// when infeasible.
bool simplex(const std::vector<double>& c, const std::vector<std::vector<double>>& a, const std::vector<double>& b,
             const std::vector<int>& kind, std::vector<double>& x) {
    const std::size_t m = a.size(), n = c.size();
    // Columns: n originals, one slack / surplus per inequality, one artificial per >= or = row.
    std::vector<std::size_t> slack(m, 0), artificial(m, 0);
    std::size_t columns = n;
    for (std::size_t r = 0; r < m; ++r) {
        if (kind[r] != 0) slack[r] = columns++;
    }
    const std::size_t first_artificial = columns;
    for (std::size_t r = 0; r < m; ++r) {
        if (kind[r] >= 0) artificial[r] = columns++;
    }
    std::vector<std::vector<double>> t(m + 1, std::vector<double>(columns + 1, 0));
    std::vector<std::size_t> basis(m);
    for (std::size_t r = 0; r < m; ++r) {
        for (std::size_t j = 0; j < n; ++j) t[r][j] = a[r][j];
        t[r][columns] = b[r];
        if (kind[r] < 0) t[r][slack[r]] = 1, basis[r] = slack[r];
        if (kind[r] > 0) t[r][slack[r]] = -1;
        if (kind[r] >= 0) t[r][artificial[r]] = 1, basis[r] = artificial[r];
    }
    auto pivot = [&](std::size_t row, std::size_t col) {
        const double v = t[row][col];
        for (double& e : t[row]) e /= v;
        for (std::size_t r = 0; r <= m; ++r) {
            if (r == row || t[r][col] == 0) continue;
            const double f = t[r][col];
            for (std::size_t j = 0; j <= columns; ++j) t[r][j] -= f * t[row][j];
        }
        basis[row] = col;
    };
    auto run = [&](std::size_t usable) {
        for (int step = 0; step < 5000; ++step) {
            std::size_t col = usable;
            for (std::size_t j = 0; j < usable; ++j) {
                if (t[m][j] < -1e-12) {
                    col = j;
                    break;
                }
            }
            if (col == usable) return;
            std::size_t row = m;
            double best = 0;
            for (std::size_t r = 0; r < m; ++r) {
                if (t[r][col] > 1e-12) {
                    const double ratio = t[r][columns] / t[r][col];
                    if (row == m || ratio < best - 1e-15 || (ratio <= best + 1e-15 && basis[r] < basis[row])) {
                        row = r;
                        best = ratio;
                    }
                }
            }
            if (row == m) return;  // unbounded (cannot happen here: sum lambda = 1)
            pivot(row, col);
        }
    };
    // Phase 1: minimise the artificials (objective row: -(sum of artificial rows)).
    for (std::size_t r = 0; r < m; ++r) {
        if (kind[r] >= 0) {
            for (std::size_t j = 0; j <= columns; ++j) t[m][j] -= t[r][j];
            t[m][artificial[r]] += 1;
        }
    }
    run(first_artificial);
    if (t[m][columns] < -1e-9) return false;
    // Artificials left in the basis (at zero) would be free to grow in phase 2, breaking their
    // rows: pivot each out on any original or slack column of its row (a row with none is
    // redundant and stays).
    for (std::size_t r = 0; r < m; ++r) {
        if (basis[r] < first_artificial) continue;
        for (std::size_t j = 0; j < first_artificial; ++j) {
            if (std::fabs(t[r][j]) > 1e-9) {
                pivot(r, j);
                break;
            }
        }
    }
    // Phase 2: the real objective over the non-artificial columns.
    std::fill(t[m].begin(), t[m].end(), 0);
    for (std::size_t j = 0; j < n; ++j) t[m][j] = -c[j];
    for (std::size_t r = 0; r < m; ++r) {
        if (basis[r] < n && t[m][basis[r]] != 0) {
            const double f = t[m][basis[r]];
            for (std::size_t j = 0; j <= columns; ++j) t[m][j] -= f * t[r][j];
        }
    }
    run(first_artificial);
    x.assign(n, 0);
    for (std::size_t r = 0; r < m; ++r) {
        if (basis[r] < n) x[basis[r]] = t[r][columns];
    }
    return true;
}

// The highest-rate lambda' at crossover p under the chart rows of `run` (recorded for `e`), at
// mean check degree `mean`, within tau of e.lambda. Returns the design rate it reaches, 0 if none.
double best_lambda(const Ensemble& e, const Run& run, double mean, double p, double tau, std::vector<double>& lambda) {
    const std::size_t n = e.degrees.size();
    const double check_per_edge = 1 / mean;
    std::vector<std::vector<double>> rows;
    std::vector<double> rhs;
    std::vector<int> kind;
    const std::size_t every = std::max<std::size_t>(1, run.x.size() / 150);
    for (std::size_t l = 0; l < run.x.size(); l += every) {
        std::vector<double> row(n);
        for (std::size_t i = 0; i < n; ++i) row[i] = chart(run.g[l][i], p);
        rows.push_back(row);
        rhs.push_back(0.995 * run.x[l]);
        kind.push_back(-1);
    }
    rows.emplace_back(n, 1.0);
    rhs.push_back(1);
    kind.push_back(0);
    std::vector<double> two(n, 0);
    two[0] = 1;
    rows.push_back(two);  // fewer degree-2 variables than checks; stability
    rhs.push_back(std::min(1.9 * check_per_edge, 1 / ((mean - 1) * 2 * std::sqrt(p * (1 - p)))));
    kind.push_back(-1);
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<double> unit(n, 0);
        unit[i] = 1;
        rows.push_back(unit);
        rhs.push_back(e.lambda[i] + tau);
        kind.push_back(-1);
        if (e.lambda[i] > tau) {
            rows.push_back(unit);
            rhs.push_back(e.lambda[i] - tau);
            kind.push_back(+1);
        }
    }
    std::vector<double> objective(n);
    for (std::size_t i = 0; i < n; ++i) objective[i] = 1.0 / e.degrees[i];
    if (!simplex(objective, rows, rhs, kind, lambda)) return 0;
    double total = 0;
    for (double l : lambda) total += l;
    if (std::fabs(total - 1) > 1e-6) return 0;  // numerically failed programme
    double inverse = 0;
    for (std::size_t i = 0; i < n; ++i) inverse += lambda[i] / e.degrees[i];
    return 1 - check_per_edge / inverse;
}

void print(const Ensemble& e, double rate, double p) {
    std::printf("rate %.3f  p* %.5f  f* %.4f  mean check degree %.2f  {", rate, p, (1 - rate) / binary_entropy(p),
                mean_check_degree(e, rate));
    for (std::size_t i = 0; i < e.degrees.size(); ++i) {
        if (e.lambda[i] > 5e-6) std::printf("{%d, %.5f}, ", e.degrees[i], e.lambda[i]);
    }
    std::printf("}\n");
    std::fflush(stdout);
}

// "d:l" arguments onto the design's degree set (degrees outside it are added).
Ensemble parse(int argc, char** argv, int first) {
    // Degrees up to DE_MAX_DEGREE (60): at high rates the heavy variables of a 2^16-symbol code reach
    // every check within distance 2, and PEG must then close 4-cycles.
    const int max_degree = static_cast<int>(env("DE_MAX_DEGREE", 60));
    Ensemble e{{}, {}};
    for (int d : {2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60}) {
        if (d <= max_degree) e.degrees.push_back(d);
    }
    std::vector<std::pair<int, double>> given;
    for (int a = first; a < argc; ++a) {
        const std::string s = argv[a];
        const auto colon = s.find(':');
        given.emplace_back(std::atoi(s.substr(0, colon).c_str()), std::atof(s.substr(colon + 1).c_str()));
        if (std::find(e.degrees.begin(), e.degrees.end(), given.back().first) == e.degrees.end())
            e.degrees.push_back(given.back().first);
    }
    std::sort(e.degrees.begin(), e.degrees.end());
    e.lambda.assign(e.degrees.size(), 0);
    double total = 0;
    for (const auto& [d, l] : given) total += l;
    for (const auto& [d, l] : given)
        e.lambda[std::find(e.degrees.begin(), e.degrees.end(), d) - e.degrees.begin()] += l / total;
    return e;
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines survive a timeout
    const std::string_view mode = argc > 1 ? argv[1] : "";
    if (mode == "check") {
        // The (3, 6)-regular ensemble: p* = 0.084 on the BSC under sum-product decoding (Richardson
        // and Urbanke, "Modern Coding Theory", 2008, table 4.170); the grid should land near it.
        const Ensemble e{{3}, {1.0}};
        print(e, 0.5, threshold(e, 0.5));
        return 0;
    }
    if (mode == "threshold" && argc > 3) {
        const double rate = std::atof(argv[2]);
        const Ensemble e = parse(argc, argv, 3);
        print(e, rate, threshold(e, rate));
        return 0;
    }
    if (mode == "design" && argc > 4) {
        const double rate = std::atof(argv[2]);
        const int rounds = std::atoi(argv[3]);
        Ensemble e = parse(argc, argv, 4);
        double p = threshold(e, rate);
        print(e, rate, p);
        double tau = 0.05;
        const double mean_step = env("DE_MEAN_STEP", 1.0);
        for (int round = 0; round < rounds && tau > 1e-3; ++round) {
            const Run run = evolve(e, rate, p, true);
            // Programmes at the current mean check degree and one step either side; each gives the
            // largest p' whose programme still reaches the rate; the best true threshold is kept.
            const double mean = mean_check_degree(e, rate);
            Ensemble best = e;
            double best_p = p;
            for (double shift : {0.0, -mean_step, mean_step}) {
                double low = p * 0.98, high = std::min(p * 1.15, shannon_limit(rate));
                std::vector<double> lambda, found;
                for (int i = 0; i < 14; ++i) {
                    const double mid = (low + high) / 2;
                    if (best_lambda(e, run, mean + shift, mid, tau, lambda) >= rate) {
                        low = mid;
                        found = lambda;
                    } else {
                        high = mid;
                    }
                }
                if (found.empty()) continue;
                const Ensemble candidate{e.degrees, found};
                const double q = threshold(candidate, rate);
                std::printf("round %d tau %.4f mean %.2f: LP p' %.5f, true p* %.5f (was %.5f)\n", round, tau,
                            mean + shift, low, q, p);
                if (q > best_p) {
                    best = candidate;
                    best_p = q;
                }
            }
            if (best_p > p) {
                e = best;
                p = best_p;
                print(e, rate, p);
            } else {
                tau /= 2;
            }
        }
        print(e, rate, p);
        return 0;
    }
    std::fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
    return 1;
}
