#include "qkdlab/qsim/kraus_channel.h"

#include <bit>
#include <cmath>
#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {
namespace {

constexpr double TRACE_TOLERANCE = 1e-10;
const Complex I{0.0, 1.0};

void check_probability(const char* channel, const char* name, double value, double high = 1.0) {
    if (!(value >= 0.0 && value <= high)) {
        throw Error(std::string(channel) + ": " + name + " must be between 0 and " + std::to_string(high) + ", got " +
                    std::to_string(value));
    }
}

Matrix scaled(Matrix m, double factor) {
    m *= factor;
    return m;
}

const Matrix& pauli_matrix(int k) {
    static const Matrix paulis[4] = {Matrix::identity(2), Matrix(2, {0, 1, 1, 0}), Matrix(2, {0, -I, I, 0}),
                                     Matrix(2, {1, 0, 0, -1})};
    return paulis[k];
}

// The Pauli channel with probability `weights[k]` for Pauli string k (little-endian base-4 digits
// over the qubits, digit 0 = I); zero weights are left out.
KrausChannel pauli_mixture(unsigned num_qubits, const std::vector<double>& weights) {
    std::vector<Matrix> operators;
    for (std::size_t k = 0; k < weights.size(); ++k) {
        if (weights[k] == 0) continue;
        Matrix m = Matrix::identity(1);
        for (unsigned q = 0; q < num_qubits; ++q) m = pauli_matrix(static_cast<int>((k >> (2 * q)) & 3)).kron(m);
        operators.push_back(scaled(std::move(m), std::sqrt(weights[k])));
    }
    return KrausChannel(std::move(operators));
}

}  // namespace

KrausChannel::KrausChannel(std::vector<Matrix> operators) : operators_(std::move(operators)) {
    if (operators_.empty()) throw Error("a Kraus channel needs at least one operator");
    const std::size_t d = operators_[0].dim();
    if (d < 2 || !std::has_single_bit(d)) {
        throw Error("Kraus operators must be 2^k x 2^k with k >= 1, got dimension " + std::to_string(d));
    }
    num_qubits_ = static_cast<unsigned>(std::countr_zero(d));
    Matrix sum(d);
    for (std::size_t k = 0; k < operators_.size(); ++k) {
        if (operators_[k].dim() != d) {
            throw Error("Kraus operator " + std::to_string(k) + " has dimension " +
                        std::to_string(operators_[k].dim()) + ", operator 0 has " + std::to_string(d));
        }
        sum = sum + operators_[k].adjoint() * operators_[k];
    }
    const double deviation = sum.max_abs_diff(Matrix::identity(d));
    if (deviation > TRACE_TOLERANCE) {
        throw Error("the Kraus operators are not trace preserving: sum of K^dagger K differs from I by " +
                    std::to_string(deviation) + " (at most 1e-10 allowed)");
    }
    for (const Matrix& k : operators_) {
        const Matrix kk = k.adjoint() * k;
        Matrix scaled_identity = Matrix::identity(d);
        scaled_identity *= kk(0, 0).real();
        if (kk.max_abs_diff(scaled_identity) > TRACE_TOLERANCE) {
            mixture_weights_.clear();
            break;
        }
        mixture_weights_.push_back(kk(0, 0).real());
    }
}

KrausChannel KrausChannel::depolarizing(double p) {
    check_probability("depolarizing", "p", p, 4.0 / 3.0);
    return pauli_mixture(1, {1 - 3 * p / 4, p / 4, p / 4, p / 4});
}

KrausChannel KrausChannel::depolarizing2(double p) {
    check_probability("depolarizing2", "p", p, 16.0 / 15.0);
    std::vector<double> weights(16, p / 16);
    weights[0] = 1 - 15 * p / 16;
    return pauli_mixture(2, weights);
}

KrausChannel KrausChannel::pauli(double px, double py, double pz) {
    check_probability("pauli", "px", px);
    check_probability("pauli", "py", py);
    check_probability("pauli", "pz", pz);
    check_probability("pauli", "px + py + pz", px + py + pz);
    return pauli_mixture(1, {1 - px - py - pz, px, py, pz});
}

KrausChannel KrausChannel::bit_flip(double p) {
    check_probability("bit_flip", "p", p);
    return pauli_mixture(1, {1 - p, p, 0, 0});
}

KrausChannel KrausChannel::phase_flip(double p) {
    check_probability("phase_flip", "p", p);
    return pauli_mixture(1, {1 - p, 0, 0, p});
}

