#include "qkdlab/qsim/trajectory.h"

#include <boost/random/uniform_01.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {

std::size_t apply_channel_trajectory(StateVector& psi, const KrausChannel& channel, std::span<const Qubit> qubits,
                                     core::Rng& rng) {
    if (qubits.size() != channel.num_qubits()) {
        throw Error("a channel on " + std::to_string(channel.num_qubits()) + " qubit(s) was given " +
                    std::to_string(qubits.size()));
    }
    const auto operators = channel.operators();
    std::vector<double> probabilities(channel.mixture_weights().begin(), channel.mixture_weights().end());
    if (probabilities.empty()) {
        // p_k = Tr(K_k^dagger K_k rho_q) with rho_q the reduced state of the channel's qubits.
        const Matrix rho = psi.reduced_density_matrix(qubits);
        for (const Matrix& k : operators) {
            const Matrix kk = k.adjoint() * k;
            double p = 0;
            for (std::size_t r = 0; r < kk.dim(); ++r)
                for (std::size_t c = 0; c < kk.dim(); ++c) p += (kk(r, c) * rho(c, r)).real();
            probabilities.push_back(std::max(0.0, p));
        }
    }
    double total = 0;
    for (double p : probabilities) total += p;
    double u = boost::random::uniform_01<double>()(rng) * total;
    std::size_t branch = 0;
    while (branch + 1 < probabilities.size() && (u >= probabilities[branch] || probabilities[branch] == 0)) {
        u -= probabilities[branch];
        ++branch;
    }
    while (probabilities[branch] == 0 && branch > 0) --branch;  // rounding past the last branch
    Matrix k = operators[branch];
    k *= 1 / std::sqrt(probabilities[branch] / total);
    psi.apply_matrix(k, qubits);
    return branch;
}

}  // namespace qkdlab::qsim
