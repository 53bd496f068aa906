// Designs the variable-node degree distributions of qkdlab's LDPC mother codes (the table in
// qkd/postprocess/ldpc_code.cc) for the binary symmetric channel, by EXIT-chart analysis under the
// Gaussian approximation and a randomised hill climb. Not part of the build; run by hand:
//
//   g++ -std=c++20 -O2 -o /tmp/ldpc_exit_design scripts/ldpc_design/ldpc_exit_design.cc
//   /tmp/ldpc_exit_design 0.50 0.55 0.60 0.65 0.70 0.75 0.80 0.85 0.90 0.95
//
// Model (ten Brink, Kramer and Ashikhmin, "Design of low-density parity-check codes for modulation
// and detection", IEEE Trans. Commun. 52, 670 (2004); Chung, Richardson and Urbanke, "Analysis of
// sum-product decoding of LDPC codes using a Gaussian approximation", IEEE Trans. Inf. Theory 47,
// 657 (2001)): check-to-variable messages are consistent Gaussians N(s^2/2, s^2) of mutual
// information J(s); a variable of degree d adds its BSC channel LLR +-log((1-p)/p) (probability
// 1 - p, p) to d - 1 of them, and its output information is computed exactly for that mixture
// (Gauss-Hermite quadrature); a check of degree d is approximated by the duality rule
// I_E = 1 - J(sqrt(d - 1) J^-1(1 - I_A)). Edge-perspective averages over lambda and rho. The
// threshold p* of (lambda, rho) is the largest crossover probability for which the iterated chart
// reaches I = 1 - 1e-6, found by bisection. Check degrees are concentrated (the two integers
// around the mean that the design rate fixes), as the PEG construction yields.
//
// Search (ten Brink et al. 2004, section IV): for a fixed check profile the open-tunnel condition
// sum_i lambda_i I_Ev(i, x) >= C^-1(x) (plus a margin of 1% of the gap to 1) at 120 points x is
// linear in lambda, so the highest-rate lambda (max sum_i lambda_i / i) is a linear programme,
// solved here by a small two-phase simplex, with the extra row lambda_2 / 2 <= 0.95 sum_j rho_j / j
// (fewer degree-2 variables than checks: more would close cycles of degree-2 variables, low-weight
// codewords). For each mean check degree on a grid, bisection finds the largest p whose programme
// still reaches the design rate; the best p over the grid wins. It prints the distribution, p*,
// the chart iterated with that distribution, and the efficiency at threshold f = (1 - R) / h(p*).
// Degrees: 2-8, 10, 12, 15, 20, 25, 30, 40, 50, 60 (MAX_DEGREE in the environment to change the
// cap, 80 and 100 allowed).
//
// Known limit: the duality rule is optimistic for checks of high degree fed by BSC-like messages,
// and the thresholds it gives at rates 0.8-0.95 (f 1.13-1.32 at threshold) are far from what
// density evolution reaches; the high-rate rows of the table are the weak part (see
// docs/postprocessing.md).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <string_view>
#include <vector>

namespace {

// Gauss-Hermite nodes and weights (physicists', 40 points) by the Golub-Welsch-free Newton method.
struct GaussHermite {
    static constexpr int N = 24;
    std::array<double, N> x{}, w{};
    GaussHermite() {
        // Newton iteration on H_N with the standard initial guesses (Numerical Recipes, gauher).
        const double pim4 = 0.7511255444649425;
        double z = 0;
        for (int i = 0; i < (N + 1) / 2; ++i) {
            if (i == 0) {
                z = std::sqrt(2.0 * N + 1) - 1.85575 * std::pow(2.0 * N + 1, -0.16667);
            } else if (i == 1) {
                z -= 1.14 * std::pow(double(N), 0.426) / z;
            } else if (i == 2) {
                z = 1.86 * z - 0.86 * x[0];
            } else if (i == 3) {
                z = 1.91 * z - 0.91 * x[1];
            } else {
                z = 2.0 * z - x[i - 2];
            }
            double pp = 0;
            for (int it = 0; it < 100; ++it) {
                double p1 = pim4, p2 = 0;
                for (int j = 0; j < N; ++j) {
                    const double p3 = p2;
                    p2 = p1;
                    p1 = z * std::sqrt(2.0 / (j + 1)) * p2 - std::sqrt(double(j) / (j + 1)) * p3;
                }
                pp = std::sqrt(2.0 * N) * p2;
                const double z1 = z;
                z = z1 - p1 / pp;
                if (std::fabs(z - z1) <= 1e-14) break;
            }
            x[i] = z;
            x[N - 1 - i] = -z;
            w[i] = w[N - 1 - i] = 2.0 / (pp * pp);
        }
    }
};

const GaussHermite& gh() {
    static const GaussHermite g;
    return g;
}

// 1 - E[log2(1 + e^-(a + X))], X ~ N(s2 / 2, s2).
double info_shifted(double a, double s2) {
    if (s2 <= 0) return 1 - std::log2(1 + std::exp(-a));
    const GaussHermite& g = gh();
    const double sd = std::sqrt(2 * s2);
    double sum = 0;
    for (int i = 0; i < GaussHermite::N; ++i) {
        const double l = a + s2 / 2 + sd * g.x[i];
        // log2(1 + e^-l), stable for both signs.
        const double v = l > 0 ? std::log1p(std::exp(-l)) : -l + std::log1p(std::exp(l));
        sum += g.w[i] * v;
    }
    return 1 - sum / std::sqrt(std::numbers::pi) / std::numbers::ln2;
}

// J(s) and its inverse, tabulated.
class JTable {
  public:
    JTable() {
        for (int i = 0; i < SIZE; ++i) j_[i] = info_shifted(0, (i * STEP) * (i * STEP));
    }
    double j(double s) const {
        const double t = std::clamp(s / STEP, 0.0, SIZE - 1.001);
        const int i = static_cast<int>(t);
        return j_[i] + (t - i) * (j_[i + 1] - j_[i]);
    }
    double inverse(double info) const {
        if (info <= 0) return 0;
        if (info >= j_[SIZE - 1]) return (SIZE - 1) * STEP;
        const auto it = std::upper_bound(j_.begin(), j_.end(), info);
        const int i = static_cast<int>(it - j_.begin()) - 1;
        return STEP * (i + (info - j_[i]) / (j_[i + 1] - j_[i]));
    }

