#pragma once
// Quantum channels as sets of Kraus operators: rho -> sum_k K_k rho K_k^dagger. Every channel is
// checked for trace preservation when it is made (sum_k K_k^dagger K_k = I to 1e-10), and the
// standard ones are built from their textbook operators (Nielsen & Chuang, "Quantum Computation
// and Quantum Information", section 8.3), with parameters named and range-checked.

#include <span>
#include <vector>

#include "qkdlab/qsim/matrix.h"

namespace qkdlab::qsim {

class KrausChannel {
  public:
    // Any Kraus set on k qubits: all operators 2^k x 2^k (k >= 1), trace preserving to 1e-10;
    // otherwise qkdlab::Error says which condition fails.
    explicit KrausChannel(std::vector<Matrix> operators);

    // rho -> (1 - p) rho + p I/2: X, Y and Z each with probability p/4 (Qiskit's convention),
    // p in [0, 4/3].
    static KrausChannel depolarizing(double p);
    // rho -> (1 - p) rho + p I/4 on two qubits: each of the 15 non-identity Paulis with p/16,
    // p in [0, 16/15].
    static KrausChannel depolarizing2(double p);
    // X, Y, Z with probabilities px, py, pz (each >= 0, sum <= 1), otherwise I.
    static KrausChannel pauli(double px, double py, double pz);
    static KrausChannel bit_flip(double p);
    static KrausChannel phase_flip(double p);
    // Energy loss: |1> decays to |0> with probability gamma. K0 = diag(1, sqrt(1-gamma)),
    // K1 = sqrt(gamma) |0><1|.
    static KrausChannel amplitude_damping(double gamma);
    // Loss of phase without energy loss: coherences scale by sqrt(1 - lambda).
    static KrausChannel phase_damping(double lambda);
    // Amplitude damping towards the mixed state diag(p, 1 - p) (N&C eq. 8.108-8.111): p is the
    // ground-state population at equilibrium, gamma the damping. p = 1 is amplitude damping.
    static KrausChannel generalized_amplitude_damping(double gamma, double p);
    // Relaxation of an idle qubit for `duration` (same unit as t1 and t2): populations relax as
    // exp(-t/T1) towards |0>, coherences decay as exp(-t/T2). Needs T1 > 0 and 0 < T2 <= 2 T1.
    // Amplitude damping with gamma = 1 - exp(-t/T1) composed with phase damping of rate
    // 1/T_phi = 1/T2 - 1/(2 T1).
    static KrausChannel thermal_relaxation(double t1, double t2, double duration);
    // A faulty reset: with probability p0 the qubit is put in |0>, with p1 in |1>, else untouched
    // (Qiskit's reset_error).
    static KrausChannel reset_error(double p0, double p1);

    // `first`, then `second`, on the same qubits: operators {B_j A_i}, zero products dropped.
    static KrausChannel compose(const KrausChannel& first, const KrausChannel& second);

    unsigned num_qubits() const { return num_qubits_; }
    std::span<const Matrix> operators() const { return operators_; }
    // For a mixture of unitaries (every K_k^dagger K_k = w_k I, as in Pauli channels) the weights
    // w_k, which are then the branch probabilities whatever the state; empty otherwise.
    std::span<const double> mixture_weights() const { return mixture_weights_; }

    // The channel as a 4^k x 4^k matrix on vec(rho), for rho stored with the row index in the low
    // k bits and the column index in the high k bits: S = sum_k K_k ⊗ conj(K_k), entry
    // S[r1 + 2^k c1][r0 + 2^k c0] = sum_k K_k[r1][r0] conj(K_k[c1][c0]).
    Matrix superoperator() const;

  private:
    unsigned num_qubits_ = 0;
    std::vector<Matrix> operators_;
    std::vector<double> mixture_weights_;
};

}  // namespace qkdlab::qsim