KrausChannel KrausChannel::amplitude_damping(double gamma) {
    check_probability("amplitude_damping", "gamma", gamma);
    return KrausChannel({Matrix(2, {1, 0, 0, std::sqrt(1 - gamma)}), Matrix(2, {0, std::sqrt(gamma), 0, 0})});
}

KrausChannel KrausChannel::phase_damping(double lambda) {
    check_probability("phase_damping", "lambda", lambda);
    return KrausChannel({Matrix(2, {1, 0, 0, std::sqrt(1 - lambda)}), Matrix(2, {0, 0, 0, std::sqrt(lambda)})});
}

KrausChannel KrausChannel::generalized_amplitude_damping(double gamma, double p) {
    check_probability("generalized_amplitude_damping", "gamma", gamma);
    check_probability("generalized_amplitude_damping", "p", p);
    const double a = std::sqrt(p), b = std::sqrt(1 - p), g = std::sqrt(gamma), h = std::sqrt(1 - gamma);
    std::vector<Matrix> operators = {Matrix(2, {a, 0, 0, a * h}), Matrix(2, {0, a * g, 0, 0}),
                                     Matrix(2, {b * h, 0, 0, b}), Matrix(2, {0, 0, b * g, 0})};
    std::erase_if(operators, [](const Matrix& m) { return m.max_abs_diff(Matrix(2)) == 0; });
    return KrausChannel(std::move(operators));
}

KrausChannel KrausChannel::thermal_relaxation(double t1, double t2, double duration) {
    if (!(t1 > 0) || !std::isfinite(t1))
        throw Error("thermal_relaxation: T1 must be positive, got " + std::to_string(t1));
    if (!(t2 > 0 && t2 <= 2 * t1)) {
        throw Error("thermal_relaxation: T2 must be in (0, 2 T1] = (0, " + std::to_string(2 * t1) + "], got " +
                    std::to_string(t2));
    }
    if (!(duration >= 0) || !std::isfinite(duration)) {
        throw Error("thermal_relaxation: the duration must be non-negative, got " + std::to_string(duration));
    }
    const double gamma = 1 - std::exp(-duration / t1);
    const double dephasing_rate = 1 / t2 - 1 / (2 * t1);  // 1 / T_phi, >= 0
    const double lambda = 1 - std::exp(-2 * duration * dephasing_rate);
    return compose(amplitude_damping(gamma), phase_damping(std::max(0.0, lambda)));
}

KrausChannel KrausChannel::reset_error(double p0, double p1) {
    check_probability("reset_error", "p0", p0);
    check_probability("reset_error", "p1", p1);
    check_probability("reset_error", "p0 + p1", p0 + p1);
    std::vector<Matrix> operators;
    if (p0 + p1 < 1) operators.push_back(scaled(Matrix::identity(2), std::sqrt(1 - p0 - p1)));
    if (p0 > 0) {
        operators.push_back(Matrix(2, {std::sqrt(p0), 0, 0, 0}));
        operators.push_back(Matrix(2, {0, std::sqrt(p0), 0, 0}));
    }
    if (p1 > 0) {
        operators.push_back(Matrix(2, {0, 0, std::sqrt(p1), 0}));
        operators.push_back(Matrix(2, {0, 0, 0, std::sqrt(p1)}));
    }
    return KrausChannel(std::move(operators));
}

KrausChannel KrausChannel::compose(const KrausChannel& first, const KrausChannel& second) {
    if (first.num_qubits_ != second.num_qubits_) {
        throw Error("cannot compose channels on " + std::to_string(first.num_qubits_) + " and " +
                    std::to_string(second.num_qubits_) + " qubits");
    }
    std::vector<Matrix> operators;
    const Matrix zero(first.operators_[0].dim());
    for (const Matrix& b : second.operators_)
        for (const Matrix& a : first.operators_) {
            Matrix product = b * a;
            if (product.max_abs_diff(zero) > 0) operators.push_back(std::move(product));
        }
    return KrausChannel(std::move(operators));
}

Matrix KrausChannel::superoperator() const {
    const std::size_t d = std::size_t{1} << num_qubits_;
    Matrix s(d * d);
    for (const Matrix& k : operators_)
        for (std::size_t r1 = 0; r1 < d; ++r1)
            for (std::size_t r0 = 0; r0 < d; ++r0) {
                const Complex a = k(r1, r0);
                if (a == Complex{}) continue;
                for (std::size_t c1 = 0; c1 < d; ++c1)
                    for (std::size_t c0 = 0; c0 < d; ++c0) s(r1 + d * c1, r0 + d * c0) += a * std::conj(k(c1, c0));
            }
    return s;
}

}  // namespace qkdlab::qsim
