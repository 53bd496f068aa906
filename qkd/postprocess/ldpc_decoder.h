#pragma once
// Bob's LDPC decoder: layered belief propagation (sum-product) on the syndrome (Hocevar, "A reduced
// complexity decoder architecture via layered decoding of LDPC codes", IEEE SiPS 2004), with the
// checks run 16 at a time in SIMD lanes.
//
// The schedule groups the checks of a code into groups of LANES checks of one degree that share no
// variable. Updating a group's checks side by side gives exactly what updating them one after the
// other would (they read and write disjoint posteriors), so the decoder is a layered decoder with the
// checks in group order; it is only the lanes that are new. The memory is edge-ordered: edge j of
// lane l of a group sits at slot first_slot + LANES j + l, so a group's messages are read and
// written as whole vectors and its posteriors are gathered and scattered by the slots' variables.
// A group with fewer checks than lanes (the last groups of a degree) fills the rest with padding
// checks on padding variables of their own (indices bits() ... bits() + LANES - 1, starting at a
// large known LLR and staying large), so every lane runs the same code.
//
// The check update is the exact log-domain sum-product rule with phi(x) = -log tanh(x / 2),
// evaluated by piecewise cubics (see ldpc_decoder.cc); min-sum variants (not tried) are known to lose
// some threshold. Two kernels, chosen by the processor: a portable one (plain loops over the
// lanes) and AVX-512F (16 lanes per vector, the posteriors read and written by scalar accesses,
// phi's coefficients picked from registers). Both do the same float operations in the same order
// (phi's Horner steps as explicit fused multiply-adds, std::fma in the portable kernel; the file is
// built with -ffp-contract=off so that no other operation is fused), so they give bit-identical
// posteriors (the tests check it).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/qkd/ldpc_code.h"

namespace qkdlab::qkd {

enum class LdpcKernel : std::uint8_t { portable, avx512 };

// Whether this processor runs `kernel` (portable: always).
[[nodiscard]] bool ldpc_kernel_supported(LdpcKernel kernel);

// The fastest kernel this processor runs.
[[nodiscard]] LdpcKernel best_ldpc_kernel();

// A code's checks in groups of LANES variable-disjoint checks of one degree (see above).
class LdpcSchedule {
  public:
    static constexpr std::size_t LANES = 16;
    // Lane check of a padding lane.
    static constexpr std::uint32_t NO_CHECK = 0xffffffffu;

    struct Group {
        std::uint32_t degree;
        std::uint32_t first_slot;  // its LANES * degree slots follow
    };

    // First fit: per check degree, ascending, each check in index order goes to the first group of
    // its degree that is not full and shares no variable with it (a new one if none). A group can
    // hold no two checks of one variable, so a variable in k checks of one degree needs k groups:
    // on the 2^16-symbol codes that bound is far below checks / LANES and padding stays at 0-3% of
    // the lanes. On short high-rate codes the checks hold many edges of the few heavy variables
    // (degree 60), 16 checks rarely find that many distinct ones, and padding dominates: 69% of the
    // lanes at 2^14 symbols and rate 0.9, 39% at 2048 symbols and rate 0.5 (there the bound is 98
    // groups, first fit 105; taking the checks largest-conflict first changed nothing).
    explicit LdpcSchedule(const LdpcCode& code);

    std::size_t bits() const { return bits_; }
    std::size_t checks() const { return checks_; }
    // Edges of the code (padding excluded).
    std::size_t edges() const { return edges_; }
    std::span<const Group> groups() const { return groups_; }
    // Per slot, its edge's variable (bits() + lane on padding lanes).
    std::span<const std::uint32_t> slot_variables() const { return slot_variables_; }
    // Per group and lane (index LANES g + l), its check (NO_CHECK on padding lanes).
    std::span<const std::uint32_t> lane_checks() const { return lane_checks_; }
    std::size_t widest_degree() const { return widest_degree_; }

  private:
    std::size_t bits_ = 0, checks_ = 0, edges_ = 0, widest_degree_ = 0;
    std::vector<Group> groups_;
    std::vector<std::uint32_t> slot_variables_, lane_checks_;
};

// The schedule of the code of these parameters (ldpc_code(parameters)), built once per process and
// shared (thread-safe).
std::shared_ptr<const LdpcSchedule> ldpc_schedule(const LdpcCodeParameters& parameters);

struct LdpcDecoderOutcome {
    std::size_t iterations = 0;  // sweeps over all checks
    bool decoded = false;        // the hard decisions have the syndrome
};

// One decoder keeps its buffers across frames.
class LdpcDecoder {
  public:
    // `kernel` must be supported (asserted).
    explicit LdpcDecoder(LdpcKernel kernel = best_ldpc_kernel());

    // llr: the N channel LLRs log(P(bit 0) / P(bit 1)) of the frame's word (0 for punctured
    // symbols), replaced by the posteriors (negative reads 1). Sweeps until the hard decisions have
    // `syndrome` (checked cheaply: every check's update also computes the parity of its new hard
    // decisions, and the full test runs only after a sweep in which every check was satisfied when
    // it was updated, since later updates can flip a variable again) or max_iterations sweeps.
    [[nodiscard]] LdpcDecoderOutcome run(const LdpcSchedule& schedule, const core::BitVector& syndrome,
                                         std::span<float> llr, std::size_t max_iterations);

  private:
    LdpcKernel kernel_;
    std::vector<float> posteriors_, messages_, scratch_;
    std::vector<std::uint32_t> syndrome_signs_;
};

}  // namespace qkdlab::qkd
