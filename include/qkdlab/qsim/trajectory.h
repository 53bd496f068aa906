#pragma once
// Quantum trajectories (the Monte Carlo wave-function method): a channel acts on a pure state by
// one of its Kraus operators, K_k with probability p_k = ||K_k psi||^2, leaving K_k psi / sqrt(p_k).
// Averaged over trajectories this reproduces sum_k K_k rho K_k^dagger, so noisy circuits too large
// for a density matrix can still be simulated.

#include <cstddef>
#include <span>

#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/kraus_channel.h"
#include "qkdlab/qsim/state_vector.h"

namespace qkdlab::qsim {

// Applies one sampled branch of `channel` on `qubits` of `psi` and returns its index. For a mixture
// of unitaries the branch probabilities are the channel's weights (one pass over psi); otherwise
// they come from the reduced state of `qubits` (one more pass). Channels on up to 4 qubits
// allocate nothing.
std::size_t apply_channel_trajectory(StateVector& psi, const KrausChannel& channel, std::span<const Qubit> qubits,
                                     core::Rng& rng);

}  // namespace qkdlab::qsim