  private:
    static constexpr int SIZE = 8000;
    static constexpr double STEP = 0.01;
    std::array<double, SIZE> j_{};
};

const JTable& jt() {
    static const JTable t;
    return t;
}

double binary_entropy(double p) { return p <= 0 || p >= 1 ? 0 : -p * std::log2(p) - (1 - p) * std::log2(1 - p); }

struct Ensemble {
    std::vector<int> degrees;
    std::vector<double> lambda;
};

// Concentrated check degrees for design rate R: edge fractions on floor / ceil of the mean.
void check_profile(const Ensemble& e, double rate, int& low, double& rho_low) {
    double inverse = 0;
    for (std::size_t i = 0; i < e.degrees.size(); ++i) inverse += e.lambda[i] / e.degrees[i];
    const double mean = 1 / inverse / (1 - rate);
    low = static_cast<int>(std::floor(mean));
    // Node fractions a (low) and 1 - a (low + 1) with mean `mean`: a = low + 1 - mean; edge fraction
    // of low = a low / mean.
    const double a = low + 1 - mean;
    rho_low = a * low / mean;
}

bool converges(const Ensemble& e, int dc, double rho_low, double p) {
    const JTable& t = jt();
    const double lc = std::log((1 - p) / p);
    double i_cv = 0;
    for (int iteration = 0; iteration < 800; ++iteration) {
        const double s2 = std::pow(t.inverse(i_cv), 2);
        double i_vc = 0;
        for (std::size_t k = 0; k < e.degrees.size(); ++k) {
            if (e.lambda[k] <= 0) continue;
            const double in = (e.degrees[k] - 1) * s2;
            i_vc += e.lambda[k] * ((1 - p) * info_shifted(lc, in) + p * info_shifted(-lc, in));
        }
        if (i_vc > 1 - 1e-6) return true;
        const double back = t.inverse(1 - i_vc);
        const double next =
            rho_low * (1 - t.j(std::sqrt(dc - 1.0) * back)) + (1 - rho_low) * (1 - t.j(std::sqrt(double(dc)) * back));
        if (next <= i_cv + 1e-9) return false;  // stuck at a fixed point
        i_cv = next;
    }
    return false;
}

double threshold(const Ensemble& e, double rate) {
    int dc = 0;
    double rho_low = 0;
    check_profile(e, rate, dc, rho_low);
    double low = 1e-5, high = 0.5;
    // p with h(p) = 1 - R is the Shannon limit; the threshold lies below.
    for (int i = 0; i < 60; ++i) {
        const double mid = (low + high) / 2;
        (binary_entropy(mid) < 1 - rate ? low : high) = mid;
    }
    high = low;
    low = high * 0.5;
    for (int i = 0; i < 13; ++i) {
        const double mid = (low + high) / 2;
        (converges(e, dc, rho_low, mid) ? low : high) = mid;
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

// The mixed check EXIT curve C(I) of checks of degree dc (edge fraction rho_low) and dc + 1.
double check_exit(int dc, double rho_low, double info) {
    const JTable& t = jt();
    const double back = t.inverse(1 - info);
    return rho_low * (1 - t.j(std::sqrt(dc - 1.0) * back)) + (1 - rho_low) * (1 - t.j(std::sqrt(double(dc)) * back));
}

// The highest-rate lambda on `degrees` whose chart stays open at crossover p, for checks of mean
// degree `mean_check` (concentrated): the linear programme of ten Brink et al. 2004, section IV.
// Returns the design rate 1 - (sum rho_j / j) / (sum lambda_i / i), or 0 when none exists.
double best_lambda(const std::vector<int>& degrees, double mean_check, double p, std::vector<double>& lambda) {
    const int dc = static_cast<int>(std::floor(mean_check));
    const double a = dc + 1 - mean_check, rho_low = a * dc / mean_check;
    const double check_per_edge = 1 / mean_check;  // sum rho_j / j
    const double lc = std::log((1 - p) / p);
    const JTable& t = jt();
    std::vector<std::vector<double>> rows;
    std::vector<double> rhs;
    std::vector<int> kind;
    // Open tunnel: sum_i lambda_i I_Ev(i, x) >= C^-1(x) + margin at grid points x of the check output.
    for (int k = 0; k < 120; ++k) {
        const double x = 0.9999 * (k + 0.5) / 120;
        double low = 0, high = 1;  // C^-1(x) by bisection
        for (int i = 0; i < 50; ++i) {
            const double mid = (low + high) / 2;
            (check_exit(dc, rho_low, mid) < x ? low : high) = mid;
        }
        const double s2 = std::pow(t.inverse(x), 2);
        std::vector<double> row(degrees.size());
        for (std::size_t i = 0; i < degrees.size(); ++i) {
            const double in = (degrees[i] - 1) * s2;
            row[i] = (1 - p) * info_shifted(lc, in) + p * info_shifted(-lc, in);
        }
        rows.push_back(row);
        rhs.push_back(high + 0.01 * (1 - high));  // a margin relative to the gap to 1
        kind.push_back(+1);
    }
    rows.emplace_back(degrees.size(), 1.0);
    rhs.push_back(1);
    kind.push_back(0);
    // Fewer degree-2 variables than checks: lambda_2 / 2 <= 0.95 sum rho_j / j.
    std::vector<double> two(degrees.size(), 0);
    two[0] = 0.5;
    rows.push_back(two);
    rhs.push_back(0.95 * check_per_edge);
    kind.push_back(-1);
    std::vector<double> objective(degrees.size());
    for (std::size_t i = 0; i < degrees.size(); ++i) objective[i] = 1.0 / degrees[i];
    if (!simplex(objective, rows, rhs, kind, lambda)) return 0;
    double inverse = 0;
    for (std::size_t i = 0; i < degrees.size(); ++i) inverse += lambda[i] / degrees[i];
    return 1 - check_per_edge / inverse;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<int> all{2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100};
    if (argc > 1 && std::string_view(argv[1]) == "check") {
        // The (3, 6)-regular ensemble: density evolution gives p* = 0.084 on the BSC (Richardson and
        // Urbanke, "Modern Coding Theory", 2008); this model should land near it.
        std::printf("(3,6) regular: p* %.4f\n", threshold(Ensemble{{3}, {1.0}}, 0.5));
        return 0;
    }
    for (int arg = 1; arg < argc; ++arg) {
        const double rate = std::atof(argv[arg]);
        const int max_degree = std::getenv("MAX_DEGREE") ? std::atoi(std::getenv("MAX_DEGREE")) : 60;
        std::vector<int> degrees;
        for (int d : all) {
            if (d <= max_degree) degrees.push_back(d);
        }
        // For each mean check degree on a grid, the largest p whose best lambda reaches the rate.
        double best_p = 0, best_mean = 0;
        std::vector<double> best;
        double shannon_low = 1e-5, shannon_high = 0.5;
        for (int i = 0; i < 60; ++i) {
            const double mid = (shannon_low + shannon_high) / 2;
            (binary_entropy(mid) < 1 - rate ? shannon_low : shannon_high) = mid;
        }
        for (double mean = 4; mean < 120; mean += (mean < 20 ? 0.25 : 1.0)) {
            std::vector<double> lambda;
            if (best_lambda(degrees, mean, best_p > 0 ? best_p : shannon_low * 0.5, lambda) < rate) continue;
            double low = best_p > 0 ? best_p : shannon_low * 0.5, high = shannon_low;
            for (int i = 0; i < 14; ++i) {
                const double mid = (low + high) / 2;
                (best_lambda(degrees, mean, mid, lambda) >= rate ? low : high) = mid;
            }
            if (low > best_p) {
                best_lambda(degrees, mean, low, lambda);
                best_p = low;
                best_mean = mean;
                best = lambda;
            }
        }
        Ensemble e{degrees, best};
        const double check = threshold(e, rate);
        std::printf("rate %.2f  p* %.5f (chart iterated: %.5f)  f* %.4f  mean check degree %.2f\n  {", rate, best_p,
                    check, (1 - rate) / binary_entropy(best_p), best_mean);
        for (std::size_t i = 0; i < degrees.size(); ++i) {
            if (best[i] > 1e-5) std::printf("{%d, %.5f}, ", degrees[i], best[i]);
        }
        std::printf("}\n");
        std::fflush(stdout);
    }
    return 0;
}
