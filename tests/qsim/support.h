#pragma once
// Test support for qsim: random states and unitaries, and the dense reference that embeds an
// operator in the full 2^n space and multiplies, with no index tricks at all.

#include <gtest/gtest.h>

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/matrix.h"
#include "qkdlab/qsim/qasm.h"
#include "qkdlab/qsim/run.h"
#include "qkdlab/qsim/state_vector.h"

namespace qkdlab::qsim::testing {

// A file of ../shared/qasmbench.
inline std::string qasmbench(const std::string& name) { return QKDLAB_SHARED_DIR "/qasmbench/" + name; }

// The state a QASM file leaves before its terminal measurements.
inline StateVector final_state(const std::string& path) {
    const CircuitRunner runner(read_qasm_file(path));
    core::Rng rng(1);
    return runner.final_state(rng);
}

// Haar-ish random amplitudes (normalised complex Gaussians).
inline std::vector<Complex> random_amplitudes(unsigned n, core::Rng& rng) {
    boost::random::normal_distribution<double> normal;
    std::vector<Complex> a(std::size_t{1} << n);
    double norm = 0;
    for (auto& z : a) {
        z = {normal(rng), normal(rng)};
        norm += std::norm(z);
    }
    for (auto& z : a) z /= std::sqrt(norm);
    return a;
}

inline StateVector random_state(unsigned n, core::Rng& rng) {
    StateVector psi(n);
    psi.set_amplitudes(random_amplitudes(n, rng));
    return psi;
}

// A random unitary of dimension 2^k: Gram–Schmidt on complex Gaussian columns.
inline Matrix random_unitary(unsigned k, core::Rng& rng) {
    const std::size_t d = std::size_t{1} << k;
    boost::random::normal_distribution<double> normal;
    Matrix m(d);
    for (std::size_t c = 0; c < d; ++c) {
        for (std::size_t r = 0; r < d; ++r) m(r, c) = {normal(rng), normal(rng)};
        for (std::size_t p = 0; p < c; ++p) {
            Complex dot = 0;
            for (std::size_t r = 0; r < d; ++r) dot += std::conj(m(r, p)) * m(r, c);
            for (std::size_t r = 0; r < d; ++r) m(r, c) -= dot * m(r, p);
        }
        double norm = 0;
        for (std::size_t r = 0; r < d; ++r) norm += std::norm(m(r, c));
        for (std::size_t r = 0; r < d; ++r) m(r, c) /= std::sqrt(norm);
    }
    return m;
}

// Distinct random qubits out of n.
inline std::vector<Qubit> random_qubits(unsigned count, unsigned n, core::Rng& rng) {
    std::vector<Qubit> all(n);
    for (Qubit q = 0; q < n; ++q) all[q] = q;
    for (unsigned i = 0; i < count; ++i) {
        const auto j = boost::random::uniform_int_distribution<unsigned>(i, n - 1)(rng);
        std::swap(all[i], all[j]);
    }
    all.resize(count);
    return all;
}

// The full 2^n x 2^n operator of `m` (little-endian over `targets`) applied when all `controls`
// are 1, built entry by entry from the definition.
inline Matrix embed(const Matrix& m, std::span<const Qubit> targets, std::span<const Qubit> controls, unsigned n) {
    const std::size_t dim = std::size_t{1} << n;
    std::size_t tmask = 0, cmask = 0;
    for (Qubit q : targets) tmask |= std::size_t{1} << q;
    for (Qubit q : controls) cmask |= std::size_t{1} << q;
    const auto local = [&](std::size_t i) {
        std::size_t l = 0;
        for (std::size_t j = 0; j < targets.size(); ++j) l |= ((i >> targets[j]) & 1) << j;
        return l;
    };
    Matrix full(dim);
    for (std::size_t r = 0; r < dim; ++r)
        for (std::size_t c = 0; c < dim; ++c) {
            if ((r & ~tmask) != (c & ~tmask)) continue;
            if ((c & cmask) != cmask) {
                full(r, c) = r == c ? 1.0 : 0.0;
                continue;
            }
            full(r, c) = m(local(r), local(c));
        }
    return full;
}

inline std::vector<Complex> multiply(const Matrix& m, std::span<const Complex> v) {
    std::vector<Complex> out(v.size());
    for (std::size_t r = 0; r < v.size(); ++r)
        for (std::size_t c = 0; c < v.size(); ++c) out[r] += m(r, c) * v[c];
    return out;
}

inline double max_abs_diff(std::span<const Complex> a, std::span<const Complex> b) {
    double worst = a.size() == b.size() ? 0.0 : INFINITY;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

// 4 sigma of a frequency estimated from `shots` Bernoulli trials of probability p.
inline double four_sigma(double p, std::size_t shots) {
    return 4 * std::sqrt(p * (1 - p) / static_cast<double>(shots));
}

// Every outcome seen is one of `expected`, the shots add up, and each expected outcome's frequency
// is within 4 sigma of its probability (probability 1: every shot).
inline void expect_counts(const Counts& counts, const std::map<std::string, double>& expected, std::size_t shots) {
    std::size_t total = 0;
    for (const auto& [key, count] : counts) {
        EXPECT_TRUE(expected.contains(key)) << "unexpected outcome '" << key << "' in " << count << " shots";
        total += count;
    }
    EXPECT_EQ(total, shots);
    for (const auto& [key, p] : expected) {
        const auto it = counts.find(key);
        const double frequency =
            it == counts.end() ? 0.0 : static_cast<double>(it->second) / static_cast<double>(shots);
        EXPECT_NEAR(frequency, p, four_sigma(p, shots)) << "outcome '" << key << "'";
    }
}

}  // namespace qkdlab::qsim::testing
